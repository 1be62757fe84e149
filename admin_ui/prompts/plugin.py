"""Routes of the prompts feature."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.prompts import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/prompts", http.list_page, "prompts:view"),
    ui_route("/prompts", http.upload, "prompts:edit", methods=("POST",)),
    ui_route("/prompts/tts", http.tts_draft, "prompts:edit", methods=("POST",)),
    ui_route("/prompts/{name}/audio", http.audio, "prompts:view"),
    ui_route("/prompts/{name}/delete", http.delete, "prompts:edit", methods=("POST",)),
    ui_route(
        "/prompts/{name}/versions/{version:int}/restore",
        http.restore,
        "prompts:edit",
        methods=("POST",),
    ),
]
