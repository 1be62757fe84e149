"""Routes of the case pages: /cases (工单)."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.cases import follow_ups_http, http, report_files, reports_http, settings_http
from admin_ui.web.routing import ui_route

VIEW = "cases:view"
EDIT = "cases:edit"
POST = ("POST",)
SETTINGS_VIEW = "case_settings:view"
SETTINGS_EDIT = "case_settings:edit"

routes: list[Route] = [
    ui_route("/cases", http.cases_page, VIEW),
    ui_route("/cases", http.create_case, EDIT, POST),
    ui_route("/cases/new", http.intake_form, EDIT),
    # The case report: the ranking's figures and the rest, as one file.
    *(
        ui_route(f"/cases/report.{file_format}", reports_http.case_report, VIEW)
        for file_format in report_files.FORMATS
    ),
    ui_route("/cases/follow-ups", follow_ups_http.follow_ups_page, VIEW),
    ui_route("/cases/follow-ups/assign", follow_ups_http.assign, EDIT, POST),
    ui_route("/cases/follow-ups/{follow_up_id:int}/call", follow_ups_http.call, EDIT, POST),
    ui_route("/cases/follow-ups/{follow_up_id:int}/result", follow_ups_http.record, EDIT, POST),
    ui_route("/cases/settings", settings_http.settings_page, SETTINGS_VIEW),
    ui_route("/cases/settings/codes/{list_name:str}", settings_http.add_code, SETTINGS_EDIT, POST),
    ui_route(
        "/cases/settings/codes/{list_name:str}/hide", settings_http.hide_code, SETTINGS_EDIT, POST
    ),
    ui_route("/cases/settings/departments", settings_http.add_department, SETTINGS_EDIT, POST),
    ui_route("/cases/settings/members", settings_http.set_member, SETTINGS_EDIT, POST),
    ui_route("/cases/settings/templates", settings_http.save_template, SETTINGS_EDIT, POST),
    ui_route(
        "/cases/settings/workflows/{workflow_id:int}",
        settings_http.save_workflow,
        SETTINGS_EDIT,
        POST,
    ),
    ui_route("/cases/notices", http.notices_panel, VIEW),
    ui_route("/cases/announcements", http.announce, EDIT, POST),
    ui_route("/cases/notices/stream", http.notices_stream, VIEW),
    # A GET: it only marks the user's own notice read and opens its case.
    ui_route("/cases/notices/{notice_id:int}", http.open_notice, VIEW),
    ui_route("/cases/{case_id:int}", http.case_page, VIEW),
    ui_route("/cases/{case_id:int}/actions", http.case_action, EDIT, POST),
    ui_route("/cases/{case_id:int}/attachments/{attachment_id:int}", http.case_attachment, VIEW),
]
