"""Customers read from an uploaded CSV or XLSX, with a report per row: pure.

The file is read by the kernel's one reader (``hotline/sheet_rows.py``, as
the campaigns' contact lists are) and numbers by ``hotline/phone_numbers.py``;
this module only says what a row of customers means and what is wrong with
it.  Bytes in, a :class:`ParsedFile` out; no database (whether a number is
already another customer's is the service's question, reported the same
way), the clock comes in as ``now``.

The first non-blank row is the header; column names are trimmed and read
case-insensitively, in English or Chinese (``COLUMNS``).  ``name`` and a
phone column are required; several phone columns may be given
(``phone``, ``phone2``, ``电话``...), and a cell may hold several numbers
separated by ``;``, ``,`` or ``、``.  ``id`` (what an export writes) names
the customer a row updates.  ``mark``, ``mark_reason`` and
``mark_expires`` add a mark: ``vip``, ``blacklist`` or ``nuisance``, its
reason (required), and the date it ends (the end of that day in the site's
zone; empty: no end).  Other columns are ignored and listed as such.

Line numbers are the spreadsheet's: the header is line 1.  A bad row is
rejected with every problem at once, each naming its field; good rows are
kept.  What makes the whole file unusable (empty, unreadable, no name or
phone column, too many rows) raises :class:`CustomersImportInvalid`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hotline.customers.core import MARK_KINDS
from hotline.phone_numbers import DEFAULT_REGION, PhoneInvalid, normalise_phone, shown
from hotline.sheet_rows import SheetInvalid, sheet_rows

MAX_ROWS: Final = 20_000
MAX_COLUMNS: Final = 100
MAX_CELL_CHARS: Final = 1_000
MAX_NUMBERS: Final = 10  # per customer
# Field limits (the models' column sizes).
LIMITS: Final = {
    "name": 64,
    "account_number": 32,
    "id_number": 32,
    "address": 200,
    "email": 120,
    "notes": 2000,
    "mark_reason": 200,
}

# Column key -> the headers that name it (casefolded).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id", "编号"),
    "name": ("name", "姓名", "名称", "客户名称"),
    "account_number": ("account_number", "account", "账号", "户号"),
    "id_number": ("id_number", "证件号", "证件号码", "身份证号"),
    "address": ("address", "地址"),
    "email": ("email", "邮箱"),
    "notes": ("notes", "备注"),
    "mark": ("mark", "标记"),
    "mark_reason": ("mark_reason", "标记原因"),
    "mark_expires": ("mark_expires", "标记到期"),
}
_PHONE_HEADER_RE: Final = re.compile(r"(phones?|mobile|tel|电话|号码|手机)[0-9]*")
_NUMBER_SEPARATORS_RE: Final = re.compile(r"[;；,，、\n]")
_ID_NUMBER_RE: Final = re.compile(r"[0-9A-Za-z-]*")
_ROW_ID_RE: Final = re.compile(r"[0-9]{1,9}")


class CustomersImportInvalid(SheetInvalid):
    error_id = "customers-import-invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class MarkInput:
    kind: str
    reason: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    line: int
    customer_id: int | None  # the ``id`` column: the customer it updates
    name: str
    numbers: tuple[str, ...]  # E.164
    account_number: str
    id_number: str
    address: str
    email: str
    notes: str
    mark: MarkInput | None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ParsedFile:
    columns: tuple[str, ...]
    accepted: tuple[CustomerRow, ...]
    rejected: tuple[RejectedRow, ...]
    ignored_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Layout:
    known: dict[str, int]  # column key -> index
    phones: tuple[int, ...]


def read_customers(
    data: bytes,
    filename_or_kind: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    region: str = DEFAULT_REGION,
    max_rows: int = MAX_ROWS,
) -> ParsedFile:
    columns: tuple[str, ...] | None = None
    layout: _Layout | None = None
    ignored: tuple[str, ...] = ()
    accepted: list[CustomerRow] = []
    rejected: list[RejectedRow] = []
    seen_numbers: dict[str, int] = {}
    count = 0
    with closing(sheet_rows(data, filename_or_kind, CustomersImportInvalid)) as rows:
        for line, raw in enumerate(rows, start=1):
            cells = tuple(text.strip()[:MAX_CELL_CHARS] for text in raw[:MAX_COLUMNS])
            if not any(cells):
                continue
            if layout is None:
                columns, layout, ignored = _header(cells)
                continue
            count += 1
            if count > max_rows:
                raise CustomersImportInvalid(
                    "too-many-rows",
                    f"the file has more than {max_rows} customers; split it into several files",
                    max_rows=max_rows,
                )
            values = {key: cells[i] if i < len(cells) else "" for key, i in layout.known.items()}
            phones = [cells[i] if i < len(cells) else "" for i in layout.phones]
            row = customer_row(line, values, phones, seen_numbers, now, zone, region)
            if isinstance(row, RejectedRow):
                rejected.append(row)
                continue
            for number in row.numbers:
                seen_numbers[number] = line
            accepted.append(row)
    if columns is None:
        raise CustomersImportInvalid("empty", "the file is empty: it has no header row")
    return ParsedFile(columns, tuple(accepted), tuple(rejected), ignored)


def _header(cells: tuple[str, ...]) -> tuple[tuple[str, ...], _Layout, tuple[str, ...]]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    known: dict[str, int] = {}
    phones: list[int] = []
    ignored: list[str] = []
    for index, header in enumerate(cells):
        name = header.casefold()
        key = next((key for key, names in COLUMNS.items() if name in names), None)
        if key is not None:
            if key in known:
                raise CustomersImportInvalid(
                    "duplicate-column", f"the column {header!r} appears twice", column=header
                )
            known[key] = index
        elif _PHONE_HEADER_RE.fullmatch(name):
            phones.append(index)
        elif header:
            ignored.append(header)
    if "name" not in known or not phones:
        missing = "name" if "name" not in known else "phone"
        raise CustomersImportInvalid(
            f"no-{missing}-column",
            f"the header row has no {missing!r} column (found: {', '.join(cells)})",
            columns=list(cells),
        )
    return cells, _Layout(known, tuple(phones)), tuple(ignored)


def customer_row(
    line: int,
    values: Mapping[str, str],
    phone_texts: Sequence[str],
    seen_numbers: Mapping[str, int],
    now: datetime,
    zone: ZoneInfo,
    region: str = DEFAULT_REGION,
    *,
    numbers_required: bool = True,
) -> CustomerRow | RejectedRow:
    """The row as a customer, or every problem it has, each naming its field.

    ``values`` are the row's cells by column key (``COLUMNS``), and
    ``phone_texts`` its phone cells; the pages' and the API's forms are
    checked by this same function (line 0), so a field means one thing.
    """

    def at(key: str) -> str:
        return str(values.get(key) or "").strip()

    problems: list[Problem] = []
    for field, limit in LIMITS.items():
        if len(at(field)) > limit:
            problems.append(Problem(field, f"at most {limit} characters"))
    if not at("name"):
        problems.append(Problem("name", "required"))
    customer_id = None
    if raw_id := at("id"):
        if _ROW_ID_RE.fullmatch(raw_id):
            customer_id = int(raw_id)
        else:
            problems.append(Problem("id", f"{shown(raw_id)} is not a customer id"))
    numbers = _numbers(phone_texts, region, seen_numbers, problems, numbers_required)
    id_number = at("id_number")
    if not _ID_NUMBER_RE.fullmatch(id_number):
        problems.append(Problem("id_number", "letters, digits and dashes only"))
    email = at("email")
    if email and ("@" not in email or " " in email):
        problems.append(Problem("email", f"{shown(email)} is not an email address"))
    mark = _mark(at("mark"), at("mark_reason"), at("mark_expires"), now, zone, problems)
    if problems:
        return RejectedRow(line, tuple(problems))
    return CustomerRow(
        line=line,
        customer_id=customer_id,
        name=at("name"),
        numbers=numbers,
        account_number=at("account_number"),
        id_number=id_number.upper(),
        address=at("address"),
        email=email,
        notes=at("notes"),
        mark=mark,
    )


def _numbers(
    phone_texts: Sequence[str],
    region: str,
    seen_numbers: Mapping[str, int],
    problems: list[Problem],
    required: bool,
) -> tuple[str, ...]:
    numbers: dict[str, None] = {}
    for text in phone_texts:
        for part in _NUMBER_SEPARATORS_RE.split(text):
            if not part.strip():
                continue
            try:
                number = normalise_phone(part, region)
            except PhoneInvalid as bad:
                problems.append(Problem("phone", str(bad)))
                continue
            if number in seen_numbers:
                problems.append(
                    Problem("phone", f"{number}: duplicate of line {seen_numbers[number]}")
                )
            numbers[number] = None
    if required and not numbers and not any(p.field == "phone" for p in problems):
        problems.append(Problem("phone", "required"))
    if len(numbers) > MAX_NUMBERS:
        problems.append(Problem("phone", f"at most {MAX_NUMBERS} numbers"))
    return tuple(numbers)


def _mark(
    kind: str,
    reason: str,
    expires: str,
    now: datetime,
    zone: ZoneInfo,
    problems: list[Problem],
) -> MarkInput | None:
    kind = kind.casefold()
    if not kind:
        if reason or expires:
            problems.append(Problem("mark", "required with mark_reason or mark_expires"))
        return None
    if kind not in MARK_KINDS:
        problems.append(Problem("mark", f"{shown(kind)}: one of {', '.join(MARK_KINDS)}"))
    if not reason:
        problems.append(Problem("mark_reason", "required with a mark"))
    expires_at = None
    if expires:
        try:
            expires_at = expiry(expires, zone)
        except ValueError as bad:
            problems.append(Problem("mark_expires", str(bad)))
        else:
            if expires_at <= now:
                problems.append(Problem("mark_expires", "in the past"))
    return MarkInput(kind, reason, expires_at)


def expiry(text: str, zone: ZoneInfo) -> datetime:
    """A mark's end: a date is the end of that day in the site's zone; a
    date and time needs its offset."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day + timedelta(days=1), time(), zone)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{shown(text)} is not a date (YYYY-MM-DD)") from None
    if value.tzinfo is None:
        raise ValueError(f"{shown(text)}: give the time zone (Z or +08:00)")
    return value
