"""The customer pages, the desk's customer and /api/v1/customers without
Asterisk: masking per role, account details behind the identity check,
who may change what (audited with user and address), import and export,
and the case intake that links the caller's record."""

from __future__ import annotations

from datetime import UTC, datetime

from hotline import calls
from hotline.customers import core, reading
from hotline.models import AuditEntry, CallRecord, User
from hotline.models_cases import Case
from hotline.models_customers import Customer
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported
from tests.unit.ui_support import UiClient

DEMO_VIP = "13800138000"
DEMO_VIP_ID = "110101199003071234"


async def _vip() -> Customer:
    return await Customer.get(tenant_id=await home_tenant_id(), account_number="SH-100234")


async def test_given_an_agent_then_the_list_shows_numbers_masked_and_an_administrator_whole(
    ui: UiClient,
) -> None:
    await ui.login("agent")
    page = await ui.get("/customers")
    assert page.status_code == 200 and ui.last.template == "customers/list.html"
    assert "138****8000" in page.text and DEMO_VIP not in page.text
    standings = {row["name"]: row["standing"] for row in ui.last.context["rows"]}
    assert standings == {
        "张伟 Zhang Wei": "vip",
        "李娜 Li Na": "blacklist",
        "王强 Wang Qiang": "nuisance",
        "陈静 Chen Jing": "known",
    }
    assert 'href="/customers/new"' not in page.text  # agents only look records up

    await ui.login("administrator")
    page = await ui.get("/customers?q=8000")
    assert DEMO_VIP in page.text and [r["name"] for r in ui.last.context["rows"]] == [
        "张伟 Zhang Wei"
    ]
    found = await ui.get("/customers?mark=blacklist", headers={"HX-Request": "true"})
    assert ui.last.template == "customers/_table.html"
    assert found.text.lstrip().startswith('<div id="customer-list"')
    assert [r["name"] for r in ui.last.context["rows"]] == ["李娜 Li Na"]


async def test_given_an_agent_outside_a_call_then_the_record_says_identity_not_checked(
    ui: UiClient,
) -> None:
    vip = await _vip()
    await ui.login("agent")
    page = await ui.get(f"/customers/{vip.id}")
    assert page.status_code == 200 and ui.last.template == "customers/detail.html"
    assert ui.last.context["customer"]["account"] is None
    assert 'data-testid="customer-identity-not-checked"' in page.text
    assert "SH-100234" not in page.text and "1101**" not in page.text

    tenant = vip.tenant_id
    await calls.open_record(
        "c-ok", did="8000", caller_id=DEMO_VIP, tenant_id=tenant, flow_version_id=None
    )
    checked = await reading.check_caller(tenant, DEMO_VIP, core.ACCOUNT_NUMBER, "100234")
    await calls.add_event("c-ok", reading.LOOKUP_KIND, **checked.timeline(core.ACCOUNT_NUMBER))
    page = await ui.get(f"/customers/{vip.id}?call_id=c-ok")
    assert 'data-identity="matched"' in page.text
    assert "SH-100234" in page.text and "1101**********1234" in page.text
    assert DEMO_VIP_ID not in page.text


async def test_given_a_supervisor_then_they_create_mark_and_import_and_each_change_is_audited(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    refused = await ui.post("/customers", {"name": "Wu", "numbers": "12"})
    assert refused.status_code == 422 and ui.last.context["error_field"] == "phone"
    assert 'value="Wu"' in refused.text  # the form keeps what was typed
    created = await ui.post(
        "/customers",
        {"name": "Wu Lei", "numbers": "13312345678\n010 6666 1234", "account_number": "SH-9"},
    )
    assert created.status_code == 303
    customer = await Customer.get(account_number="SH-9")
    assert created.headers["location"] == f"/customers/{customer.id}"
    marked = await ui.post(
        f"/customers/{customer.id}/marks", {"kind": "vip", "reason": "Council", "expires_at": ""}
    )
    assert marked.status_code == 303
    taken = await ui.post(f"/customers/{customer.id}/numbers", {"number": DEMO_VIP})
    assert taken.status_code == 422 and "138****8000" in taken.text

    listed = b"name,phone,mark,mark_reason\nGood,13212345678,,\nBad,99,,\n,13112345678,gold,\n"
    imported = await ui.client.post(
        "/customers/import",
        data={"csrf_token": ui.csrf},
        files={"file": ("list.csv", listed, "text/csv")},
    )
    assert imported.status_code == 200 and ui.last.template == "customers/import.html"
    report = ui.last.context["report"]
    assert (report["created"], [r["line"] for r in report["rejected"]]) == (1, [3, 4])
    assert [p["field"] for p in report["rejected"][1]["problems"]] == [
        "name",
        "mark",
        "mark_reason",
    ]
    assert 'data-line="4" data-field="mark_reason"' in imported.text

    actions = [
        (e.action, e.username, e.ip)
        for e in await AuditEntry.filter(object_type="customer").order_by("id")
    ]
    assert [a for a, _, _ in actions] == [
        "customer_created",
        "customer_mark_added",
        "customers_imported",
    ]
    assert {(user, ip) for _, user, ip in actions} == {("supervisor", "127.0.0.1")}


async def test_given_an_export_then_numbers_are_masked_unless_the_role_sees_them_whole(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    masked = await ui.get("/customers/export.csv")
    assert masked.status_code == 200 and masked.headers["content-type"].startswith("text/csv")
    text = masked.content.decode("utf-8-sig")
    assert "138****8000" in text and DEMO_VIP not in text and "1101**********1234" in text
    await ui.login("administrator")
    whole = await ui.get("/customers/export.xlsx")
    assert whole.content.startswith(b"PK")
    assert (await ui.get("/customers/export.csv")).content.decode("utf-8-sig").count(DEMO_VIP) == 1
    await ui.login("agent")
    assert (await ui.get("/customers/export.csv")).status_code == 403


async def test_given_a_vip_calling_then_the_desk_pops_their_record_masked(ui: UiClient) -> None:
    vip = await _vip()
    ui.center.agents["1001"] = {
        "extension": "1001",
        "state": "ringing",
        "registered": True,
        "offered_call_id": "pop-1",
        "connected_call_id": None,
    }
    ui.center.call_contexts["pop-1"] = {
        "call_id": "pop-1",
        "caller_id": DEMO_VIP,
        "variables": {"caller_id": DEMO_VIP},
    }
    await CallRecord.create(
        call_id="pop-1", tenant_id=vip.tenant_id, caller_id=DEMO_VIP, started_at=datetime.now(UTC)
    )
    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("agent")
    page = await ui.get("/desk")
    assert page.status_code == 200
    shown = ui.last.context["pop_customer"]
    assert (shown["id"], shown["standing"], shown["identity"], shown["account"]) == (
        vip.id,
        "vip",
        "not_checked",
        None,
    )
    assert 'data-testid="pop-customer"' in page.text and 'data-kind="vip"' in page.text
    assert "138****8000" in page.text and "SH-100234" not in page.text

    checked = await reading.check_caller(vip.tenant_id, DEMO_VIP, core.ID_LAST4, "1234")
    await calls.add_event("pop-1", reading.LOOKUP_KIND, **checked.timeline(core.ID_LAST4))
    page = await ui.get("/desk")
    assert 'data-testid="pop-customer-account"' in page.text and "SH-100234" in page.text

    # One click to a case: the intake names the customer, and the case links them.
    intake = await ui.get("/cases/new?call_id=pop-1")
    assert ui.last.context["customer"]["id"] == vip.id
    assert 'data-testid="case-customer"' in intake.text
    assert ui.last.context["form"]["caller_name"] == "张伟 Zhang Wei"
    created = await ui.post(
        "/cases",
        {"category": "咨询", "caller_number": DEMO_VIP, "subject": "Bill", "call_id": "pop-1"},
    )
    assert created.status_code == 303
    assert (await Case.get(call_id="pop-1")).customer_id == vip.id


# -- the API ---------------------------------------------------------------------------------


async def test_given_tokens_then_numbers_are_masked_unless_the_role_has_customer_pii(
    api: Api,
) -> None:
    vip = await _vip()
    auditor = (await api.get(f"/customers/{vip.id}", "auditor")).json()
    assert [n["number"] for n in auditor["numbers"]] == ["138****8000", "010****9988"]
    assert auditor["account"] is None  # outside a call, only those who edit customers
    admin = (await api.get(f"/customers/{vip.id}")).json()
    assert [n["number"] for n in admin["numbers"]] == [DEMO_VIP, "01065529988"]
    assert admin["account"]["id_number"] == DEMO_VIP_ID
    assert [m["kind"] for m in admin["marks"]] == ["vip"]

    lookup = (await api.get("/customers/lookup?number=%2B8613800138000", "supervisor")).json()
    assert (lookup["standing"], lookup["customer"]["id"]) == ("vip", vip.id)
    assert lookup["customer"]["numbers"][0]["number"] == "138****8000"
    stranger = (await api.get("/customers/lookup?number=13312340000", "auditor")).json()
    assert stranger == {"customer": None, "standing": "unknown"}
    listed = (await api.get("/customers?mark=nuisance", "auditor")).json()
    assert [c["name"] for c in listed] == ["王强 Wang Qiang"]


async def test_given_an_administrator_token_then_it_creates_and_imports_audited(api: Api) -> None:
    created = await api.send(
        "POST",
        "/customers",
        body={
            "name": "Api customer",
            "numbers": ["13312345678"],
            "marks": [{"kind": "blacklist", "reason": "fraud", "expires_at": "2099-01-01"}],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["standing"], body["numbers"][0]["number"]) == ("blacklist", "13312345678")
    duplicate = await api.send(
        "POST", "/customers", body={"name": "Again", "numbers": ["+8613312345678"]}
    )
    assert duplicate.status_code == 409 and duplicate.json()["details"]["field"] == "phone"

    boundary = "b0undary"
    content = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\n'
        "name,phone\r\nOne,13212345678\r\nTwo,nope\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
    imported = await api.client.post(
        "/api/v1/customers/import",
        content=content,
        headers={
            **api.auth("administrator"),
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["created"] == 1 and [r["line"] for r in report["rejected"]] == [3]
    entries = await AuditEntry.filter(object_type="customer").order_by("id")
    assert [(e.action, e.source) for e in entries] == [
        ("customer_created", "api"),
        ("customers_imported", "api"),
    ]
