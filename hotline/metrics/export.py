"""Report rows as CSV or XLSX files: what a supervisor opens in Excel or WPS
(the same rows as documents to read, PDF and Word: ``documents.py``).

Pure: rows in (the dicts ``/api/v1/reports/queues`` answers, same keys), bytes
out.  The header row is the field names, the API's contract, so a file and the
JSON read alike.  Numbers stay numbers: rates as fractions 0–1 (the XLSX
shows them as percentages), times in seconds; a null (an empty denominator,
"–" on screen, METRICS.md) is an empty cell, never 0.

Why every text cell is checked: a spreadsheet runs a cell that begins with
``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)``, DDE), and a
leading tab or carriage return can hide such a start.  Queue names are typed
by tenants' administrators and later reports carry callers' numbers
("+8610...", which Excel would even compute); OWASP's CSV-injection advice
is to prefix such a cell with a single quote, which we do in both formats.
In the XLSX such a value is written with ``write_string``, never as a formula.

Large exports do not sit in memory: :func:`csv_chunks` is a generator for a
streaming response, and :func:`xlsx_bytes` uses xlsxwriter's
``constant_memory`` mode (each row goes to a temporary file as it is written).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import xlsxwriter

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
# Rows per CSV chunk: a few kilobytes per write to the socket.
CSV_ROWS_PER_CHUNK: Final = 200
# Excel reads a UTF-8 CSV as the local code page (GBK in China) unless it
# starts with a byte-order mark; with it, Chinese queue names survive.
UTF8_BOM: Final = "\ufeff"
# Fields that are fractions 0–1: the XLSX shows them as percentages.
RATE_FIELDS: Final = frozenset(
    {
        "service_level",
        "abandon_rate",
        "agent_connect_rate",
        "timely_answer_rate",
        "csat",
        "occupancy",
        "utilisation",
        "share",
        "ivr_drop_rate",
    }
)
MEDIA_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Row = Mapping[str, Any]
Cell = str | int | float | None


def escaped(text: str) -> str:
    """``text`` made inert for a spreadsheet: a formula's start gets a leading "'"."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> Cell:
    """One value as a cell: numbers as they are, None empty, anything else escaped text."""
    if value is None:
        return None
    if isinstance(value, bool):  # a bool is an int to Python, not to a reader
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping | list | tuple):
        # overflowed_by_rule: {"max_wait": 1}, as the JSON shows it.
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return escaped(str(value))


def columns_of(rows: Sequence[Row]) -> list[str]:
    """The field names, in the rows' order (the first row's keys, then any new ones)."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def csv_chunks(
    rows: Iterable[Row], columns: Sequence[str], *, rows_per_chunk: int = CSV_ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The CSV file in chunks of ``rows_per_chunk`` rows, the header first.

    Text is quoted and numbers are not (``QUOTE_NONNUMERIC``), so a reader
    tells "007" the queue from 7 the count.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    buffer.write(UTF8_BOM)
    writer.writerow([escaped(name) for name in columns])
    pending = 0
    for row in rows:
        writer.writerow(["" if (c := cell(row.get(name))) is None else c for name in columns])
        pending += 1
        if pending >= rows_per_chunk:
            yield _drain(buffer)
            pending = 0
    if buffer.tell():
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def xlsx_bytes(rows: Iterable[Row], columns: Sequence[str], *, sheet: str = "report") -> bytes:
    """The XLSX file: one sheet, the header row frozen, rates formatted as percentages."""
    return xlsx_sheets_bytes([(sheet, rows, columns)])


def xlsx_sheets_bytes(sheets: Iterable[tuple[str, Iterable[Row], Sequence[str]]]) -> bytes:
    """The XLSX file of several reports, one sheet each (``name``, rows, columns),
    in order: the combined case report.  Sheet names are cut to Excel's 31
    characters."""
    output = io.BytesIO()
    # No string is ever turned into a formula, a number or a link by guessing.
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        header = workbook.add_format({"bold": True})
        percent = workbook.add_format({"num_format": "0.0%"})
        for sheet, rows, columns in sheets:
            worksheet = workbook.add_worksheet(sheet[:31])
            worksheet.freeze_panes(1, 0)
            for index, name in enumerate(columns):
                worksheet.write_string(0, index, escaped(name), header)
            for row_index, row in enumerate(rows, start=1):
                for index, name in enumerate(columns):
                    value = cell(row.get(name))
                    if value is None:
                        continue
                    if isinstance(value, str):
                        worksheet.write_string(row_index, index, value)
                    elif name in RATE_FIELDS:
                        worksheet.write_number(row_index, index, value, percent)
                    else:
                        worksheet.write_number(row_index, index, value)
    finally:
        workbook.close()
    return output.getvalue()


def file_name(stem: str, since: datetime, until: datetime, zone: ZoneInfo, extension: str) -> str:
    """``queues_2026-11-30_2026-12-01.csv``: the period in the site's time, ASCII only."""
    return f"{stem}_{_stamp(since, zone)}_{_stamp(until, zone)}.{extension}"


def _stamp(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%dT%H%M")
