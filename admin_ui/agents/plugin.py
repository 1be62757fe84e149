"""Routes of the agents feature."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.agents import http, pause_reason_http
from admin_ui.web.routing import ui_route

VIEW = "agents:view"
EDIT = "agents:edit"
POST = ("POST",)
REASONS = "/agents/pause-reasons"

routes: list[Route] = [
    ui_route("/agents", http.list_agents, "agents:view"),
    ui_route("/agents", http.create_agent, "agents:edit", methods=("POST",)),
    # Before /agents/{extension}: extensions are digits, so "new" and
    # "pause-reasons" never clash with an agent.
    ui_route("/agents/new", http.new_agent, "agents:edit"),
    ui_route(REASONS, pause_reason_http.list_reasons, VIEW),
    ui_route(REASONS, pause_reason_http.create_reason, EDIT, POST),
    ui_route(REASONS + "/{code}", pause_reason_http.edit_reason, VIEW),
    ui_route(REASONS + "/{code}", pause_reason_http.update_reason, EDIT, POST),
    ui_route(REASONS + "/{code}/deactivate", pause_reason_http.deactivate_reason, EDIT, POST),
    ui_route(REASONS + "/{code}/activate", pause_reason_http.activate_reason, EDIT, POST),
    ui_route(REASONS + "/{code}/deactivate", pause_reason_http.back_to_list, VIEW),
    ui_route(REASONS + "/{code}/activate", pause_reason_http.back_to_list, VIEW),
    ui_route("/agents/{extension}", http.edit_agent, "agents:view"),
    ui_route("/agents/{extension}", http.update_agent, "agents:edit", methods=("POST",)),
    ui_route("/agents/{extension}/password", http.reset_password, "agents:edit", methods=("POST",)),
    ui_route("/agents/{extension}/actions", http.agent_action, "agents:edit", methods=("POST",)),
    ui_route("/agents/{extension}/password", http.back_to_agent, "agents:view"),
    ui_route("/agents/{extension}/actions", http.back_to_agent, "agents:view"),
]
