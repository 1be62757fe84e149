"""Routes of the agents feature."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.agents import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/agents", http.list_agents, "agents:view"),
    ui_route("/agents", http.create_agent, "agents:edit", methods=("POST",)),
    # Before /agents/{extension}: extensions are digits, so "new" never clashes.
    ui_route("/agents/new", http.new_agent, "agents:edit"),
    ui_route("/agents/{extension}", http.edit_agent, "agents:view"),
    ui_route("/agents/{extension}", http.update_agent, "agents:edit", methods=("POST",)),
    ui_route("/agents/{extension}/password", http.reset_password, "agents:edit", methods=("POST",)),
    ui_route("/agents/{extension}/actions", http.agent_action, "agents:edit", methods=("POST",)),
    ui_route("/agents/{extension}/password", http.back_to_agent, "agents:view"),
    ui_route("/agents/{extension}/actions", http.back_to_agent, "agents:view"),
]
