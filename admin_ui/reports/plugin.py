"""Routes of the reports."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.reports import http, saved
from admin_ui.reports.exports import FORMATS
from admin_ui.reports.tables import TABLE_KINDS
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/reports", http.report_page, "reports:view"),
    *(
        ui_route(f"/reports/queues.{file_format}", http.queue_file, "reports:view")
        for file_format in FORMATS
    ),
    # Before /reports/{kind}: "saved" is no standard report.
    ui_route("/reports/saved", saved.saved_list, "reports:view"),
    ui_route("/reports/saved", saved.create_saved, "reports:view", methods=("POST",)),
    # The files before the page: {report_id} alone would swallow "3.csv".
    *(
        ui_route(f"/reports/saved/{{report_id}}.{file_format}", saved.saved_file, "reports:view")
        for file_format in FORMATS
    ),
    ui_route("/reports/saved/{report_id}", saved.saved_page, "reports:view"),
    ui_route(
        "/reports/saved/{report_id}/delete", saved.delete_saved, "reports:view", methods=("POST",)
    ),
    *(ui_route(f"/reports/{kind}", http.table_page, "reports:view") for kind in TABLE_KINDS),
    *(
        ui_route(f"/reports/{kind}.{file_format}", http.table_file, "reports:view")
        for kind in TABLE_KINDS
        for file_format in FORMATS
    ),
]
