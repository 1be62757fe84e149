"""The rows of an uploaded CSV or XLSX file, as text: what every import reads.

Pure: bytes in, rows of strings out; no database, no clock.  The campaigns'
contact lists and the customer records are read by this one reader, so a
file Excel or WPS saves reads the same in both.

* CSV in UTF-8 (with or without the byte-order mark Excel writes), else
  GB18030 (a superset of GBK: what Chinese Excel saves as "CSV"), or UTF-16
  with a BOM (Excel's "Unicode text").  The delimiter is a comma, or a
  semicolon or tab when the header row has more of those.
* XLSX: the first sheet, the values Excel last computed (never formulas).
  Numbers read as Excel shows them (``88.5``; ``42`` without ``.0``), dates
  as ISO (``2024-05-01``, with ``T10:30:00`` when there is a time).

Which one is the extension's call, unless the bytes say otherwise (an XLSX
is a zip and starts with ``PK``).  Rows come as the file has them, line by
line (the first is line 1, as a spreadsheet numbers it); what makes the
whole file unreadable raises the importer's own :class:`SheetInvalid`.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Generator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import openpyxl

from hotline.errors import HotlineError

# An XLSX is a zip: its unpacked size is bounded before openpyxl reads it.
MAX_XLSX_UNPACKED_BYTES: Final = 256 * 1024 * 1024

CSV: Final = "csv"
XLSX: Final = "xlsx"
CSV_DELIMITERS: Final = (",", ";", "\t")
_ZIP_MAGIC: Final = b"PK"
_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")


class SheetInvalid(HotlineError):
    """A file that cannot be imported at all; ``reason`` is a stable code the
    UI translates.  Each importer names its own subclass (its ``error_id``)."""

    error_id = "import-invalid"
    status_code = 422

    def __init__(self, reason: str, message: str, **details: Any) -> None:
        super().__init__(message, {"reason": reason, **details})
        self.reason = reason


def sheet_rows(
    data: bytes, filename_or_kind: str, invalid: type[SheetInvalid] = SheetInvalid
) -> Generator[Sequence[str]]:
    """Every row of the file (its first sheet); ``filename_or_kind`` is the
    upload's name or ``csv``/``xlsx``.  Refusals are raised as ``invalid``."""
    if not data.strip():
        raise invalid("empty", "the file is empty")
    if data.startswith(_OLE2_MAGIC):
        raise invalid(
            "unsupported-format", "this is an old Excel .xls file: save it as .xlsx or CSV"
        )
    label = filename_or_kind.strip().casefold()
    extension = label.rpartition(".")[2]
    if data.startswith(_ZIP_MAGIC) or extension in (XLSX, "xlsm"):
        return _xlsx_rows(data, invalid)
    return _csv_rows(data, invalid)


def _csv_rows(data: bytes, invalid: type[SheetInvalid]) -> Generator[list[str]]:
    text = _decoded(data, invalid)
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)  # a comma on a tie
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise invalid(
            "unreadable", f"line {reader.line_num}: the CSV cannot be read ({exc})"
        ) from None


def _decoded(data: bytes, invalid: type[SheetInvalid]) -> str:
    encodings = ("utf-16",) if data.startswith(_UTF16_BOMS) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise invalid("unreadable", "the file is neither an XLSX nor a CSV in UTF-8 or GBK (GB18030)")


def _xlsx_rows(data: bytes, invalid: type[SheetInvalid]) -> Generator[list[str]]:
    unreadable = invalid("unreadable", "the file is not a readable XLSX workbook")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unreadable from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise invalid(
            "too-large",
            f"the workbook unpacks to more than {MAX_XLSX_UNPACKED_BYTES // 2**20} MB",
        )
    # openpyxl raises whatever its zip, XML and style readers raise on a
    # broken file, and warns about features it drops (styles, validation).
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        if not book.worksheets:
            raise invalid("empty", "the workbook has no sheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size: read every row
        for values in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in values]
    except SheetInvalid:
        raise
    except Exception:
        raise unreadable from None
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A cell's value as the text Excel shows (no locale, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")  # Excel's precision: 0.1 + 0.2 shows 0.3
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
