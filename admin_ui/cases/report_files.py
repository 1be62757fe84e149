"""The case report as one file: every section of ``hotline/cases/case_reports.py``
together, as XLSX (a sheet per section, headed by the field names like any
report's XLSX), PDF or Word (a table per section, headed in the reader's
language).  ``/cases/report.*`` (the ranking's link) and
``GET /api/v1/reports/cases?format=`` both answer through
:func:`case_report_file`, and each leaves a ``report_exported`` audit row,
as every report export does (``admin_ui/reports/exports.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from admin_ui.web import audit, report_documents
from admin_ui.web.i18n import translate
from hotline.cases import case_reports
from hotline.errors import InvalidRequest
from hotline.metrics import documents, export

FORMATS: Final = ("xlsx", "pdf", "docx")
MEDIA_TYPES: Final = {**export.MEDIA_TYPES, **documents.MEDIA_TYPES}
# The file's name and the audit row's object: case_report_2026-11-01_2026-12-01.pdf.
STEM: Final = "case_report"


async def case_report_file(
    request: Request,
    tenant_id: int,
    since: datetime,
    until: datetime,
    file_format: str,
    zone: ZoneInfo,
    *,
    username: str | None = None,
    source: str = "ui",
) -> Response:
    if file_format not in FORMATS:
        raise InvalidRequest(f"format: one of {list(FORMATS)}", {"field": "format"})
    sections = await case_reports.all_sections(tenant_id, since, until, datetime.now(UTC))
    await audit.record(
        request,
        "report_exported",
        "report",
        STEM,
        after={"format": file_format, "from": since.isoformat(), "to": until.isoformat()},
        username=username,
        source=source,
    )
    columns = {kind: case_reports.SECTIONS[kind].columns for kind in sections}
    if file_format == "xlsx":
        sheets = [(kind, rows, columns[kind]) for kind, rows in sections.items()]
        body = await run_in_threadpool(export.xlsx_sheets_bytes, sheets)
    else:
        language = report_documents.reader_language(request)
        tables = [
            report_documents.section(
                language, translate(language, f"reports.kind.{kind}"), columns[kind], rows
            )
            for kind, rows in sections.items()
        ]
        title = translate(language, "cases.report.title")
        body = await run_in_threadpool(
            report_documents.document_bytes,
            file_format,
            language,
            title,
            since,
            until,
            zone,
            tables,
        )
    name = export.file_name(STEM, since, until, zone, file_format)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=MEDIA_TYPES[file_format], headers=headers)
