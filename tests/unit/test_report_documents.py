"""Reports as PDF and Word documents (hotline/metrics/documents.py), and the
XLSX of several sheets: pure, no database.  Each file is opened back (pypdf,
python-docx, openpyxl); Chinese renders; a text cell that starts like a
formula stays inert in all three."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pypdf
import pytest
from docx.oxml.ns import qn
from fpdf.errors import FPDFException

from hotline.metrics import documents, export

HOSTILE = '=HYPERLINK("http://evil.example","x")'
COLUMNS = ("department", "name", "due", "on_time_pct", "rank")
ROWS: list[dict[str, Any]] = [
    {"department": "billing", "name": "营业部", "due": 2, "on_time_pct": 50.0, "rank": 1},
    {"department": "evil", "name": HOSTILE, "due": 0, "on_time_pct": None, "rank": None},
]
HEADERS = ("部门", "名称", "应办", "按期办结率", "排名")


def _section(title: str = "") -> documents.Section:
    return documents.Section(title, COLUMNS, HEADERS, ROWS)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def test_given_rows_then_the_pdf_has_the_title_period_and_chinese_table() -> None:
    data = documents.pdf_bytes(
        "按期办结率及排名", "2026-11-01 00:00 – 2026-12-01 00:00", [_section()]
    )
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "按期办结率及排名" in text and "2026-11-01 00:00" in text
    assert "营业部" in text and "50.0 %" in text
    # The font is embedded (a subset), not left to the reader's machine.
    assert b"/FontFile2" in data and b"WenQuanYi" in data


def test_given_rows_then_the_word_table_reads_back_as_shown() -> None:
    data = documents.docx_bytes("按期办结率及排名", "the period", [_section("工单")])
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "按期办结率及排名"
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name]
    assert "按期办结率及排名" in headings and "工单" in headings
    [table] = docx_tables(data)
    assert table[0] == list(HEADERS)
    # "–" for an empty denominator (METRICS.md), never 0 % or an empty cell.
    assert table[1] == ["billing", "营业部", "2", "50.0 %", "1"]
    assert table[2][2:] == ["0", "–", "–"]


def test_given_no_rows_then_each_document_says_so() -> None:
    empty = documents.Section("", COLUMNS, HEADERS, [])
    assert "无数据" in pdf_text(documents.pdf_bytes("t", "p", [empty], no_rows="无数据"))
    document = docx.Document(io.BytesIO(documents.docx_bytes("t", "p", [empty], no_rows="无数据")))
    assert "无数据" in [p.text for p in document.paragraphs]
    assert docx_tables(documents.docx_bytes("t", "p", [empty]))[0] == [list(HEADERS)]


@pytest.mark.security
def test_given_a_name_like_a_formula_then_it_stays_inert_in_xlsx_pdf_and_word() -> None:
    # XLSX: a string cell with the quote, never a formula.
    sheet = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(ROWS, COLUMNS))).active
    assert sheet["B3"].value == "'" + HOSTILE and sheet["B3"].data_type == "s"
    # PDF: the text as written, quoted like the spreadsheets, and no link
    # (the narrow column wraps it: spaces and line ends are the layout's).
    pdf = documents.pdf_bytes("t", "p", [_section()])
    assert "'" + HOSTILE in "".join(pdf_text(pdf).split())
    assert b"/URI" not in pdf and b"/Annots" not in pdf
    # Word: a plain run with the quote; no field, no hyperlink.
    word = documents.docx_bytes("t", "p", [_section()])
    assert docx_tables(word)[0][2][1] == "'" + HOSTILE
    body = zipfile.ZipFile(io.BytesIO(word)).read("word/document.xml").decode()
    assert "instrText" not in body and "fldSimple" not in body and "hyperlink" not in body


@pytest.mark.security
def test_given_control_characters_then_the_documents_drop_them() -> None:
    rows = [{**ROWS[0], "name": "营业\x00部\x1b"}]
    section = documents.Section("", COLUMNS, HEADERS, rows)
    assert docx_tables(documents.docx_bytes("t", "p", [section]))[0][1][1] == "营业部"
    assert "营业部" in pdf_text(documents.pdf_bytes("t", "p", [section]))


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("service_level", 0.25, "25.0 %"),
        ("share", 1, "100.0 %"),
        ("on_time_pct", 66.7, "66.7 %"),
        ("aht_s", 185.2, "3:05"),
        ("seconds_in_state", {"ready": 65, "on_call": 5}, "on_call 0:05, ready 1:05"),
        ("overflowed_by_rule", {"max_wait": 1}, "max_wait 1"),
        ("period", "2026-12-05T09:15:00+08:00", "2026-12-05 09:15"),
        ("avg_hours_held", 1.23456, "1.23"),
        ("abandon_rate", None, "–"),
        ("queue", "", "–"),
    ],
)
def test_given_a_value_then_the_document_shows_it_as_the_page_does(
    column: str, value: Any, shown: str
) -> None:
    assert documents.text(column, value) == shown


def test_given_a_negative_number_then_it_is_a_number_not_an_escaped_text() -> None:
    assert documents.inert("calls", -3) == "-3"
    assert documents.inert("queue", "-3") == "'-3"


def test_given_sections_then_the_xlsx_has_a_sheet_each_headed_by_field_names() -> None:
    data = export.xlsx_sheets_bytes(
        [("cases_on_time", ROWS, COLUMNS), ("cases_steps", [], ("step", "turns"))]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["cases_on_time", "cases_steps"]
    first = list(workbook["cases_on_time"].iter_rows(values_only=True))
    assert first[0] == COLUMNS and first[1] == ("billing", "营业部", 2, 50, 1)
    assert list(workbook["cases_steps"].iter_rows(values_only=True)) == [("step", "turns")]


def test_given_a_period_then_it_reads_in_the_sites_time_zone() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    since, until = datetime(2026, 11, 30, 16, tzinfo=UTC), datetime(2026, 12, 1, 16, tzinfo=UTC)
    assert documents.period_text(since, until, zone) == (
        "2026-12-01 00:00 – 2026-12-02 00:00 (Asia/Shanghai)"
    )


def _open_font_files() -> list[str]:
    found = []
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{descriptor}")
        except OSError:
            continue  # the listing's own descriptor, closed meanwhile
        if target == str(documents.CJK_FONT):
            found.append(target)
    return found


def test_given_a_table_too_wide_to_render_then_the_font_file_is_closed_anyway() -> None:
    columns = [f"c{index}" for index in range(400)]
    section = documents.Section("", columns, columns, [dict.fromkeys(columns, "营")])
    before = len(_open_font_files())
    with pytest.raises(FPDFException):
        documents.pdf_bytes("t", "p", [section])
    # fpdf2 closes it only once the PDF is out; left open, it is a
    # ResourceWarning later in whichever test the collector runs.
    assert len(_open_font_files()) == before


def test_a_word_file_names_an_east_asian_font_for_its_chinese_text() -> None:
    data = documents.docx_bytes("按期办结率及排名", "the period", [_section("工单")])
    normal = docx.Document(io.BytesIO(data)).styles["Normal"].element
    fonts = normal.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == documents.EAST_ASIAN_FONT
