"""Routes of the audit feature: read-only by design (GET only, no edit or delete)."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.audit import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/audit", http.audit_log, "audit:view"),
    ui_route("/audit/{entry_id}", http.audit_entry, "audit:view"),
]
