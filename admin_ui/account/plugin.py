"""Routes of the account feature."""

from __future__ import annotations

from admin_ui.account import http
from admin_ui.web.routing import public_route, ui_route

routes = [
    public_route("/login", http.login_page),
    public_route("/login", http.login_submit, methods=("POST",)),
    public_route("/language", http.set_language, methods=("POST",)),
    public_route("/logout", http.logout, methods=("POST",)),
    ui_route("/", http.dashboard, "dashboard:view"),
]
