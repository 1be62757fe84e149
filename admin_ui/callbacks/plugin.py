"""Routes of the callbacks page: /callbacks (回拨), the supervisors' view."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.callbacks import http
from admin_ui.web.routing import ui_route

VIEW = "callbacks:view"
EDIT = "callbacks:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/callbacks", http.callbacks_page, VIEW),
    ui_route("/callbacks/lists", http.lists, VIEW),
    ui_route("/callbacks/request", http.request_callback, EDIT, POST),
    ui_route("/callbacks/{callback_id:int}/cancel", http.cancel, EDIT, POST),
]
