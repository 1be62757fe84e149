"""Customer records on a database: matching by any of several numbers, the
history of calls and cases, account details behind the identity check,
changes audited with user and address, import (CSV and XLSX: bad rows by
line and field, good rows kept) and export (formulas made inert, masked)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from hotline import calls
from hotline.cases import services as cases
from hotline.center import Actor
from hotline.customers import core, files, reading, services
from hotline.customers.store import Viewer
from hotline.errors import Conflict, InvalidRequest
from hotline.metrics import export
from hotline.models import AuditEntry, CallRecord
from hotline.models_cases import Case
from hotline.models_customers import Customer, CustomerMark, CustomerNumber
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id

ZONE = ZoneInfo("Asia/Shanghai")
MASKED = Viewer(reveal=False)
WHOLE = Viewer(reveal=True, maintains=True)


async def _actor() -> Actor:
    tenant = await home_tenant_id()
    return Actor("supervisor", "10.1.2.3", tenant)


async def _customer(**extra: Any) -> Customer:
    actor = await _actor()
    data = {
        "name": "周敏 Zhou Min",
        "numbers": ["+86 135 1234 5678", "010-8888 1234"],
        "account_number": "SH-200001",
        "id_number": "110101198001011234",
        **extra,
    }
    return await services.create(actor.tenant_id or 0, actor, data, zone=ZONE)


async def test_given_a_customer_with_several_numbers_then_any_of_them_in_any_form_finds_them(
    seeded: Settings,
) -> None:
    customer = await _customer()
    tenant = customer.tenant_id
    for caller_id in ("13512345678", "+8613512345678", "008613512345678", "01088881234"):
        found = await reading.for_caller(tenant, caller_id)
        assert found is not None and found.id == customer.id, caller_id
    assert await reading.for_caller(tenant, "13512345679") is None
    looked_up = await reading.lookup(tenant, "13512345678", MASKED)
    assert looked_up["standing"] == core.KNOWN
    assert [n["number"] for n in looked_up["customer"]["numbers"]] == [
        "135****5678",
        "010****1234",
    ]


async def test_given_a_number_of_another_customer_then_it_is_refused(seeded: Settings) -> None:
    await _customer()
    with pytest.raises(Conflict) as refused:
        await _customer(name="Someone else", numbers=["13512345678"], account_number="")
    assert refused.value.details["field"] == "phone"
    assert "5678" in refused.value.message and "13512345678" not in refused.value.message


async def test_given_fields_that_break_the_rules_then_the_field_is_named(seeded: Settings) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await _customer(name="", email="not-an-address")
    assert refused.value.details["field"] == "name"
    fields = [p["field"] for p in refused.value.details["problems"]]
    assert fields == ["name", "email"]


async def test_given_changes_then_each_is_audited_with_user_and_address(
    seeded: Settings,
) -> None:
    actor = await _actor()
    tenant = actor.tenant_id or 0
    customer = await _customer()
    added = await services.add_number(tenant, actor, customer.id, "13712345678", "mobile")
    await services.remove_number(tenant, actor, customer.id, added.id)
    mark = await services.add_mark(
        tenant, actor, customer.id, {"kind": "nuisance", "reason": "silent calls"}, zone=ZONE
    )
    await services.revoke_mark(tenant, actor, customer.id, mark.id)
    await services.update(
        tenant,
        actor,
        customer.id,
        {"name": "周敏", "account_number": "SH-200001", "id_number": ""},
        zone=ZONE,
        viewer=MASKED,
    )
    entries = await AuditEntry.filter(object_type="customer").order_by("id")
    assert [e.action for e in entries] == [
        "customer_created",
        "customer_number_added",
        "customer_number_removed",
        "customer_mark_added",
        "customer_mark_revoked",
        "customer_updated",
    ]
    assert {(e.username, e.ip, e.object_id) for e in entries} == {
        ("supervisor", "10.1.2.3", str(customer.id))
    }
    # The audit log shows numbers masked, like everyone without customer_pii.
    assert entries[1].after == {"number": "137****5678", "label": "mobile"}
    assert entries[-1].after == {"changed": ["name"]}
    # Left empty by someone who saw it masked: the ID number is kept.
    assert (await Customer.get(id=customer.id)).id_number == "110101198001011234"


async def test_given_a_mark_in_the_past_or_of_no_kind_then_it_is_refused(seeded: Settings) -> None:
    customer = await _customer()
    actor = await _actor()
    yesterday = (datetime.now(ZONE) - timedelta(days=2)).date().isoformat()
    with pytest.raises(InvalidRequest) as refused:
        await services.add_mark(
            customer.tenant_id,
            actor,
            customer.id,
            {"kind": "gold", "reason": "", "expires_at": yesterday},
            zone=ZONE,
        )
    assert [p["field"] for p in refused.value.details["problems"]] == [
        "mark",
        "mark_reason",
        "mark_expires",
    ]


async def test_given_calls_and_cases_then_the_record_shows_its_history(seeded: Settings) -> None:
    customer = await _customer()
    tenant = customer.tenant_id
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for n, caller_id in enumerate(("13512345678", "+861088881234", "5550100")):
        await CallRecord.create(
            call_id=f"h{n}", tenant_id=tenant, caller_id=caller_id, started_at=start
        )
    actor = Actor("agent1001", "10.0.0.1", tenant)
    case = await cases.create_case(
        tenant, actor, {"category": "投诉", "subject": "Bill", "caller_number": "13512345678"}
    )
    assert (await Case.get(id=case["id"])).customer_id == customer.id
    assert case["customer_id"] == customer.id and case["caller_name"] == customer.name
    record = await reading.detail(tenant, customer.id, MASKED)
    assert sorted(c["call_id"] for c in record["calls"]) == ["h0", "h1"]
    assert {c["caller_id"] for c in record["calls"]} == {"135****5678", "010****1234"}
    assert [c["number"] for c in record["cases"]] == [case["number"]]


async def test_given_a_call_whose_identity_check_matched_then_its_account_details_show(
    seeded: Settings,
) -> None:
    customer = await _customer()
    tenant = customer.tenant_id
    await calls.open_record(
        "ok", did="8000", caller_id="13512345678", tenant_id=tenant, flow_version_id=None
    )
    await calls.open_record(
        "bad", did="8000", caller_id="13512345678", tenant_id=tenant, flow_version_id=None
    )
    checked = await reading.check_caller(tenant, "13512345678", core.ACCOUNT_NUMBER, "200001")
    wrong = await reading.check_caller(tenant, "13512345678", core.ACCOUNT_NUMBER, "999")
    assert (checked.identity, wrong.identity) == (core.MATCHED, core.FAILED)
    await calls.add_event("ok", reading.LOOKUP_KIND, **checked.timeline(core.ACCOUNT_NUMBER))
    await calls.add_event("bad", reading.LOOKUP_KIND, **wrong.timeline(core.ACCOUNT_NUMBER))

    on_call = await reading.detail(tenant, customer.id, MASKED, call_id="ok")
    assert on_call["identity"] == core.MATCHED
    assert on_call["account"]["account_number"] == "SH-200001"
    assert on_call["account"]["id_number"] == "1101**********1234"
    failed = await reading.detail(tenant, customer.id, WHOLE, call_id="bad")
    assert (failed["identity"], failed["account"]) == (core.FAILED, None)
    # No call: only those who maintain the records see account details.
    assert (await reading.detail(tenant, customer.id, MASKED))["account"] is None
    assert (await reading.detail(tenant, customer.id, WHOLE))["account"]["id_number"] == (
        "110101198001011234"
    )


# -- import and export ----------------------------------------------------------------------

ROWS = [
    ["id", "name", "phone", "account_number", "mark", "mark_reason"],
    ["", "New one", "13312345678", "SH-300001", "vip", "council member"],
    ["", "By account", "13412345678", "SH-100871", "", ""],  # the demo's 李娜: updated
    ["", "Thief", "13800138000", "SH-300002", "", ""],  # the demo VIP's number
    ["", "", "13212345678", "", "", ""],  # no name
    ["9999", "Unknown id", "13112345678", "", "", ""],
]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_given_an_import_then_bad_rows_are_reported_by_line_and_field_and_good_rows_kept(
    seeded: Settings, kind: str
) -> None:
    actor = await _actor()
    tenant = actor.tenant_id or 0
    data = _csv(ROWS) if kind == "csv" else _xlsx(ROWS)
    report = await files.import_file(tenant, actor, data, f"list.{kind}", zone=ZONE)
    assert (report["created"], report["updated"]) == (1, 1)
    assert report["rejected"] == [
        {"line": 4, "problems": [{"field": "phone", "reason": "138****8000 is customer 1's"}]},
        {"line": 5, "problems": [{"field": "name", "reason": "required"}]},
        {"line": 6, "problems": [{"field": "id", "reason": "no customer 9999"}]},
    ]
    created = await Customer.get(tenant_id=tenant, account_number="SH-300001")
    assert await CustomerMark.filter(customer=created, kind="vip").exists()
    updated = await Customer.get(tenant_id=tenant, account_number="SH-100871")
    numbers = {n.number for n in await CustomerNumber.filter(customer=updated)}
    assert (updated.name, numbers) == ("By account", {"+8613900139000", "+8613412345678"})
    (entry,) = await AuditEntry.filter(action="customers_imported")
    assert (entry.username, entry.ip, entry.after) == (
        "supervisor",
        "10.1.2.3",
        {"created": 1, "updated": 1, "rejected": 3},
    )


async def test_given_an_export_then_it_reads_back_and_formulas_are_inert(seeded: Settings) -> None:
    actor = await _actor()
    tenant = actor.tenant_id or 0
    await _customer(name='=HYPERLINK("http://evil","x")', notes="@SUM(1)")
    rows = await files.export_rows(tenant, actor, WHOLE, ZONE, "csv")
    text = b"".join(export.csv_chunks(rows, files.EXPORT_COLUMNS)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert "13512345678; 01088881234" in text
    book = openpyxl.load_workbook(
        io.BytesIO(export.xlsx_bytes(rows, files.EXPORT_COLUMNS, sheet="customers"))
    )
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil","x")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    vip = next(row for row in rows if row["account_number"] == "SH-100234")
    assert (vip["mark"], vip["mark_reason"]) == ("vip", "Home dialysis: water supply is critical")
    # What went out comes back in as the same customers: nothing new.
    report = await files.import_file(
        tenant, actor, text.encode("utf-8"), "customers.csv", zone=ZONE
    )
    assert (report["created"], report["rejected"]) == (0, [])
    masked = await files.export_rows(tenant, actor, MASKED, ZONE, "xlsx")
    assert "13800138000" not in str(masked) and "138****8000" in str(masked)
    exported = await AuditEntry.filter(action="customers_exported").order_by("id")
    assert [e.after["whole_numbers"] for e in exported] == [True, False]
