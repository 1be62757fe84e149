"""A campaign's contact list read from an uploaded CSV or XLSX, with a report per row.

Pure: the file's bytes in, an :class:`ImportReport` out; no database, no
clock.  The caller stores ``accepted`` and offers ``rejected`` for download
(:func:`rejected_rows_csv`), so the supervisor fixes those rows in Excel or
WPS and uploads them again.

The file is read by the kernel's one reader (``hotline/sheet_rows.py``: CSV
in UTF-8, GBK or UTF-16, or the first sheet of an XLSX), and numbers by
``hotline/phone_numbers.py``, which the customer records share.

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
from collections.abc import Collection, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Final

import phonenumbers

from hotline.business_hours import HoursInvalid, parse_timezone
from hotline.metrics.export import UTF8_BOM, escaped
from hotline.phone_numbers import PhoneInvalid as PhoneInvalid  # re-exported
from hotline.phone_numbers import normalise_phone as normalise_phone  # re-exported
from hotline.phone_numbers import shown as _shown
from hotline.sheet_rows import SheetInvalid, sheet_rows

MAX_ROWS: Final = 100_000  # contact rows (not counting the header and blank rows)
MAX_COLUMNS: Final = 200
MAX_CELL_CHARS: Final = 1_000  # longer cell text is cut
PRIORITY_LIMIT: Final = 2**31 - 1  # fits a database integer

PHONE: Final = "phone"
PHONE_ALIASES: Final = ("电话", "号码", "手机")
NAME: Final = "name"
TIMEZONE: Final = "timezone"
PRIORITY: Final = "priority"

_PRIORITY_RE: Final = re.compile(r"[+-]?[0-9]{1,10}")


class ContactsImportInvalid(SheetInvalid):
    """A file that cannot be imported at all; ``reason`` is a stable code the UI translates."""

    error_id = "contacts-import-invalid"


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
    with closing(sheet_rows(data, filename_or_kind, ContactsImportInvalid)) as rows:
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


def _clip(text: str) -> str:
    return text.strip()[:MAX_CELL_CHARS]
