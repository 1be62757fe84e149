"""Routes of the calls pages."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.calls import http
from admin_ui.web.routing import ui_route

VIEW = "calls:view"

routes: list[Route] = [
    ui_route("/calls", http.call_list, VIEW),
    ui_route("/calls/{call_id}", http.call_page, VIEW),
    ui_route("/calls/{call_id}/recording.wav", http.call_recording, VIEW),
]
