"""Follow-up visits (回访) without Asterisk: a lead assigns closed cases
(by filter, by sample), the agent calls (the contact center's click-to-dial)
and records the answer or "not reached"; a dissatisfied case reopens;
satisfaction follows METRICS.md (satisfied ÷ reached, not reached apart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hotline.cases import follow_ups, services
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotAllowed
from hotline.models import AuditEntry
from hotline.models_cases import Case, FollowUp
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient, create_user


async def _actor(username: str) -> Actor:
    return Actor(username, "127.0.0.1", await home_tenant_id())


async def _closed_case(category: str = "投诉", department: str = "billing") -> dict[str, Any]:
    tenant = await home_tenant_id()
    case = await services.create_case(
        tenant,
        await _actor("agent1001"),
        {
            "category": category,
            "subject": "Leak",
            "caller_number": "+8613800000010",
            "department": department,
        },
    )
    await services.act(
        tenant, await _actor(department), case["id"], {"action": "reply", "note": "ok"}
    )
    return await services.act(tenant, await _actor("supervisor"), case["id"], {"action": "close"})


async def test_given_closed_cases_then_a_lead_assigns_and_the_agent_records_each_answer(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    billing_case = await _closed_case()
    await _closed_case(department="supply")
    with pytest.raises(NotAllowed):
        await follow_ups.assign(tenant, await _actor("agent1002"), {"assignee": "agent1001"})
    lead = await _actor("supervisor")
    assert (
        await follow_ups.assign(tenant, lead, {"assignee": "agent1001", "department": "billing"})
        == 1
    )
    assert (
        await follow_ups.assign(tenant, lead, {"assignee": "agent1001", "department": "billing"})
        == 0
    )
    (visit,) = await follow_ups.listed(tenant, "agent1001")
    assert visit["number"] == billing_case["number"] and visit["state"] == "pending"

    agent = await _actor("agent1001")
    with pytest.raises(InvalidRequest) as refused:
        await follow_ups.record(tenant, agent, visit["id"], {"outcome": "meh"})
    assert refused.value.details == {"field": "outcome"}
    done = await follow_ups.record(
        tenant, agent, visit["id"], {"outcome": "satisfied", "solved": "1", "note": "thanks"}
    )
    assert (done["state"], done["satisfaction"], done["solved"]) == ("reached", "satisfied", True)
    with pytest.raises(InvalidRequest):
        await follow_ups.record(tenant, agent, visit["id"], {"outcome": "dissatisfied"})
    now = datetime.now(UTC)
    figures = await follow_ups.satisfaction(
        tenant, now - timedelta(hours=1), now + timedelta(hours=1)
    )
    assert figures["billing"] == {
        "reached": 1,
        "satisfied": 1,
        "not_reached": 0,
        "satisfaction_pct": 100.0,
    }
    assert await AuditEntry.filter(action="follow_up_recorded").exists()


async def test_given_not_reached_three_times_then_it_is_given_up_and_counted_apart(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    await _closed_case()
    await follow_ups.assign(tenant, await _actor("supervisor"), {"assignee": "agent1001"})
    row = await FollowUp.get()
    agent = await _actor("agent1001")
    with pytest.raises(InvalidRequest) as refused:
        await follow_ups.record(tenant, agent, row.id, {"outcome": "not_reached", "reason": "?"})
    assert refused.value.details == {"field": "reason"}
    for attempt in range(1, 4):
        await follow_ups.called(tenant, row.id, agent, 0)
        done = await follow_ups.record(
            tenant, agent, row.id, {"outcome": "not_reached", "reason": "no_answer"}
        )
        assert done["state"] == ("given_up" if attempt == 3 else "not_reached")
    now = datetime.now(UTC)
    figures = await follow_ups.satisfaction(
        tenant, now - timedelta(hours=1), now + timedelta(hours=1)
    )
    # Nobody reached: "–", and the one not reached on its own.
    assert figures["all"]["satisfaction_pct"] is None and figures["all"]["not_reached"] == 1


async def test_given_a_dissatisfied_citizen_then_the_case_can_be_reopened(ui: UiClient) -> None:
    tenant = await home_tenant_id()
    case = await _closed_case()
    await follow_ups.assign(tenant, await _actor("supervisor"), {"assignee": "agent1001"})
    row = await FollowUp.get()
    await follow_ups.record(
        tenant,
        await _actor("agent1001"),
        row.id,
        {"outcome": "dissatisfied", "reopen": "1", "note": "still leaking"},
    )
    assert (await Case.get(id=case["id"])).status == "registered"


async def test_given_the_page_then_the_agent_calls_and_records_from_it(ui: UiClient) -> None:
    tenant = await home_tenant_id()
    await _closed_case()
    await create_user("lead", "supervisor")
    from hotline.models_cases import DepartmentMember

    await DepartmentMember.create(
        tenant_id=tenant, username="lead", department_code="centre", lead=True
    )
    await ui.login("lead")
    assigned = await ui.post("/cases/follow-ups/assign", {"assignee": "lead", "sample": "1"})
    assert assigned.status_code == 303
    page = await ui.get("/cases/follow-ups")
    assert ui.last.template == "cases/follow_ups.html" and len(ui.last.context["mine"]) == 1
    visit = ui.last.context["mine"][0]
    # The lead has no phone: the call is refused naming the field.
    refused = await ui.post(f"/cases/follow-ups/{visit['id']}/call", {})
    assert refused.status_code == 422 and ui.last.context["error_field"] == "agent"
    saved = await ui.post(
        f"/cases/follow-ups/{visit['id']}/result", {"outcome": "basically_satisfied"}
    )
    assert saved.status_code == 303 and page.status_code == 200
    assert (await FollowUp.get()).satisfaction == "basically_satisfied"
