"""Routes of the wallboard."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.wallboard import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/wallboard", http.board_page, "wallboard:view"),
    ui_route("/wallboard/stream", http.board_stream, "wallboard:view"),
    ui_route("/wallboard/control", http.force_agent_state, "agents:edit", methods=("POST",)),
    ui_route("/wallboard/callback", http.callback_panel, "agents:edit"),
    ui_route("/wallboard/callback", http.call_back, "agents:edit", methods=("POST",)),
    ui_route("/wallboard/monitor", http.monitor_panel, "monitoring:edit"),
    ui_route("/wallboard/monitor", http.start_monitoring, "monitoring:edit", methods=("POST",)),
    ui_route(
        "/wallboard/monitor/release", http.force_release, "monitoring:edit", methods=("POST",)
    ),
    ui_route("/wallboard/monitor/note", http.send_note, "monitoring:edit", methods=("POST",)),
    ui_route(
        "/wallboard/monitor/{session_id}/mode",
        http.change_monitoring,
        "monitoring:edit",
        methods=("POST",),
    ),
    ui_route(
        "/wallboard/monitor/{session_id}/stop",
        http.stop_monitoring,
        "monitoring:edit",
        methods=("POST",),
    ),
]
