"""Reports as documents to read, print and file: PDF and Word (DOCX).

The seeds ask for reports "exportable to Excel, PDF and Word".  The CSV and
XLSX files (``export.py``) keep the rows for computing; these documents keep
them for reading: a title, the period, and per section a table whose
headers are the columns' names in the reader's language and whose cells
read as the report pages show them (rates as percentages, times as m:ss,
"–" for an empty denominator: METRICS.md).  Pure: sections in, bytes out.

Chinese must render.  The PDF's built-in fonts have no CJK glyph, so the PDF
embeds WenQuanYi Micro Hei (Debian's ``fonts-wqy-microhei``, which
``scripts/install-deps.sh`` installs), subset to the glyphs used; it has no
bold face, so headings are shaded rather than bold.  A Word file's styles
name Microsoft YaHei as the East Asian font (Word and WPS substitute their
own CJK font where it is missing).

Text cells are as inert as in the spreadsheets.  A cell that starts like a
formula (``=HYPERLINK(...)``) gets the same leading quote as in the CSV and
XLSX (``export.escaped``), so a table copied from the document into a
spreadsheet stays text; and no cell is ever written as a field, a link or
markup: fpdf2 writes the text as it is (markdown off), python-docx as a
plain run.  Control characters, which a PDF cannot show and an XML part may
not hold, are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from hotline.metrics.export import RATE_FIELDS, escaped

MEDIA_TYPES: Final = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
CJK_FONT: Final = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_FONT: Final = "wqy"
EMPTY: Final = "–"
# Per-state and per-reason seconds (the agent report): "name m:ss" lists.
TIME_LISTS: Final = frozenset({"seconds_in_state", "not_ready_by_reason"})
# Wider tables than this get a landscape page in Word (the PDF always is).
PORTRAIT_COLUMNS: Final = 6
_HEADING_SHADE: Final = (225, 225, 225)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Section:
    """One table of a document; ``title`` "" when the document's title says it."""

    title: str
    columns: Sequence[str]
    headers: Sequence[str]  # what each column is called in the reader's language
    rows: Sequence[Mapping[str, Any]]


def minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def text(column: str, value: Any) -> str:
    """A value as the report pages show it in ``column``."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if column in RATE_FIELDS:
            return f"{value * 100:.1f} %"
        if column.endswith("_pct"):
            return f"{value:.1f} %"
        if column.endswith("_s"):
            return minutes(value)
        return str(value if isinstance(value, int) else round(value, 2))
    if isinstance(value, Mapping):
        if not value:
            return EMPTY
        return ", ".join(
            f"{name} {minutes(v) if column in TIME_LISTS else v}"
            for name, v in sorted(value.items())
        )
    if column == "period":
        return str(value)[:16].replace("T", " ")
    return str(value)


def inert(column: str, value: Any) -> str:
    """The cell's text for a document: shown, text escaped like a spreadsheet's."""
    shown = _CONTROL.sub("", text(column, value))
    if value is None or isinstance(value, int | float):
        return shown  # a number: "-3" is no formula
    return escaped(shown)


def period_text(since: datetime, until: datetime, zone: ZoneInfo) -> str:
    """``2026-11-30 00:00 – 2026-12-01 00:00 (Asia/Shanghai)``: the end excluded."""
    start, end = since.astimezone(zone), until.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({zone.key})"


def _plain(value: str) -> str:
    return _CONTROL.sub("", value)


def _pdf_text(value: str) -> str:
    # The font has no glyph for a tab or a carriage return: a space shows one.
    return _plain(value).replace("\t", " ").replace("\r", " ")


# -- PDF -------------------------------------------------------------------------------


def _pdf_font_size(columns: int) -> float:
    """Small enough for the columns to share a landscape A4 page's width."""
    if columns <= 8:
        return 9
    if columns <= 14:
        return 7
    return 5.5


def pdf_bytes(
    title: str, period: str, sections: Sequence[Section], *, no_rows: str = EMPTY
) -> bytes:
    """A landscape A4 PDF: the title, the period, then each section's table."""
    if not CJK_FONT.exists():
        raise FileNotFoundError(
            f"{CJK_FONT}: the PDF's CJK font is missing (Debian: fonts-wqy-microhei)"
        )
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    try:
        return _pdf_document(pdf, title, period, sections, no_rows)
    finally:
        # fpdf2 closes the font file once the PDF is out, not when a table
        # fails half-way: a file left open is a ResourceWarning (an error in
        # the tests) and a descriptor held until the collector runs.
        for font in pdf.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()


def _pdf_document(
    pdf: FPDF, title: str, period: str, sections: Sequence[Section], no_rows: str
) -> bytes:
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(_plain(title))
    pdf.set_creator("Hotline")
    pdf.add_font(_FONT, "", CJK_FONT)
    pdf.add_page()
    pdf.set_font(_FONT, size=14)
    pdf.multi_cell(0, 8, _pdf_text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=9)
    pdf.multi_cell(0, 6, _pdf_text(period), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    headings = FontFace(emphasis="", fill_color=_HEADING_SHADE)
    for section in sections:
        pdf.ln(3)
        if section.title:
            pdf.set_font(_FONT, size=11)
            pdf.multi_cell(0, 7, _pdf_text(section.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        size = _pdf_font_size(len(section.columns))
        pdf.set_font(_FONT, size=size)
        with pdf.table(
            headings_style=headings, text_align="LEFT", line_height=size * 0.5, markdown=False
        ) as table:
            heading = table.row()
            for header in section.headers:
                heading.cell(_pdf_text(header))
            for row in section.rows:
                line = table.row()
                for column in section.columns:
                    line.cell(_pdf_text(inert(column, row.get(column))))
        if not section.rows:
            pdf.multi_cell(0, 6, _pdf_text(no_rows), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


# -- Word ------------------------------------------------------------------------------


# The East Asian font Word and WPS should use for Chinese text: python-docx
# sets only the Latin one, and Word would fall back to whatever it likes.
EAST_ASIAN_FONT: Final = "Microsoft YaHei"


def _east_asian_font(document: Any) -> None:
    for name in ("Normal", "Heading 1", "Heading 2"):
        fonts = document.styles[name].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def docx_bytes(
    title: str, period: str, sections: Sequence[Section], *, no_rows: str = EMPTY
) -> bytes:
    """A Word document: the title, the period, then each section's table."""
    document = docx.Document()
    document.core_properties.title = _plain(title)
    document.styles["Normal"].font.size = Pt(9)
    _east_asian_font(document)
    if any(len(section.columns) > PORTRAIT_COLUMNS for section in sections):
        page = document.sections[0]
        width, height = page.page_width, page.page_height
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = height, width
    document.add_heading(_plain(title), level=1)
    document.add_paragraph(_plain(period))
    for section in sections:
        if section.title:
            document.add_heading(_plain(section.title), level=2)
        table = document.add_table(rows=1, cols=len(section.columns))
        table.style = "Table Grid"
        for cell, header in zip(table.rows[0].cells, section.headers, strict=True):
            cell.paragraphs[0].add_run(_plain(header)).bold = True
        for row in section.rows:
            cells = table.add_row().cells
            for cell, column in zip(cells, section.columns, strict=True):
                cell.text = inert(column, row.get(column))
        if not section.rows:
            document.add_paragraph(_plain(no_rows))
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
