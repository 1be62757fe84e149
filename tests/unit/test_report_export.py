"""Report rows as CSV and XLSX files (hotline/metrics/export.py): pure, no database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from hotline.metrics import export

ROW: dict[str, Any] = {
    "queue": "support",
    "offered": 5,
    "answered": 2,
    "overflowed_by_rule": {"max_wait": 1},
    "service_level": 0.25,
    "abandon_rate": None,
    "asa_s": 18.5,
}


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(export.UTF8_BOM)  # Excel then reads UTF-8, not GBK
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.mark.security
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_given_text_starting_like_a_formula_then_both_files_prefix_a_quote(start: str) -> None:
    hostile = start + 'HYPERLINK("http://evil.example","x")'
    rows = [{**ROW, "queue": hostile}]
    columns = export.columns_of(rows)

    csv_rows = _csv_rows(b"".join(export.csv_chunks(rows, columns)))
    assert csv_rows[1][0] == "'" + hostile
    xlsx_rows = _xlsx_rows(export.xlsx_bytes(rows, columns))
    # The file stores a CR as OOXML's "_x000D_", which Excel decodes and
    # openpyxl leaves as it is: the cell still starts with the quote.
    assert str(xlsx_rows[1][0]).replace("_x000D_", "\r") == "'" + hostile


@pytest.mark.security
def test_given_a_caller_number_in_a_text_cell_then_it_is_escaped_not_computed() -> None:
    rows = [{"caller": "+8610 6666 8888", "calls": 3}]
    columns = ["caller", "calls"]
    assert _csv_rows(b"".join(export.csv_chunks(rows, columns)))[1] == ["'+8610 6666 8888", "3"]
    workbook = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(rows, columns)))
    sheet = workbook.active
    assert sheet["A2"].value == "'+8610 6666 8888" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 3


def test_given_numbers_then_they_stay_numbers_and_null_is_an_empty_cell() -> None:
    rows = [{**ROW, "asa_s": -1.5}]  # a negative number is a number, not a formula
    columns = export.columns_of(rows)
    assert columns == list(ROW)

    header, line = _csv_rows(b"".join(export.csv_chunks(rows, columns)))
    assert header == list(ROW)
    assert line == ["support", "5", "2", '{"max_wait":1}', "0.25", "", "-1.5"]
    raw = b"".join(export.csv_chunks(rows, columns)).decode("utf-8")
    assert ",5,2," in raw and ",0.25," in raw  # numbers unquoted, text quoted

    sheet_rows = _xlsx_rows(export.xlsx_bytes(rows, columns))
    assert sheet_rows[0] == tuple(ROW)
    assert sheet_rows[1] == ("support", 5, 2, '{"max_wait":1}', 0.25, None, -1.5)


def test_given_a_rate_then_the_xlsx_keeps_the_fraction_and_shows_a_percentage() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes([ROW], list(ROW)))).active
    rate = sheet.cell(row=2, column=list(ROW).index("service_level") + 1)
    assert rate.value == 0.25 and rate.number_format == "0.0%"


def test_given_many_rows_then_the_csv_streams_in_several_chunks() -> None:
    rows = ({**ROW, "offered": n} for n in range(1000))  # a generator: read once, lazily
    chunks = list(export.csv_chunks(rows, list(ROW), rows_per_chunk=100))
    assert len(chunks) == 10
    lines = _csv_rows(b"".join(chunks))
    assert len(lines) == 1001 and lines[-1][1] == "999"


def test_given_no_rows_then_the_files_hold_the_header_only() -> None:
    columns = ["queue", "offered"]
    assert _csv_rows(b"".join(export.csv_chunks([], columns))) == [columns]
    assert _xlsx_rows(export.xlsx_bytes([], columns)) == [("queue", "offered")]


def test_given_a_period_then_the_file_name_shows_it_in_site_time() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    since = datetime(2026, 11, 29, 16, tzinfo=UTC)  # 30 Nov, 00:00 in Shanghai
    until = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    name = export.file_name("queues", since, until, shanghai, "csv")
    assert name == "queues_2026-11-30_2026-12-01T0130.csv"
