"""The case pages without Asterisk: intake from the form (prefilled from a
live call), dispatch, the department's workbench and notices, its reply,
the centre's close, refusals that name the field, and who may."""

from __future__ import annotations

from hotline.models import AuditEntry
from hotline.models_cases import Case, CaseAction, CaseNotice
from tests.unit.ui_support import UiClient, create_user

INTAKE = {
    "category": "投诉",
    "caller_number": "+8613800000010",
    "subject": "No water since morning",
    "description": "Whole building.",
    "source": "phone",
    "urgency": "urgent",
}


async def test_given_a_live_call_then_the_intake_form_is_prefilled_with_its_caller_and_keys(
    ui: UiClient,
) -> None:
    ui.center.call_contexts["call-1"] = {
        "caller_id": "+8613800000010",
        "variables": {"caller_id": "+8613800000010", "meter": "123456"},
    }
    await ui.login("agent")
    page = await ui.get("/cases/new?call_id=call-1")
    assert page.status_code == 200 and ui.last.template == "cases/new.html"
    assert ui.last.context["form"]["caller_number"] == "+8613800000010"
    assert ui.last.context["ivr_data"] == {"meter": "123456"}
    assert 'name="ivr.meter" value="123456"' in page.text


async def test_given_a_case_taken_in_and_dispatched_then_billing_replies_and_the_centre_closes(
    ui: UiClient,
) -> None:
    await create_user("billing", "case handler")
    await ui.login("agent")
    created = await ui.post(
        "/cases", {**INTAKE, "department": "billing", "ivr.meter": "123456", "call_id": "c-9"}
    )
    assert created.status_code == 303
    case = await Case.get()
    assert created.headers["location"] == f"/cases/{case.id}"
    assert (case.status, case.awaiting, case.ivr_data) == (
        "handling",
        ["billing"],
        {"meter": "123456"},
    )
    page = await ui.get(f"/cases/{case.id}")
    assert ui.last.template == "cases/detail.html"
    assert ui.last.context["graph"].lanes[1] == "营业部"
    assert 'data-testid="case-path"' in page.text

    await ui.login("billing")
    work = await ui.get("/cases")
    assert work.status_code == 200
    assert [c["number"] for c in ui.last.context["lists"]["waiting"]] == [case.number]
    panel = await ui.get("/cases/notices")
    assert ui.last.template == "cases/_notices.html" and ui.last.context["unread"] == 1
    notice = await CaseNotice.get(username="billing")
    opened = await ui.get(f"/cases/notices/{notice.id}")
    assert opened.headers["location"] == f"/cases/{case.id}"
    assert (await CaseNotice.get(id=notice.id)).read_at is not None
    assert panel.status_code == 200

    replied = await ui.post(
        f"/cases/{case.id}/actions", {"action": "reply", "note": "pressure restored"}
    )
    assert replied.status_code == 303
    refused = await ui.post(f"/cases/{case.id}/actions", {"action": "close"})
    assert refused.status_code == 403 and ui.last.context["error_field"] == "action"

    await ui.login("supervisor")
    closed = await ui.post(f"/cases/{case.id}/actions", {"action": "close", "note": "ok"})
    assert closed.status_code == 303
    assert (await Case.get()).status == "closed"
    actions = {a.action for a in await AuditEntry.filter(object_type="case")}
    assert {"case_created", "case_dispatch", "case_reply", "case_close"} <= actions


async def test_given_a_bad_intake_then_the_form_comes_back_naming_the_field(ui: UiClient) -> None:
    await ui.login("agent")
    page = await ui.post("/cases", {**INTAKE, "subject": ""})
    assert page.status_code == 422
    assert ui.last.context["error_field"] == "subject"
    assert ui.last.context["form"]["caller_number"] == INTAKE["caller_number"]
    assert not await Case.exists()


async def test_given_a_refused_action_then_the_case_page_names_the_field(ui: UiClient) -> None:
    await ui.login("agent")
    await ui.post("/cases", {**INTAKE, "department": "billing"})
    case = await Case.get()
    page = await ui.post(f"/cases/{case.id}/actions", {"action": "reopen"})
    assert page.status_code == 422 and ui.last.context["error_field"] == "action"


async def test_given_an_auditor_then_cases_are_readable_but_not_writable(ui: UiClient) -> None:
    await ui.login("auditor")
    assert (await ui.get("/cases")).status_code == 200
    assert (await ui.get("/cases/new")).status_code == 403
    assert (await ui.post("/cases", INTAKE)).status_code == 403


async def test_given_a_lead_then_an_announcement_reaches_everyone_and_opens_the_cases(
    ui: UiClient,
) -> None:
    from hotline.models_cases import DepartmentMember

    await create_user("lead", "supervisor")
    tenant = (await Case.all().count(), None)[1]  # no case needed
    assert tenant is None
    home = await DepartmentMember.first()
    assert home is not None
    await DepartmentMember.create(
        tenant_id=home.tenant_id, username="lead", department_code="centre", lead=True
    )
    await ui.login("agent")
    refused = await ui.post("/cases/announcements", {"text": "Fee waiver today", "audience": "all"})
    assert refused.status_code == 400
    await ui.login("lead")
    sent = await ui.post("/cases/announcements", {"text": "Fee waiver today", "audience": "all"})
    assert sent.status_code == 303
    rows = await CaseNotice.filter(kind="announcement")
    assert "billing" in {r.username for r in rows} and "agent" in {r.username for r in rows}
    to_billing = await ui.post(
        "/cases/announcements", {"text": "Billing meeting at 3", "audience": "billing"}
    )
    assert to_billing.status_code == 303
    assert {r.username for r in await CaseNotice.filter(text="Billing meeting at 3")} == {"billing"}
    await ui.login("agent")
    notice = await CaseNotice.get(username="agent", kind="announcement")
    opened = await ui.get(f"/cases/notices/{notice.id}")
    assert opened.headers["location"] == "/cases"
    assert await AuditEntry.filter(action="announcement_sent").count() == 2
    # The lead sees who has read each announcement.
    await ui.login("lead")
    await ui.get("/cases")
    reads = {a["text"]: (a["read"], a["sent"]) for a in ui.last.context["announcements"]}
    everyone = await CaseNotice.filter(text="Fee waiver today").count()
    assert reads == {"Fee waiver today": (1, everyone), "Billing meeting at 3": (0, 1)}


async def test_given_a_supervisor_listening_then_an_urgent_note_shows_on_the_agents_desk(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    sent = await ui.post(
        "/wallboard/monitor/note", {"agent": "1001", "text": "Mention the fee waiver"}
    )
    assert sent.status_code == 200 and ui.last.context["monitor_error"] is None
    from hotline.models import User

    desk_users = {u.username for u in await User.filter(phone_extension="1001")}
    notes = await CaseNotice.filter(kind="urgent_note")
    assert desk_users and {n.username for n in notes} == desk_users
    assert all("Mention the fee waiver" in n.text for n in notes)
    bad = await ui.post("/wallboard/monitor/note", {"agent": "1001", "text": " "})
    assert ui.last.context["monitor_error"] and bad.status_code in (200, 400)
    assert await AuditEntry.filter(action="urgent_note_sent").count() == 1


async def test_given_files_with_an_action_then_they_are_on_its_history_row_and_read_audited(
    ui: UiClient,
) -> None:
    await create_user("billing", "case handler")
    await ui.login("agent")
    await ui.post("/cases", {**INTAKE, "department": "billing"})
    case = await Case.get()
    await ui.login("billing")
    photo = b"\x89PNG\r\n\x1a\n" + b"leak" * 100
    fake = b"MZ this is no PDF"

    refused = await ui.client.post(
        f"/cases/{case.id}/actions",
        data={"csrf_token": ui.csrf, "action": "reply", "note": "fixed"},
        files=[("attachments", ("reply.pdf", fake, "application/pdf"))],
    )
    assert refused.status_code == 422 and ui.last.context["error_field"] == "attachments"
    assert "reply.pdf" in ui.last.context["error"]
    assert not await CaseAction.filter(case=case, action="reply").exists()  # nothing kept

    replied = await ui.client.post(
        f"/cases/{case.id}/actions",
        data={"csrf_token": ui.csrf, "action": "reply", "note": "fixed"},
        files=[
            ("attachments", ("水管照片.png", photo, "image/png")),
            ("attachments", ("note.txt", "已修复".encode(), "text/plain")),
        ],
    )
    assert replied.status_code == 303
    page = await ui.get(f"/cases/{case.id}")
    (reply,) = [e for e in ui.last.context["case"]["history"] if e["action"] == "reply"]
    assert [f["filename"] for f in reply["attachments"]] == ["水管照片.png", "note.txt"]
    assert 'data-testid="case-attachment"' in page.text
    photo_id = reply["attachments"][0]["id"]
    got = await ui.get(f"/cases/{case.id}/attachments/{photo_id}")
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/png"
    assert await AuditEntry.filter(action="case_attachment_downloaded", username="billing").exists()
    # Supply was never given the case: its file is as missing as the case.
    await create_user("supply", "case handler")
    await ui.login("supply")
    assert (await ui.get(f"/cases/{case.id}/attachments/{photo_id}")).status_code == 404
