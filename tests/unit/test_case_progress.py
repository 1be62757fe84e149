"""Complex complaints (复杂投诉) on a database, without Asterisk: the centre
marks one, the holding department owes a progress reply (阶段性答复) every
day, each reply reaches the caller by SMS and restarts the day, and a day
without one tells the holders, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hotline.cases import escalation, services
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotAllowed
from hotline.models import AuditEntry
from hotline.models_cases import Case, CaseAction, CaseMessage, CaseNotice
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient, create_user

COMPLAINT: dict[str, Any] = {
    "category": "投诉",
    "caller_number": "13800000020",
    "subject": "Low pressure in the whole estate for a week",
    "source": "phone",
}


async def _act(case_id: int, username: str, **data: Any) -> dict[str, Any]:
    actor = Actor(username, "127.0.0.1", await home_tenant_id())
    return await services.act(await home_tenant_id(), actor, case_id, data)


async def _complex_with_billing() -> dict[str, Any]:
    actor = Actor("agent1001", "127.0.0.1", await home_tenant_id())
    case = await services.create_case(await home_tenant_id(), actor, COMPLAINT)
    await _act(case["id"], "supervisor", action="mark_complex", note="many households")
    return await _act(case["id"], "agent1001", action="dispatch", department="billing")


async def test_given_a_complex_complaint_then_each_progress_reply_tells_the_caller_and_restarts(
    ui: UiClient,
) -> None:
    before = datetime.now(UTC)
    case = await _complex_with_billing()
    assert case["complex"] is True and case["progress_overdue"] is False
    first_due = datetime.fromisoformat(case["progress_due"])
    assert timedelta(hours=24) <= first_due - before < timedelta(hours=24, minutes=1)

    reported = await _act(case["id"], "billing", action="progress", note="新管道已订购，周五更换")
    assert reported["status"] == "handling" and reported["holders"] == ["billing"]
    assert datetime.fromisoformat(reported["progress_due"]) >= first_due
    message = await CaseMessage.get(event="case_progress", channel="sms")
    assert message.to == "13800000020"
    assert reported["number"] in message.text and "新管道已订购，周五更换" in message.text
    assert reported["history"][-1]["action"] == "progress"
    # The centre hears of it.
    assert await CaseNotice.filter(kind="progress", username="supervisor").exists()
    assert await AuditEntry.filter(action="case_progress", username="billing").exists()

    replied = await _act(case["id"], "billing", action="reply", note="replaced", result="solved")
    assert (replied["status"], replied["progress_due"]) == ("reviewing", None)


async def test_given_a_day_without_a_progress_reply_then_the_holders_are_told_once(
    ui: UiClient,
) -> None:
    case = await _complex_with_billing()
    due = datetime.fromisoformat(case["progress_due"])
    assert await escalation.chase_progress(due - timedelta(minutes=1)) == 0
    late = due + timedelta(minutes=1)
    assert await escalation.chase_progress(late) == 1
    assert await escalation.chase_progress(late) == 0  # told once
    assert await CaseNotice.filter(username="billing", kind="progress_due").count() == 1
    row = await CaseAction.filter(case_id=case["id"]).order_by("-id").first()
    assert row is not None and (row.action, row.username, row.targets) == (
        "progress_due",
        "hotline",
        ["billing"],
    )

    # A progress reply starts the next day, and the next late day is told again.
    await _act(case["id"], "billing", action="progress", note="digging tomorrow")
    stored = await Case.get(id=case["id"])
    assert stored.progress_told is False and stored.progress_due is not None
    assert await escalation.chase_progress(stored.progress_due + timedelta(minutes=1)) == 1


async def test_an_ordinary_complaint_owes_no_daily_progress_reply(ui: UiClient) -> None:
    actor = Actor("agent1001", "127.0.0.1", await home_tenant_id())
    case = await services.create_case(await home_tenant_id(), actor, COMPLAINT)
    handled = await _act(case["id"], "agent1001", action="dispatch", department="billing")
    assert (handled["complex"], handled["progress_due"]) == (False, None)
    assert await escalation.chase_progress(datetime.now(UTC) + timedelta(days=3)) == 0
    # A department may still report progress; the caller is told.
    await _act(case["id"], "billing", action="progress", note="ordered")
    assert await CaseMessage.filter(event="case_progress").exists()


async def test_only_the_centre_marks_complex_and_only_the_holder_reports_progress(
    ui: UiClient,
) -> None:
    case = await _complex_with_billing()
    # Billing passes it on: it still sees the case, but no longer holds it.
    await _act(case["id"], "billing", action="transfer", department="supply")
    with pytest.raises(NotAllowed):
        await _act(case["id"], "billing", action="progress", note="not ours any more")
    assert (await _act(case["id"], "supply", action="progress", note="ours"))["complex"]
    actor = Actor("agent1001", "127.0.0.1", await home_tenant_id())
    other = await services.create_case(await home_tenant_id(), actor, COMPLAINT)
    await _act(other["id"], "agent1001", action="dispatch", department="billing")
    with pytest.raises(NotAllowed):
        await _act(other["id"], "billing", action="mark_complex")
    enquiry = await services.create_case(
        await home_tenant_id(), actor, {**COMPLAINT, "category": "咨询"}
    )
    with pytest.raises(InvalidRequest) as refused:
        await _act(enquiry["id"], "supervisor", action="mark_complex")
    assert refused.value.details == {"field": "category"}


async def test_given_the_pages_then_billing_sees_the_complex_case_on_its_workbench_when_late(
    ui: UiClient,
) -> None:
    await create_user("billing", "case handler")
    case = await _complex_with_billing()
    await Case.filter(id=case["id"]).update(progress_due=datetime.now(UTC) - timedelta(hours=1))
    await ui.login("billing")
    work = await ui.get("/cases")
    assert work.status_code == 200
    assert [c["id"] for c in ui.last.context["lists"]["progress_late"]] == [case["id"]]
    page = await ui.get(f"/cases/{case['id']}")
    assert 'data-testid="case-complex"' in page.text
    assert 'data-testid="case-progress-late"' in page.text
    assert 'value="progress"' in page.text
