"""Routes of the API tokens feature: /api-tokens."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.api_tokens import http
from admin_ui.web.routing import ui_route

VIEW = "api_tokens:view"
EDIT = "api_tokens:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/api-tokens", http.list_tokens, VIEW),
    ui_route("/api-tokens", http.create_token, EDIT, POST),
    # Before /api-tokens/{token_id}/...: ids are numbers, "new" is not one.
    ui_route("/api-tokens/new", http.new_token, EDIT),
    ui_route("/api-tokens/{token_id}/revoke", http.revoke_token, EDIT, POST),
    ui_route("/api-tokens/{token_id}/revoke", http.back_to_list, VIEW),
]
