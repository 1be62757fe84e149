"""/api/v1/reports/queues.csv and .xlsx: the queue report as a file (bearer token).

The same rows as ``GET /api/v1/reports/queues`` (``admin_ui/api.py``), with
the same role check, tenant and errors; each export is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.reports.exports import queue_export, report_export, site_zone
from hotline.metrics import reports
from hotline.metrics.report_kinds import KINDS


async def _queue_file(request: Request, file_format: str) -> Response:
    principal = await require(request, "view")
    since, until = reports.parse_period(
        request.query_params.get("from"), request.query_params.get("to"), site_zone(request)
    )
    by = request.query_params.get("by")
    if by:
        rows = await reports.queue_report_by(
            principal.tenant_id, since, until, datetime.now(UTC), by, site_zone(request)
        )
    else:
        rows = await reports.queue_report(principal.tenant_id, since, until, datetime.now(UTC))
    return await queue_export(
        request, rows, file_format, since, until, username=principal.name, source="api"
    )


async def queue_report_csv(request: Request) -> Response:
    return await _queue_file(request, "csv")


async def queue_report_xlsx(request: Request) -> Response:
    return await _queue_file(request, "xlsx")


async def _rows(request: Request) -> tuple[Any, list[dict[str, Any]], datetime, datetime]:
    principal = await require(request, "view")
    since, until = reports.parse_period(
        request.query_params.get("from"), request.query_params.get("to"), site_zone(request)
    )
    kind = request.url.path.rsplit("/", 1)[-1].partition(".")[0]
    rows = await KINDS[kind].rows(principal.tenant_id, since, until, datetime.now(UTC))
    return principal, rows, since, until


async def report_json(request: Request) -> Response:
    """The disposition and entry reports as JSON (rows; null is "–")."""
    _, rows, _, _ = await _rows(request)
    return JSONResponse(rows)


async def report_file(request: Request) -> Response:
    principal, rows, since, until = await _rows(request)
    kind, _, file_format = request.url.path.rsplit("/", 1)[-1].partition(".")
    return await report_export(
        request, kind, rows, file_format, since, until, username=principal.name, source="api"
    )


# The queue report's JSON is admin_ui/api.py's (its contract); agents' too.
_JSON_KINDS = ("dispositions", "entries")
_FILE_KINDS = ("agents", "dispositions", "entries")

ROUTES = [
    Route("/reports/queues.csv", queue_report_csv),
    Route("/reports/queues.xlsx", queue_report_xlsx),
    *(Route(f"/reports/{kind}", report_json) for kind in _JSON_KINDS),
    *(
        Route(f"/reports/{kind}.{file_format}", report_file)
        for kind in _FILE_KINDS
        for file_format in ("csv", "xlsx")
    ),
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
    **{
        f"/reports/{kind}.{file_format}": {
            "get": _op(
                f"The {kind} report as {file_format.upper()} (?from=&to=, ISO 8601); audited",
                media,
            )
        }
        for kind in _FILE_KINDS
        for file_format, media in (
            ("csv", "text/csv"),
            ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    },
    "/reports/dispositions": {
        "get": _op(
            "Per queue and outcome code: {queue, disposition, calls, share 0-1} of answered calls"
            " started in [from, to)",
            "application/json",
        )
    },
    "/reports/entries": {
        "get": _op(
            "Per number dialled: {did, calls, reached_queue, dropped_in_ivr, ivr_drop_rate,"
            " dropped_at} for calls started in [from, to)",
            "application/json",
        )
    },
}
