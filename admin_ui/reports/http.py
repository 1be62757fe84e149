"""The report page and its exports.

``/reports`` renders the filter form and the result; the form's htmx
request gets the result's partial only (``reports/_result.html``), a
browser without JavaScript the whole page.  The export links carry the
form's query to ``/reports/queues.csv``, ``.xlsx``, ``.pdf`` and ``.docx``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from admin_ui.reports import tables, view
from admin_ui.reports.exports import queue_export, report_export, site_zone
from admin_ui.web.rendering import is_htmx, render, tenant_of
from hotline.errors import InvalidRequest
from hotline.metrics import reports
from hotline.metrics.report_kinds import KINDS


async def report_page(request: Request) -> Response:
    zone, now = site_zone(request), datetime.now(UTC)
    error: str | None = None
    try:
        period = view.period_of(request.query_params, zone, now)
    except InvalidRequest as refused:
        error = refused.message
        period = view.period_of({}, zone, now)
    rows = await _queue_rows(request, period, now)
    context = view.result_context(rows, period, error)
    template = view.PARTIAL if is_htmx(request) else "reports/page.html"
    return render(request, template, context, status_code=400 if error else 200)


async def _queue_rows(request: Request, period: view.Period, now: datetime) -> list[Any]:
    """The whole period's rows, or a row per queue and interval, day, week or month."""
    if period.by:
        return await reports.queue_report_by(
            tenant_of(request), period.since, period.until, now, period.by, site_zone(request)
        )
    return await reports.queue_report(tenant_of(request), period.since, period.until, now)


async def _queue_file(request: Request, file_format: str) -> Response:
    now = datetime.now(UTC)
    period = view.period_of(request.query_params, site_zone(request), now)
    rows = await _queue_rows(request, period, now)
    return await queue_export(
        request,
        view.chosen(rows, period.queue),
        file_format,
        period.since,
        period.until,
        queue=period.queue or None,
    )


async def table_page(request: Request) -> Response:
    """The agent, disposition, entry and case reports: one page each, same form."""
    kind = request.url.path.rsplit("/", 1)[-1]
    zone, now = site_zone(request), datetime.now(UTC)
    error: str | None = None
    try:
        period = view.period_of(request.query_params, zone, now)
    except InvalidRequest as refused:
        error = refused.message
        period = view.period_of({}, zone, now)
    rows = await KINDS[kind].rows(tenant_of(request), period.since, period.until, now)
    context = tables.table_context(kind, rows, period, error)
    template = "reports/_table.html" if is_htmx(request) else "reports/table.html"
    return render(request, template, context, status_code=400 if error else 200)


async def table_file(request: Request) -> Response:
    """``/reports/<kind>.csv``, ``.xlsx``, ``.pdf`` or ``.docx`` for the other reports."""
    kind, _, file_format = request.url.path.rsplit("/", 1)[-1].partition(".")
    now = datetime.now(UTC)
    period = view.period_of(request.query_params, site_zone(request), now)
    rows = await KINDS[kind].rows(tenant_of(request), period.since, period.until, now)
    return await report_export(request, kind, rows, file_format, period.since, period.until)


async def queue_file(request: Request) -> Response:
    """``/reports/queues.csv``, ``.xlsx``, ``.pdf`` or ``.docx``."""
    return await _queue_file(request, request.url.path.rsplit(".", 1)[-1])
