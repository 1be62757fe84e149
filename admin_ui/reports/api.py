"""/api/v1/reports/<kind>.csv, .xlsx, .pdf and .docx: a standard report as a
file (bearer token), and the reports that have no JSON route elsewhere.

The same rows as ``GET /api/v1/reports/queues`` (``admin_ui/api.py``) and
``GET /api/v1/reports/<kind>``, with the same role check, tenant and errors;
each export is audited.  PDF and Word head their columns in ``?lang=``
(``en`` or ``zh-CN``; English by default).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.reports.exports import FORMATS, queue_export, report_export, site_zone
from admin_ui.web.i18n import LANGUAGES
from hotline.metrics import documents, export, reports
from hotline.metrics.report_kinds import CASE_KINDS, KINDS


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


async def queue_report_file(request: Request) -> Response:
    return await _queue_file(request, request.url.path.rsplit(".", 1)[-1])


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
_JSON_KINDS = ("dispositions", "entries", *CASE_KINDS)
_FILE_KINDS = ("agents", "dispositions", "entries", *CASE_KINDS)

ROUTES = [
    *(Route(f"/reports/queues.{file_format}", queue_report_file) for file_format in FORMATS),
    *(Route(f"/reports/{kind}", report_json) for kind in _JSON_KINDS),
    *(
        Route(f"/reports/{kind}.{file_format}", report_file)
        for kind in _FILE_KINDS
        for file_format in FORMATS
    ),
]


def _op(summary: str, media_type: str) -> dict[str, Any]:
    period: list[dict[str, Any]] = [
        {"name": name, "in": "query", "required": True, "schema": {"type": "string"}}
        for name in ("from", "to")
    ]
    if media_type in documents.MEDIA_TYPES.values():
        period.append(
            {
                "name": "lang",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(LANGUAGES)},
            }
        )
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
_DOCUMENT = (
    "a title, the period and a table headed in ?lang= (en, zh-CN); rates as percentages,"
    " times m:ss, null '–'; text starting = + - @ tab CR prefixed with '; audited"
)
_MEDIA = {**export.MEDIA_TYPES, **documents.MEDIA_TYPES}
_AS = {
    "csv": "CSV, streamed",
    "xlsx": "XLSX",
    "pdf": "PDF (CJK font embedded)",
    "docx": "Word (DOCX)",
}
# What each of the case report's sections counts (hotline/cases/case_reports.py).
_CASE_ROWS = {
    "cases_overall": "one row: cases due and closed on time, opened and closed at first contact",
    "cases_by_category": "per category of the cases taken in",
    "cases_by_source": "per source of the cases taken in",
    "cases_by_department": "per department, the cases given to it",
    "cases_on_time": "per department, ranked by on-time rate of the turns due",
    "cases_extensions": "per department, the extensions of the ranking's turns",
    "cases_follow_ups": "follow-up visits done, for all and per department that replied",
    "cases_steps": (
        "per step (intake, handle, review) and holder, the turns begun; {avg,max}_hours_held"
        " in wall-clock hours, {avg,max}_business_hours_held in the open hours of the"
        " case's workflow's calendar (every hour when it names none)"
    ),
}


def _file_summary(kind: str, file_format: str) -> str:
    if kind == "queues":
        rows = _SAME_ROWS if file_format in export.MEDIA_TYPES else _DOCUMENT
        return f"Queue report as {_AS[file_format]}: {rows}"
    if file_format in export.MEDIA_TYPES:
        return f"The {kind} report as {_AS[file_format]} (?from=&to=, ISO 8601); audited"
    return f"The {kind} report as {_AS[file_format]} (?from=&to=, ISO 8601): {_DOCUMENT}"


OPENAPI_PATHS: dict[str, Any] = {
    **{
        f"/reports/{kind}.{file_format}": {
            "get": _op(_file_summary(kind, file_format), _MEDIA[file_format].split(";")[0])
        }
        for kind in ("queues", *_FILE_KINDS)
        for file_format in FORMATS
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
    **{
        f"/reports/{kind}": {
            "get": _op(
                f"The case report's {kind} section over [from, to), {what}:"
                f" [{{{', '.join(KINDS[kind].empty_columns)}}}]; *_pct 0-100, null '–'"
                " (METRICS.md)",
                "application/json",
            )
        }
        for kind, what in _CASE_ROWS.items()
    },
}
