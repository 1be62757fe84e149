"""Reports as PDF and Word documents, for every page package that exports one.

The report pages (``admin_ui/reports``) and the case report
(``admin_ui/cases``) may not import each other (the "web-pages" contract),
yet their documents must read alike: the same headings in the reader's
language, the same period line, the same "nothing in this period".  This
is that shared part; the rows and the audit row stay with each page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.requests import Request

from admin_ui.web.i18n import LANGUAGES, translate
from admin_ui.web.rendering import language_of
from hotline.metrics import documents

FORMATS: Final = tuple(documents.MEDIA_TYPES)


def reader_language(request: Request) -> str:
    """The language of a document's headings: ``?lang=``, else the user's
    (a token has none: English)."""
    asked = request.query_params.get("lang", "")
    return asked if asked in LANGUAGES else language_of(request)


def section(
    language: str, title: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> documents.Section:
    """A report's table, each column headed by its name (``reports.field.*``)."""
    headers = [translate(language, f"reports.field.{column}") for column in columns]
    return documents.Section(title, list(columns), headers, rows)


def document_bytes(
    file_format: str,
    language: str,
    title: str,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    sections: Sequence[documents.Section],
) -> bytes:
    """The PDF or Word document.  CPU work (a font's subset, zip and XML):
    call it in a thread, off the event loop that serves calls' screens too."""
    render = documents.pdf_bytes if file_format == "pdf" else documents.docx_bytes
    period = documents.period_text(since, until, zone)
    return render(title, period, sections, no_rows=translate(language, "reports.no_rows"))
