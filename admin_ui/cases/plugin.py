"""Routes of the case pages: /cases (工单)."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.cases import http
from admin_ui.web.routing import ui_route

VIEW = "cases:view"
EDIT = "cases:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/cases", http.cases_page, VIEW),
    ui_route("/cases", http.create_case, EDIT, POST),
    ui_route("/cases/new", http.intake_form, EDIT),
    ui_route("/cases/notices", http.notices_panel, VIEW),
    ui_route("/cases/notices/stream", http.notices_stream, VIEW),
    # A GET: it only marks the user's own notice read and opens its case.
    ui_route("/cases/notices/{notice_id:int}", http.open_notice, VIEW),
    ui_route("/cases/{case_id:int}", http.case_page, VIEW),
    ui_route("/cases/{case_id:int}/actions", http.case_action, EDIT, POST),
]
