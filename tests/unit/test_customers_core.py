"""Customer records' pure rules: masking, marks and their expiry, the
standing a flow branches on, the identity check, caller-ID matching and an
import file's rows (CSV and XLSX), with hypothesis for the invariants."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.customers import core
from hotline.customers.core import Mark
from hotline.customers.import_rows import CustomersImportInvalid, Problem, read_customers
from hotline.phone_numbers import caller_id_forms, caller_key, national_form

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


# -- masking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("13800138000", "138****8000"),
        ("01065529988", "010****9988"),
        ("+442079460958", "+442*****0958"),
        ("65529988", "****9988"),
        ("5550142", "****142"),
        ("1001", "****"),
        ("", ""),
    ],
)
def test_given_a_number_then_at_most_its_first_3_and_last_4_digits_show(
    number: str, shown: str
) -> None:
    assert core.mask_phone(number) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("110101199003071234", "1101**********1234"),
        ("11010819920101456X", "1101**********456X"),
        ("E12345678", "*********"[:8] + "8"),
        ("", ""),
    ],
)
def test_given_an_id_number_then_at_most_its_first_and_last_4_show(value: str, shown: str) -> None:
    assert core.mask_id_number(value) == shown


def _revealed(original: str, masked: str) -> int:
    return sum(1 for a, b in zip(original, masked, strict=True) if a == b and b != core.MASK)


@given(st.text(alphabet="0123456789", max_size=30))
def test_masking_a_phone_never_reveals_more_than_7_digits_nor_hides_fewer_than_4(
    digits: str,
) -> None:
    masked = core.mask_phone(digits)
    assert len(masked) == len(digits)
    assert _revealed(digits, masked) <= min(7, max(0, len(digits) - 4))
    assert masked.count(core.MASK) >= min(4, len(digits))
    # What shows is the number's own start and end, nothing moved.
    head = len(masked) - len(masked.lstrip("0123456789"))
    assert digits.startswith(masked[:head])
    assert core.mask_phone(masked) == masked


@given(st.text(alphabet="0123456789X", max_size=40))
def test_masking_an_id_never_reveals_more_than_8_characters_nor_hides_fewer_than_8(
    value: str,
) -> None:
    masked = core.mask_id_number(value)
    assert len(masked) == len(value)
    assert _revealed(value, masked) <= min(8, max(0, len(value) - 8))
    assert masked.count(core.MASK) >= min(8, len(value))


def test_given_a_reader_without_the_permission_then_stored_numbers_show_masked() -> None:
    assert core.shown_number("+8613800138000", reveal=False) == "138****8000"
    assert core.shown_number("+8613800138000", reveal=True) == "13800138000"
    assert core.shown_id_number("110101199003071234", reveal=False) == "1101**********1234"
    assert core.shown_id_number("110101199003071234", reveal=True) == "110101199003071234"


# -- marks -------------------------------------------------------------------------------


def test_given_marks_then_the_standing_is_the_strongest_that_counts() -> None:
    vip = Mark(core.VIP, "hospital")
    blacklist = Mark(core.BLACKLIST, "abuse", expires_at=NOW + timedelta(days=1))
    assert core.standing(False, [vip], NOW) == core.UNKNOWN
    assert core.standing(True, [], NOW) == core.KNOWN
    assert core.standing(True, [vip], NOW) == core.VIP
    assert core.standing(True, [vip, blacklist], NOW) == core.BLACKLIST
    # A VIP beside a blacklist still counts for the ACD's priority.
    assert core.is_vip([vip, blacklist], NOW)


def test_given_an_expired_or_revoked_mark_then_it_counts_for_nothing() -> None:
    expired = Mark(core.BLACKLIST, "abuse", expires_at=NOW)
    revoked = Mark(core.VIP, "was", revoked_at=NOW - timedelta(seconds=1))
    assert not core.counts(expired, NOW)
    assert core.counts(expired, NOW - timedelta(seconds=1))
    assert core.standing(True, [expired, revoked], NOW) == core.KNOWN
    assert not core.is_vip([revoked], NOW)


_instants = st.integers(min_value=-1000, max_value=1000).map(
    lambda minutes: NOW + timedelta(minutes=minutes)
)
_marks = st.builds(
    Mark,
    kind=st.sampled_from(core.MARK_KINDS),
    reason=st.just("why"),
    expires_at=st.none() | _instants,
    revoked_at=st.none() | _instants,
)


@given(st.lists(_marks, max_size=6), st.lists(_marks, max_size=6), _instants)
def test_an_expired_mark_never_counts(marks: list[Mark], others: list[Mark], now: datetime) -> None:
    ended = [
        Mark(m.kind, m.reason, expires_at=min(m.expires_at or now, now), revoked_at=m.revoked_at)
        for m in others
    ]
    assert core.standing(True, marks + ended, now) == core.standing(True, marks, now)
    assert core.is_vip(marks + ended, now) == core.is_vip(marks, now)
    assert core.kinds_now(ended, now) == frozenset()


# -- the identity check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "keyed", "result"),
    [
        (core.ACCOUNT_NUMBER, "100234", core.MATCHED),  # a phone keys the digits
        (core.ACCOUNT_NUMBER, "SH-100234", core.MATCHED),
        (core.ACCOUNT_NUMBER, "100235", core.FAILED),
        (core.ACCOUNT_NUMBER, "1002340", core.FAILED),
        (core.ACCOUNT_NUMBER, "", core.NOT_CHECKED),
        (core.ID_LAST4, "456*", core.MATCHED),  # * keys the X
        (core.ID_LAST4, "4560", core.FAILED),
        (core.ID_LAST6, "01456X", core.MATCHED),
    ],
)
def test_given_what_a_caller_keyed_then_the_identity_check_says_whether_it_matches(
    field: str, keyed: str, result: str
) -> None:
    assert core.identity_result(field, keyed, "SH-100234", "11010819920101456X") == result


def test_given_nothing_on_record_to_compare_then_identity_is_not_checked() -> None:
    assert core.identity_result(core.ACCOUNT_NUMBER, "123", "", "") == core.NOT_CHECKED
    assert core.identity_result(core.ID_LAST6, "123456", "", "1234") == core.NOT_CHECKED


# -- matching a caller ID ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller_id",
    ["13800138000", "+8613800138000", "8613800138000", "008613800138000", "013800138000"],
)
def test_given_a_caller_id_in_any_form_then_it_matches_the_stored_number(caller_id: str) -> None:
    assert core.match_key(caller_id) == "+8613800138000"


@pytest.mark.parametrize("caller_id", ["", "1001", "5550142", "anonymous"])
def test_given_no_valid_number_then_nothing_matches(caller_id: str) -> None:
    assert core.match_key(caller_id) is None


_e164 = st.sampled_from(
    ["+8613800138000", "+861065529988", "+8675512345678", "+442079460958", "+14155550123"]
)


@given(_e164)
def test_every_form_a_trunk_may_send_reads_back_as_the_number(e164: str) -> None:
    forms = caller_id_forms(e164)
    assert e164 in forms
    assert all(caller_key(form) == e164 for form in forms)
    assert national_form(e164) in forms or not e164.startswith("+86")


# -- an import file's rows --------------------------------------------------------------------

HEADER = ["name", "phone", "account_number", "id_number", "mark", "mark_reason", "mark_expires"]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


ROWS = [
    HEADER,
    ["张伟", "138 0013 8000; 010-6552-9988", "SH-1", "110101199003071234", "vip", "dialysis", ""],
    ["", "13900139000", "", "", "", "", ""],  # no name
    ["Bad", "12", "", "", "", "", ""],  # no valid number
    ["Dup", "+86 138-0013-8000", "", "", "", "", ""],  # line 2's number
    ["Mark", "13700137000", "", "", "gold", "", "2020-01-01"],  # three problems
    ["Ok", "13600136000", "SH-4", "", "blacklist", "abuse", "2027-01-31"],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_given_a_file_with_bad_rows_then_each_is_reported_by_line_and_field_and_good_rows_kept(
    kind: str,
) -> None:
    data = _csv(ROWS) if kind == "csv" else _xlsx(ROWS)
    parsed = read_customers(data, f"customers.{kind}", now=NOW, zone=SHANGHAI)
    assert [row.line for row in parsed.accepted] == [2, 7]
    first, last = parsed.accepted
    assert first.numbers == ("+8613800138000", "+861065529988")
    assert (first.mark is not None and first.mark.kind, first.id_number) == (
        "vip",
        "110101199003071234",
    )
    assert last.mark is not None and last.mark.expires_at == datetime(2027, 2, 1, tzinfo=SHANGHAI)
    problems = {row.line: row.problems for row in parsed.rejected}
    assert problems[3] == (Problem("name", "required"),)
    assert [p.field for p in problems[4]] == ["phone"]
    assert problems[5] == (Problem("phone", "+8613800138000: duplicate of line 2"),)
    assert [p.field for p in problems[6]] == ["mark", "mark_reason", "mark_expires"]


def test_given_chinese_headers_and_other_columns_then_they_are_read_or_listed_as_ignored() -> None:
    data = _csv(
        [
            ["姓名", "电话", "手机2", "户号", "城市"],
            ["李娜", "13900139000", "13700137000", "A1", "北京"],
        ]
    )
    parsed = read_customers(data, "list.csv", now=NOW, zone=SHANGHAI)
    (row,) = parsed.accepted
    assert (row.name, row.numbers, row.account_number) == (
        "李娜",
        ("+8613900139000", "+8613700137000"),
        "A1",
    )
    assert parsed.ignored_columns == ("城市",)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [([["phone"], ["13800138000"]], "no-name-column"), ([["name"], ["x"]], "no-phone-column")],
)
def test_given_a_file_without_name_or_phone_column_then_it_is_refused_whole(
    rows: list[list[str]], reason: str
) -> None:
    with pytest.raises(CustomersImportInvalid) as refused:
        read_customers(_csv(rows), "x.csv", now=NOW, zone=SHANGHAI)
    assert (refused.value.reason, refused.value.error_id) == (reason, "customers-import-invalid")
