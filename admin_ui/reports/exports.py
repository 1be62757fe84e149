"""One export, for the page's links and the API alike: the file and its audit row.

Both ``/reports/queues.{csv,xlsx,pdf,docx}`` (signed-in UI) and
``/api/v1/reports/queues.{csv,xlsx,pdf,docx}`` (bearer token) answer through
:func:`queue_export`, so a file is the same whoever asks, and every export
leaves a ``report_exported`` row in the audit log: a report can hold
callers' numbers, and who took which period out is worth knowing.

CSV and XLSX are the rows for computing, headed by the field names (the
API's contract); PDF and Word are the rows for reading, headed by the
columns' names in the reader's language: the signed-in user's, or for a
token ``?lang=`` (``en`` by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from admin_ui.web import audit, report_documents
from admin_ui.web.i18n import translate
from hotline.errors import InvalidRequest
from hotline.metrics import documents, export, reports
from hotline.metrics.queue_figures import QueueFigures
from hotline.metrics.report_kinds import KINDS

FORMATS: Final = ("csv", "xlsx", "pdf", "docx")
MEDIA_TYPES: Final = {**export.MEDIA_TYPES, **documents.MEDIA_TYPES}
# The contract's field names, for the header of a file without rows.
QUEUE_FIELDS: Final = tuple(reports.queue_row("", QueueFigures()))


def site_zone(request: Request) -> ZoneInfo:
    """The site's time zone (``HOTLINE_TIMEZONE``): periods and file names follow it."""
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(settings.site_timezone if settings is not None else "UTC")


async def queue_export(
    request: Request,
    rows: Sequence[dict[str, Any]],
    file_format: str,
    since: datetime,
    until: datetime,
    *,
    username: str | None = None,
    source: str = "ui",
    queue: str | None = None,
) -> Response:
    return await report_export(
        request,
        "queues",
        rows,
        file_format,
        since,
        until,
        username=username,
        source=source,
        queue=queue,
    )


async def report_export(
    request: Request,
    kind: str,
    rows: Sequence[dict[str, Any]],
    file_format: str,
    since: datetime,
    until: datetime,
    *,
    username: str | None = None,
    source: str = "ui",
    queue: str | None = None,
) -> Response:
    """Any standard report (``hotline.metrics.report_kinds``) as a file, audited."""
    if file_format not in FORMATS:
        raise InvalidRequest(f"format: one of {list(FORMATS)}", {"field": "format"})
    after: dict[str, Any] = {
        "format": file_format,
        "from": since.isoformat(),
        "to": until.isoformat(),
    }
    if queue:
        after["queue"] = queue
    await audit.record(
        request,
        "report_exported",
        "report",
        kind,
        after=after,
        username=username,
        source=source,
    )
    name = export.file_name(kind, since, until, site_zone(request), file_format)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    columns = export.columns_of(rows) or list(KINDS[kind].empty_columns)
    media_type = MEDIA_TYPES[file_format]
    if file_format == "csv":
        return StreamingResponse(
            export.csv_chunks(rows, columns), media_type=media_type, headers=headers
        )
    # CPU work (zip and XML, a font's subset): off the event loop, which
    # serves calls' screens too.
    if file_format == "xlsx":
        body = await run_in_threadpool(export.xlsx_bytes, rows, columns, sheet=kind)
    else:
        language = report_documents.reader_language(request)
        title = translate(language, f"reports.kind.{kind}")
        table = report_documents.section(language, "", columns, rows)
        body = await run_in_threadpool(
            report_documents.document_bytes,
            file_format,
            language,
            title,
            since,
            until,
            site_zone(request),
            [table],
        )
    return Response(body, media_type=media_type, headers=headers)
