"""/api/v1/reports/queues.csv and .xlsx: the queue report as a file (bearer token).

The same rows as ``GET /api/v1/reports/queues`` (``admin_ui/api.py``), with
the same role check, tenant and errors; each export is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.reports.exports import queue_export, site_zone
from hotline.metrics import reports


async def _queue_file(request: Request, file_format: str) -> Response:
    principal = await require(request, "view")
    since, until = reports.parse_period(
        request.query_params.get("from"), request.query_params.get("to"), site_zone(request)
    )
    rows = await reports.queue_report(principal.tenant_id, since, until, datetime.now(UTC))
    return await queue_export(
        request, rows, file_format, since, until, username=principal.name, source="api"
    )


async def queue_report_csv(request: Request) -> Response:
    return await _queue_file(request, "csv")


async def queue_report_xlsx(request: Request) -> Response:
    return await _queue_file(request, "xlsx")


ROUTES = [
    Route("/reports/queues.csv", queue_report_csv),
    Route("/reports/queues.xlsx", queue_report_xlsx),
]


def _op(summary: str, media_type: str) -> dict[str, Any]:
    period = [
        {"name": name, "in": "query", "required": True, "schema": {"type": "string"}}
        for name in ("from", "to")
    ]
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": period,
        "responses": {
            "200": {"description": "the file (attachment)", "content": {media_type: {}}},
            "400": {"description": "'from' or 'to' missing or not ISO 8601 (details.field)"},
            "401": {"description": "missing, unknown, revoked or expired bearer token"},
            "403": {"description": "the token's role or scope may not do this"},
        },
    }


_SAME_ROWS = (
    "the rows of /reports/queues (header: its field names; rates 0-1, times in seconds,"
    " null empty; text starting = + - @ tab CR prefixed with '); 'from' and 'to'; audited"
)
OPENAPI_PATHS: dict[str, Any] = {
    "/reports/queues.csv": {"get": _op("Queue report as CSV, streamed: " + _SAME_ROWS, "text/csv")},
    "/reports/queues.xlsx": {
        "get": _op(
            "Queue report as XLSX: " + _SAME_ROWS,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    },
}
