"""Routes of the agent desk."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.desk import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/desk", http.desk_page, "desk:view"),
    ui_route("/desk/stream", http.desk_stream, "desk:view"),
    ui_route("/desk/phone", http.phone_credentials, "desk:edit"),
    ui_route("/desk/state", http.change_state, "desk:edit", methods=("POST",)),
    ui_route("/desk/outcome", http.record_outcome, "desk:edit", methods=("POST",)),
    ui_route("/desk/notes/{notice_id:int}/read", http.read_note, "desk:edit", methods=("POST",)),
    ui_route("/desk/call", http.call_control, "desk:edit", methods=("POST",)),
    ui_route("/desk/preview", http.previews_panel, "desk:edit"),
    ui_route(
        "/desk/preview/{campaign_id:int}/call", http.preview_call, "desk:edit", methods=("POST",)
    ),
    ui_route("/desk/callbacks", http.callbacks_panel, "desk:edit"),
    ui_route("/desk/callbacks", http.schedule_callback, "desk:edit", methods=("POST",)),
    ui_route(
        "/desk/callbacks/{callback_id:int}/place",
        http.place_callback,
        "desk:edit",
        methods=("POST",),
    ),
    ui_route(
        "/desk/callbacks/{callback_id:int}/cancel",
        http.cancel_callback,
        "desk:edit",
        methods=("POST",),
    ),
]
