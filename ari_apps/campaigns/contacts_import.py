"""A campaign's contact list read from an uploaded CSV or XLSX, with a report per row.

Pure: the file's bytes in, an :class:`ImportReport` out; no database, no
clock.  The caller stores ``accepted`` and offers ``rejected`` for download
(:func:`rejected_rows_csv`), so the supervisor fixes those rows in Excel or
WPS and uploads them again.

The file:

* CSV in UTF-8 (with or without the byte-order mark Excel writes), else
  GB18030 (a superset of GBK: what Chinese Excel saves as "CSV"), or UTF-16
  with a BOM (Excel's "Unicode text").  The delimiter is a comma, or a
  semicolon or tab when the header row has more of those.
* XLSX: the first sheet, the values Excel last computed (never formulas).
  Numbers read as Excel shows them (``88.5``; ``42`` without ``.0``), dates
  as ISO (``2024-05-01``, with ``T10:30:00`` when there is a time).

Which one is the extension's call, unless the bytes say otherwise (an XLSX
is a zip and starts with ``PK``).

The first non-blank row is the header.  Column names are trimmed and read
case-insensitively: ``phone`` (or ``电话``, ``号码``, ``手机``) is required;
``name``, ``timezone`` (an IANA name, the callee's) and ``priority`` (an
integer, 0 when empty) are optional; every other named column is a custom
field, keyed by its header as written.  Values under a column without a
header are ignored (they stay in the row's raw values).

Line numbers are the spreadsheet's row numbers: the header is line 1 and the
first contact line 2 (blank lines count, as Excel numbers them).  Blank rows
are skipped.  A row that cannot be imported is rejected with every reason at
once (``; ``-separated); a number seen on an earlier accepted line is a
duplicate of that line, and one in ``existing_phones`` is already in the
list.  What makes the whole file unusable (empty, unreadable, no phone
column, too many rows) raises :class:`ContactsImportInvalid`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Collection, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import openpyxl
import phonenumbers

from hotline.business_hours import HoursInvalid, parse_timezone
from hotline.errors import HotlineError
from hotline.metrics.export import UTF8_BOM, escaped

MAX_ROWS: Final = 100_000  # contact rows (not counting the header and blank rows)
MAX_COLUMNS: Final = 200
MAX_CELL_CHARS: Final = 1_000  # longer cell text is cut
# An XLSX is a zip: its unpacked size is bounded before openpyxl reads it.
MAX_XLSX_UNPACKED_BYTES: Final = 256 * 1024 * 1024
MAX_PHONE_CHARS: Final = 40
PRIORITY_LIMIT: Final = 2**31 - 1  # fits a database integer

PHONE: Final = "phone"
PHONE_ALIASES: Final = ("电话", "号码", "手机")
NAME: Final = "name"
TIMEZONE: Final = "timezone"
PRIORITY: Final = "priority"

CSV: Final = "csv"
XLSX: Final = "xlsx"
CSV_DELIMITERS: Final = (",", ";", "\t")
_ZIP_MAGIC: Final = b"PK"
_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")

# Digits (any script: full-width digits are read as ASCII ones), optionally
# a leading "+", and the separators people type: spaces, dashes, dots,
# slashes and parentheses.
_PHONE_RE: Final = re.compile(r"[\s(]*\+?[\d\s().\-/]*\d[\d\s().\-/]*")
_PHONE_SEPARATORS_RE: Final = re.compile(r"[\s().\-/]")
_PRIORITY_RE: Final = re.compile(r"[+-]?[0-9]{1,10}")


class ContactsImportInvalid(HotlineError):
    """A file that cannot be imported at all; ``reason`` is a stable code the UI translates."""

    error_id = "contacts-import-invalid"
    status_code = 422

    def __init__(self, reason: str, message: str, **details: Any) -> None:
        super().__init__(message, {"reason": reason, **details})
        self.reason = reason


class PhoneInvalid(ValueError):
    """A phone number that cannot be read as E.164; the message says why."""


@dataclass(frozen=True, slots=True)
class ContactRow:
    line: int
    phone: str  # E.164, "+8613800138000"
    name: str  # "" when the file has none
    timezone: str | None  # the callee's IANA zone; None: the campaign's
    priority: int
    fields: dict[str, str]  # custom columns, header as written -> text


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str
    values: tuple[str, ...]  # the row's cells as read, in the file's column order


@dataclass(frozen=True, slots=True)
class ImportReport:
    columns: tuple[str, ...]  # the header row as written
    accepted: tuple[ContactRow, ...]
    rejected: tuple[RejectedRow, ...]
    blank_rows: int  # blank rows after the header, skipped


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each known column is in a row (None: the file has no such column)."""

    phone: int
    name: int | None
    timezone: int | None
    priority: int | None
    fields: tuple[tuple[int, str], ...]


def parse_contacts(
    data: bytes,
    filename_or_kind: str,
    *,
    default_region: str = "CN",
    existing_phones: Collection[str] = (),
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Read a contact list; ``filename_or_kind`` is the upload's name or ``csv``/``xlsx``.

    ``default_region`` (ISO 3166 code) reads national numbers;
    ``existing_phones`` are the E.164 numbers already in the list.
    """
    region = default_region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ContactsImportInvalid(
            "unknown-region", f"{default_region!r} is not a known region code", region=region
        )
    existing = (
        existing_phones if isinstance(existing_phones, frozenset | set) else set(existing_phones)
    )
    columns: tuple[str, ...] | None = None
    layout: _Layout | None = None
    accepted: list[ContactRow] = []
    rejected: list[RejectedRow] = []
    accepted_at: dict[str, int] = {}
    blank = contacts = 0
    with closing(_rows(data, filename_or_kind)) as rows:
        for line, raw in enumerate(rows, start=1):
            cells = tuple(_clip(text) for text in raw[:MAX_COLUMNS])
            if not any(cells):
                if layout is not None:
                    blank += 1
                continue
            if layout is None:
                columns, layout = _header(cells)
                continue
            contacts += 1
            if contacts > max_rows:
                raise ContactsImportInvalid(
                    "too-many-rows",
                    f"the file has more than {max_rows} contacts; split it into several files",
                    max_rows=max_rows,
                )
            row = _contact(line, cells, layout, region, existing, accepted_at)
            if isinstance(row, ContactRow):
                accepted_at[row.phone] = line
                accepted.append(row)
            else:
                rejected.append(RejectedRow(line, row, cells))
    if columns is None:
        raise ContactsImportInvalid("empty", "the file is empty: it has no header row")
    return ImportReport(columns, tuple(accepted), tuple(rejected), blank)


def normalise_phone(raw: str, default_region: str = "CN") -> str:
    """``raw`` in E.164 (``+8613800138000``); PhoneInvalid says why it cannot be.

    A national number is read in ``default_region``; ``+`` or ``00`` starts
    an international one.  A leading ``'`` (the mark a spreadsheet-safe
    export puts before ``+``) is dropped.
    """
    text = raw.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if not text:
        raise PhoneInvalid("phone is empty")
    if len(text) > MAX_PHONE_CHARS or not _PHONE_RE.fullmatch(text):
        raise PhoneInvalid(f"phone {_shown(raw)} is not a phone number")
    compact = "".join(
        char if char == "+" else str(int(char))  # full-width and other digits as ASCII
        for char in _PHONE_SEPARATORS_RE.sub("", text)
    )
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    try:
        number = phonenumbers.parse(compact, default_region)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(f"phone {_shown(raw)} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_country_code(number.country_code or 0)
        where = f" {region}" if region in phonenumbers.SUPPORTED_REGIONS else ""
        raise PhoneInvalid(f"phone {_shown(raw)} is not a valid{where} number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def rejected_rows_csv(report: ImportReport) -> bytes:
    """The rejected rows as a CSV for Excel: ``line``, ``reason``, then the file's columns.

    UTF-8 with a byte-order mark (else Excel reads it as GBK); every cell is
    made inert against formula injection (``hotline.metrics.export.escaped``).
    """
    width = max([len(report.columns), *(len(row.values) for row in report.rejected)])
    header = ["line", "reason", *report.columns, *[""] * (width - len(report.columns))]
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escaped(name) for name in header])
    for row in report.rejected:
        writer.writerow([escaped(text) for text in (str(row.line), row.reason, *row.values)])
    return buffer.getvalue().encode("utf-8")


def _header(cells: tuple[str, ...]) -> tuple[tuple[str, ...], _Layout]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    names = [name.casefold() for name in cells]
    phone = _column(names, PHONE)
    if phone is None:
        aliases = [index for index, name in enumerate(cells) if name in PHONE_ALIASES]
        if len(aliases) > 1:
            raise ContactsImportInvalid(
                "ambiguous-phone-column",
                f"columns {', '.join(cells[i] for i in aliases)} could each be the number:"
                f" name the one to dial {PHONE!r}",
                columns=[cells[i] for i in aliases],
            )
        if not aliases:
            raise ContactsImportInvalid(
                "no-phone-column",
                f"the header row has no {PHONE!r} column (found: {', '.join(cells)})",
                columns=list(cells),
            )
        phone = aliases[0]
    name, timezone, priority = (_column(names, key) for key in (NAME, TIMEZONE, PRIORITY))
    known = {phone, name, timezone, priority}
    fields: dict[str, int] = {}
    for index, header in enumerate(cells):
        if index in known or not header:
            continue
        if header in fields:
            raise ContactsImportInvalid(
                "duplicate-column", f"the column {header!r} appears twice", column=header
            )
        fields[header] = index
    layout = _Layout(
        phone=phone,
        name=name,
        timezone=timezone,
        priority=priority,
        fields=tuple((index, header) for header, index in fields.items()),
    )
    return cells, layout


def _column(names: Sequence[str], key: str) -> int | None:
    found = [index for index, name in enumerate(names) if name == key]
    if len(found) > 1:
        raise ContactsImportInvalid(
            "duplicate-column", f"the column {key!r} appears twice", column=key
        )
    return found[0] if found else None


def _contact(
    line: int,
    cells: tuple[str, ...],
    layout: _Layout,
    region: str,
    existing: Collection[str],
    accepted_at: dict[str, int],
) -> ContactRow | str:
    """The row as a contact, or why it is rejected."""

    def at(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    problems: list[str] = []
    phone = ""
    try:
        phone = normalise_phone(at(layout.phone), region)
    except PhoneInvalid as exc:
        problems.append(str(exc))
    if phone and phone in existing:
        problems.append("already in the list")
    elif phone and phone in accepted_at:
        problems.append(f"duplicate of line {accepted_at[phone]}")
    timezone = at(layout.timezone) or None
    if timezone is not None:
        try:
            parse_timezone(timezone)
        except HoursInvalid:
            problems.append(f"timezone {_shown(timezone)} is not a known IANA time zone")
    priority = 0
    if text := at(layout.priority):
        if _PRIORITY_RE.fullmatch(text) and abs(int(text)) <= PRIORITY_LIMIT:
            priority = int(text)
        else:
            problems.append(f"priority {_shown(text)} is not a whole number")
    if problems:
        return "; ".join(problems)
    fields = {name: at(index) for index, name in layout.fields}
    return ContactRow(line, phone, at(layout.name), timezone, priority, fields)


def _shown(text: str) -> str:
    """A value quoted in a reason, cut so a reason stays readable."""
    return repr(text if len(text) <= 60 else text[:60] + "…")


def _clip(text: str) -> str:
    return text.strip()[:MAX_CELL_CHARS]


def _rows(data: bytes, filename_or_kind: str) -> Generator[Sequence[str]]:
    if not data.strip():
        raise ContactsImportInvalid("empty", "the file is empty")
    if data.startswith(_OLE2_MAGIC):
        raise ContactsImportInvalid(
            "unsupported-format", "this is an old Excel .xls file: save it as .xlsx or CSV"
        )
    label = filename_or_kind.strip().casefold()
    extension = label.rpartition(".")[2]
    if data.startswith(_ZIP_MAGIC) or extension in (XLSX, "xlsm"):
        return _xlsx_rows(data)
    return _csv_rows(data)


def _csv_rows(data: bytes) -> Generator[list[str]]:
    text = _decoded(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)  # a comma on a tie
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise ContactsImportInvalid(
            "unreadable", f"line {reader.line_num}: the CSV cannot be read ({exc})"
        ) from None


def _decoded(data: bytes) -> str:
    encodings = ("utf-16",) if data.startswith(_UTF16_BOMS) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise ContactsImportInvalid(
        "unreadable", "the file is neither an XLSX nor a CSV in UTF-8 or GBK (GB18030)"
    )


def _xlsx_rows(data: bytes) -> Generator[list[str]]:
    unreadable = ContactsImportInvalid("unreadable", "the file is not a readable XLSX workbook")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unreadable from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ContactsImportInvalid(
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
            raise ContactsImportInvalid("empty", "the workbook has no sheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size: read every row
        for values in sheet.iter_rows(values_only=True):
            yield [_xlsx_text(value) for value in values]
    except ContactsImportInvalid:
        raise
    except Exception:
        raise unreadable from None
    finally:
        book.close()


def _xlsx_text(value: Any) -> str:
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
