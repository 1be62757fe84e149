"""A campaign's contact list import: every row is kept or reported, with its line."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ari_apps.campaigns import contacts_import as ci
from ari_apps.campaigns.contacts_import import ContactsImportInvalid, parse_contacts

MOBILE = "+8613800138000"
MOBILE_2 = "+8613900139000"
BEIJING = "+861065529988"


def _csv(rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.create_sheet("second").append(["phone", "ignored"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _reasons(report: ci.ImportReport) -> dict[int, str]:
    return {row.line: row.reason for row in report.rejected}


def test_given_a_csv_then_numbers_are_e164_and_columns_are_read() -> None:
    data = _csv(
        [
            ["Phone", " Name ", "TimeZone", "priority", "City", "Score"],
            ["+86 138-0013-8000", "张三", "Asia/Shanghai", "5", "北京", "88.5"],
            ["(010) 6552 9988", "李四", "", "", "", ""],
            ["0044 20 7946 0958", "Ann", "Europe/London", "-2", "London", "1"],
        ]
    )
    report = parse_contacts(data, "contacts.csv")
    assert report.rejected == ()
    assert report.columns == ("Phone", "Name", "TimeZone", "priority", "City", "Score")
    first, second, third = report.accepted
    assert first == ci.ContactRow(
        2, MOBILE, "张三", "Asia/Shanghai", 5, {"City": "北京", "Score": "88.5"}
    )
    assert (second.line, second.phone, second.timezone, second.priority) == (3, BEIJING, None, 0)
    assert second.fields == {"City": "", "Score": ""}
    assert (third.phone, third.priority) == ("+442079460958", -2)


def test_given_a_utf8_bom_then_the_first_header_is_still_phone() -> None:
    data = "\ufeffphone,name\r\n13800138000,张三\r\n".encode()
    [contact] = parse_contacts(data, "list.csv").accepted
    assert (contact.phone, contact.name) == (MOBILE, "张三")


def test_given_a_gbk_csv_from_chinese_excel_then_it_is_read() -> None:
    data = _csv([["手机", "姓名", "城市"], ["13800138000", "张三", "北京"]], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    [contact] = parse_contacts(data, "导出.csv").accepted
    assert contact.phone == MOBILE
    assert contact.fields == {"姓名": "张三", "城市": "北京"}


def test_given_excel_unicode_text_then_utf16_tabs_are_read() -> None:
    data = "电话\tname\r\n13800138000\tBo\r\n".encode("utf-16")
    [contact] = parse_contacts(data, "list.txt").accepted
    assert (contact.phone, contact.name) == (MOBILE, "Bo")


def test_given_a_semicolon_csv_then_the_delimiter_is_detected() -> None:
    data = b"phone;name\r\n13800138000;Bo\r\n"
    [contact] = parse_contacts(data, "csv").accepted
    assert contact.name == "Bo"


@pytest.mark.parametrize("header", ["phone", " PHONE ", "Phone", "电话", "号码", "手机"])
def test_given_a_phone_column_alias_then_it_is_the_number(header: str) -> None:
    [contact] = parse_contacts(_csv([[header], ["13800138000"]]), "a.csv").accepted
    assert contact.phone == MOBILE


def test_given_phone_and_an_alias_then_phone_is_dialled_and_the_alias_is_a_field() -> None:
    data = _csv([["电话", "phone"], ["010 6552 9988", "13800138000"]])
    [contact] = parse_contacts(data, "a.csv").accepted
    assert contact.phone == MOBILE
    assert contact.fields == {"电话": "010 6552 9988"}


def test_given_two_alias_columns_then_the_file_is_refused_naming_them() -> None:
    with pytest.raises(ContactsImportInvalid, match="电话, 手机") as caught:
        parse_contacts(_csv([["电话", "手机"], ["1", "2"]]), "a.csv")
    assert caught.value.reason == "ambiguous-phone-column"


def test_given_no_phone_column_then_a_422_error_says_so() -> None:
    with pytest.raises(ContactsImportInvalid, match="no 'phone' column") as caught:
        parse_contacts(_csv([["name", "mobile"], ["Bo", "13800138000"]]), "a.csv")
    error = caught.value
    assert (error.status_code, error.error_id, error.reason) == (
        422,
        "contacts-import-invalid",
        "no-phone-column",
    )
    assert error.details["columns"] == ["name", "mobile"]


@pytest.mark.parametrize("data", [b"", b"   \r\n", "\ufeff".encode(), b"\r\n,,\r\n"])
def test_given_an_empty_file_then_it_is_refused(data: bytes) -> None:
    with pytest.raises(ContactsImportInvalid, match="empty") as caught:
        parse_contacts(data, "a.csv")
    assert caught.value.reason == "empty"


def test_given_a_header_only_then_the_report_is_empty() -> None:
    report = parse_contacts(b"phone,name\r\n", "a.csv")
    assert (report.accepted, report.rejected, report.blank_rows) == ((), (), 0)


def test_given_a_duplicate_column_then_the_file_is_refused() -> None:
    with pytest.raises(ContactsImportInvalid, match="'city' appears twice"):
        parse_contacts(_csv([["phone", "city", "city"], ["13800138000", "a", "b"]]), "a.csv")
    with pytest.raises(ContactsImportInvalid, match="'name' appears twice"):
        parse_contacts(_csv([["phone", "Name", "name"]]), "a.csv")


def test_given_bad_numbers_then_each_is_rejected_with_its_reason() -> None:
    data = _csv(
        [
            ["phone", "name"],
            ["", "no number"],
            ["call me", "letters"],
            ["12345", "too short"],
            ["+1 555", "too short abroad"],
            ["13800138000", "good"],
        ]
    )
    report = parse_contacts(data, "a.csv")
    assert [c.line for c in report.accepted] == [6]
    assert _reasons(report) == {
        2: "phone is empty",
        3: "phone 'call me' is not a phone number",
        4: "phone '12345' is not a valid CN number",
        5: "phone '+1 555' is not a valid US number",
    }


def test_given_a_default_region_then_national_numbers_are_read_there() -> None:
    [contact] = parse_contacts(b"phone\n(650) 253-0000\n", "a.csv", default_region="us").accepted
    assert contact.phone == "+16502530000"
    with pytest.raises(ContactsImportInvalid, match="region"):
        parse_contacts(b"phone\n1\n", "a.csv", default_region="XX")


def test_given_a_number_twice_then_the_second_is_a_duplicate_of_the_first_line() -> None:
    data = _csv(
        [["phone"], ["13800138000"], ["13900139000"], ["+86 138 0013 8000"], ["008613800138000"]]
    )
    report = parse_contacts(data, "a.csv")
    assert [c.phone for c in report.accepted] == [MOBILE, MOBILE_2]
    assert _reasons(report) == {4: "duplicate of line 2", 5: "duplicate of line 2"}


def test_given_a_rejected_row_then_a_later_good_row_of_its_number_is_accepted() -> None:
    data = _csv([["phone", "timezone"], ["13800138000", "Mars/Base"], ["13800138000", ""]])
    report = parse_contacts(data, "a.csv")
    assert [c.line for c in report.accepted] == [3]
    assert list(_reasons(report)) == [2]


def test_given_numbers_already_in_the_list_then_they_are_rejected() -> None:
    data = _csv([["phone"], ["13800138000"], ["13900139000"]])
    report = parse_contacts(data, "a.csv", existing_phones=[MOBILE])
    assert [c.phone for c in report.accepted] == [MOBILE_2]
    assert _reasons(report) == {2: "already in the list"}


def test_given_a_bad_timezone_or_priority_then_the_row_is_rejected_naming_the_value() -> None:
    data = _csv(
        [
            ["phone", "timezone", "priority"],
            ["13800138000", "Mars/Olympus", ""],
            ["13900139000", "", "high"],
            ["13700137000", "Asia/Shanghai", "1.5"],
            ["13600136000", "../../etc/passwd", "99999999999"],
            ["notaphone", "Nowhere", "x"],
            ["13500135000", "America/New_York", "+7"],
        ]
    )
    report = parse_contacts(data, "a.csv")
    assert [(c.line, c.timezone, c.priority) for c in report.accepted] == [
        (7, "America/New_York", 7)
    ]
    reasons = _reasons(report)
    assert reasons[2] == "timezone 'Mars/Olympus' is not a known IANA time zone"
    assert reasons[3] == "priority 'high' is not a whole number"
    assert reasons[4] == "priority '1.5' is not a whole number"
    assert "'../../etc/passwd' is not a known IANA" in reasons[5]
    assert "priority '99999999999'" in reasons[5]
    # Every problem of a row at once, so one round of fixes is enough.
    assert reasons[6].split("; ") == [
        "phone 'notaphone' is not a phone number",
        "timezone 'Nowhere' is not a known IANA time zone",
        "priority 'x' is not a whole number",
    ]


def test_given_blank_rows_then_they_are_skipped_and_lines_still_count_them() -> None:
    data = b"\r\nphone,name\r\n\r\n13800138000,a\r\n , \r\nbad,b\r\n\r\n"
    report = parse_contacts(data, "a.csv")
    # The header is on line 2 here: lines are the file's rows, as Excel numbers them.
    assert [c.line for c in report.accepted] == [4]
    assert [r.line for r in report.rejected] == [6]
    assert report.blank_rows == 3


def test_given_a_quoted_cell_over_two_lines_then_lines_count_rows() -> None:
    data = b'phone,note\r\n13800138000,"two\r\nlines"\r\nbad,x\r\n'
    report = parse_contacts(data, "a.csv")
    assert report.accepted[0].fields == {"note": "two\r\nlines"}
    assert report.rejected[0].line == 3


def test_given_values_under_no_header_then_they_are_ignored_but_kept_raw() -> None:
    data = b"phone,,city\r\n13800138000,x,Rome,extra\r\nbad,y,Oslo,more\r\n"
    report = parse_contacts(data, "a.csv")
    assert report.accepted[0].fields == {"city": "Rome"}
    assert report.rejected[0].values == ("bad", "y", "Oslo", "more")


def test_given_an_xlsx_then_the_first_sheet_is_read_with_excel_values() -> None:
    data = _xlsx(
        [
            ["Phone", "name", "priority", "score", "count", "since", "at", "ok"],
            [
                13800138000,
                "张三",
                3,
                88.5,
                12.0,
                date(2024, 5, 1),
                datetime(2024, 5, 1, 10, 30),
                True,
            ],
            [None, None, None, None, None, None, None, None],
            ["+8613900139000", "Bo", 1.0, 0.1 + 0.2, 7, None, None, False],
            ["12", "bad", "x", None, None, None, None, None],
        ]
    )
    report = parse_contacts(data, "upload.xlsx")
    first, second = report.accepted
    assert (first.line, first.phone, first.name, first.priority) == (2, MOBILE, "张三", 3)
    assert first.fields == {
        "score": "88.5",
        "count": "12",
        "since": "2024-05-01",
        "at": "2024-05-01T10:30:00",
        "ok": "true",
    }
    assert (second.line, second.phone, second.priority) == (4, MOBILE_2, 1)
    assert second.fields["score"] == "0.3"
    assert report.blank_rows == 1
    [bad] = report.rejected
    assert bad.line == 5
    assert bad.reason.startswith("phone '12' is not a valid CN number; priority 'x'")


def test_given_an_xlsx_without_its_extension_then_the_zip_is_recognised() -> None:
    data = _xlsx([["号码"], ["13800138000"]])
    assert parse_contacts(data, "upload.csv").accepted[0].phone == MOBILE
    assert parse_contacts(data, "xlsx").accepted[0].phone == MOBILE


def test_given_an_xlsx_with_a_header_but_no_phone_then_it_is_refused() -> None:
    with pytest.raises(ContactsImportInvalid, match="no 'phone' column"):
        parse_contacts(_xlsx([["name"], ["Bo"]]), "a.xlsx")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "unreadable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "unsupported-format"),
        (b"\x81\x30\xff\xfe\x80", "unreadable"),  # neither UTF-8 nor GB18030
    ],
)
def test_given_an_unreadable_file_then_it_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ContactsImportInvalid) as caught:
        parse_contacts(data, "a.xlsx" if data.startswith(b"PK") else "a.csv")
    assert caught.value.reason == reason


def test_given_an_empty_xlsx_then_it_is_refused() -> None:
    with pytest.raises(ContactsImportInvalid, match="empty"):
        parse_contacts(_xlsx([]), "a.xlsx")


def test_given_too_many_rows_then_the_file_is_refused() -> None:
    data = _csv([["phone"], *[[f"1380013{n:04d}"] for n in range(11)]])
    assert len(parse_contacts(data, "a.csv", max_rows=11).accepted) == 11
    with pytest.raises(ContactsImportInvalid, match="more than 10 contacts") as caught:
        parse_contacts(data, "a.csv", max_rows=10)
    assert caught.value.reason == "too-many-rows"


def test_given_a_huge_cell_then_its_text_is_cut() -> None:
    data = _csv([["phone", "note"], ["13800138000", "x" * 5000]])
    [contact] = parse_contacts(data, "a.csv").accepted
    assert len(contact.fields["note"]) == ci.MAX_CELL_CHARS


def test_the_rejected_rows_csv_opens_in_excel_and_cannot_run_formulas() -> None:
    data = _csv(
        [
            ["phone", "=name", "note"],
            ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "-1+2"],
            ["13800138000", "ok", ""],
            ["+86 138 0013 8000", "张三", "@cmd"],
        ]
    )
    report = parse_contacts(data, "a.csv")
    out = ci.rejected_rows_csv(report)
    assert out.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["line", "reason", "phone", "'=name", "note"]
    assert rows[1][0] == "2"
    assert rows[1][2:] == ['\'=HYPERLINK("http://evil","x")', "'@SUM(A1)", "'-1+2"]
    assert rows[2] == ["4", "duplicate of line 3", "'+86 138 0013 8000", "张三", "'@cmd"]
    assert len(rows) == 3


def test_a_rejected_rows_file_fixed_and_uploaded_again_is_read() -> None:
    # The "'" that kept "+86..." from being a formula does not stop a re-import.
    report = parse_contacts(b"phone,timezone\r\n+8613800138000,Mars\r\n", "a.csv")
    again = ci.rejected_rows_csv(report).replace(b"Mars", b"Asia/Tokyo")
    [contact] = parse_contacts(again, "rejected.csv").accepted
    assert (contact.line, contact.phone, contact.timezone) == (2, MOBILE, "Asia/Tokyo")


_CELLS = st.one_of(
    st.sampled_from(["", " ", "13800138000", "+86 139 0013 9000", "010-6552-9988", "abc"]),
    st.sampled_from(["+442079460958", "0044 20 7946 0958", "Asia/Shanghai", "5", "=1+1"]),
    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=8),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_CELLS, max_size=4), max_size=25),
    st.lists(st.sampled_from([MOBILE, "+442079460958"]), max_size=2),
)
def test_given_any_rows_then_each_is_accepted_rejected_or_blank_once(
    rows: list[list[str]], existing: list[str]
) -> None:
    data = _csv([["phone", "timezone", "priority", "note"], *rows])
    report = parse_contacts(data, "a.csv", existing_phones=existing)
    blank = sum(not any(cell.strip() for cell in row) for row in rows)
    assert len(report.accepted) + len(report.rejected) + report.blank_rows == len(rows)
    assert report.blank_rows == blank
    lines = [c.line for c in report.accepted] + [r.line for r in report.rejected]
    assert len(set(lines)) == len(lines)
    assert all(2 <= line <= len(rows) + 1 for line in lines)
    phones = [c.phone for c in report.accepted]
    assert len(set(phones)) == len(phones)
    assert not set(phones) & set(existing)
    assert all(phone.startswith("+") and phone[1:].isdigit() for phone in phones)
