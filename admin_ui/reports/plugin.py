"""Routes of the reports."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.reports import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/reports", http.report_page, "reports:view"),
    ui_route("/reports/queues.csv", http.queue_csv, "reports:view"),
    ui_route("/reports/queues.xlsx", http.queue_xlsx, "reports:view"),
]
