"""Tenant scoping of the queue, agent, pause reason and shift pages: a second
tenant's administrator neither sees nor changes the demo tenant's rows, and
what they create is their tenant's."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ari_apps.acd import queue_removal as queue_services
from ari_apps.ivr import services as flows
from hotline import seed
from hotline.models import Agent, AuditEntry, Flow, Queue, QueueMember, Tenant
from hotline.models_pause_reasons import PauseReason
from hotline.models_shifts import BusinessCalendar, ShiftException, ShiftPattern
from hotline.shifts import week as shift_services
from hotline.tenancy import home_tenant_id
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.test_ui_agents import agent_form
from tests.unit.test_ui_queues import queue_form
from tests.unit.test_ui_shifts import CALENDAR_FORM, WEEK
from tests.unit.ui_support import UiClient

pytestmark = pytest.mark.security

DEMO_QUEUE = seed.DEMO_QUEUE
DEMO_AGENTS = seed.DEMO_AGENTS


async def demo_state() -> dict[str, Any]:
    """Everything a foreign request must leave as it was."""
    return {
        "queues": await Queue.all().order_by("id").values(),
        "agents": await Agent.all().order_by("id").values(),
        "members": await QueueMember.all().order_by("id").values("queue_id", "agent_id"),
        "reasons": await PauseReason.all().order_by("id").values(),
        "patterns": await ShiftPattern.all().order_by("id").values(),
        "exceptions": await ShiftException.all().order_by("id").values(),
        "audit": await AuditEntry.all().count(),
    }


async def test_given_second_tenant_admin_when_listing_then_none_of_the_demo_rows(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    await ShiftPattern.create(
        agent=await Agent.get(extension=DEMO_AGENTS[0]), weekday=0, start_minute=480, end_minute=720
    )

    assert (await ui.get("/queues")).status_code == 200
    # The demo queue is live in the ACD, and still not theirs.
    assert DEMO_QUEUE in ui.center.queue_names()
    assert ui.last.context["rows"] == []

    response = await ui.get("/agents")
    assert response.status_code == 200
    assert ui.last.context["rows"] == [] and ui.last.context["pause_reasons"] == {}
    assert DEMO_AGENTS[0] not in response.text

    assert (await ui.get("/agents/pause-reasons")).status_code == 200
    assert ui.last.context["reasons"] == []

    assert (await ui.get(f"/shifts?week={WEEK}")).status_code == 200
    assert ui.last.context["week"].rows == []

    await ui.get("/queues/new")
    assert ui.last.context["agents"] == []
    await ui.get("/agents/new")
    assert ui.last.context["queues"] == []


async def test_given_second_tenant_admin_when_touching_the_demo_queue_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    before = await demo_state()

    assert (await ui.get(f"/queues/{DEMO_QUEUE}")).status_code == 404
    edit = queue_form(name=DEMO_QUEUE, overflow_kind="", overflow_target="", members=[])
    assert (await ui.post(f"/queues/{DEMO_QUEUE}", edit)).status_code == 404
    assert (await ui.post(f"/queues/{DEMO_QUEUE}/delete")).status_code == 404

    assert await demo_state() == before
    assert ui.center.reloads == 0


async def test_given_second_tenant_admin_when_touching_demo_agents_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    before = await demo_state()
    live_before = {ext: dict(status) for ext, status in ui.center.agents.items()}

    for extension in DEMO_AGENTS:
        assert (await ui.get(f"/agents/{extension}")).status_code == 404
        form = agent_form(extension=extension, name="taken over", queues=[])
        assert (await ui.post(f"/agents/{extension}", form)).status_code == 404
        assert (await ui.post(f"/agents/{extension}/password")).status_code == 404
        for action in ("login", "logout", "pause", "ready"):
            response = await ui.post(f"/agents/{extension}/actions", {"action": action})
            assert response.status_code == 404

    assert await demo_state() == before
    assert ui.center.actions == [] and ui.center.agents == live_before
    assert ui.center.reloads == 0


async def test_given_second_tenant_admin_when_touching_demo_pause_reasons_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    before = await demo_state()
    code = seed.DEMO_PAUSE_REASONS[0][0]
    page = f"/agents/pause-reasons/{code}"

    assert (await ui.get(page)).status_code == 404
    form = {"digits": "9", "label_en": "Mine now", "label_zh": "", "position": "1"}
    assert (await ui.post(page, form)).status_code == 404
    assert (await ui.post(f"{page}/deactivate")).status_code == 404

    assert await demo_state() == before


async def test_given_second_tenant_admin_when_adding_pause_reasons_then_their_own_list(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    code, digits = seed.DEMO_PAUSE_REASONS[0][:2]
    # The demo tenant's code and digits are no concern of another tenant's list.
    form = {"code": code, "digits": digits, "label_en": "Coffee", "label_zh": "", "position": ""}
    response = await ui.post("/agents/pause-reasons", form)
    assert response.status_code == 303, response.text[:300]

    row = await PauseReason.get(tenant_id=other.id, code=code)
    assert row.label_en == "Coffee"
    await ui.get("/agents/pause-reasons")
    assert [reason["code"] for reason in ui.last.context["reasons"]] == [code]
    home = await PauseReason.get(tenant_id=await home_tenant_id(), code=code)
    assert home.label_en != "Coffee"


async def test_given_second_tenant_admin_when_touching_demo_schedules_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    agent = await Agent.get(extension=DEMO_AGENTS[0])
    pattern = await ShiftPattern.create(agent=agent, weekday=0, start_minute=480, end_minute=720)
    exception = await ShiftException.create(agent=agent, day=date(2026, 3, 2), off=True)
    before = await demo_state()
    base = f"/shifts/agents/{agent.extension}"

    assert (await ui.get(base)).status_code == 404
    hours = {"weekday": "tue", "start": "08:00", "end": "12:00"}
    assert (await ui.post(f"{base}/patterns", hours)).status_code == 404
    day_off = {"day": WEEK, "kind": "off", "start": "", "end": "", "note": ""}
    assert (await ui.post(f"{base}/exceptions", day_off)).status_code == 404
    assert (await ui.post(f"{base}/patterns/{pattern.id}/delete")).status_code == 404
    assert (await ui.post(f"{base}/exceptions/{exception.id}/delete")).status_code == 404

    assert await demo_state() == before


async def test_given_schedules_of_both_tenants_then_planner_counts_only_the_tenants_agents(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    assert (await ui.post("/agents", agent_form(extension="2001", queues=[]))).status_code == 200
    monday = date.fromisoformat(WEEK)
    for extension in (*DEMO_AGENTS, "2001"):
        agent = await Agent.get(extension=extension)
        await ShiftPattern.create(agent=agent, weekday=0, start_minute=480, end_minute=720)

    assert set(await shift_services.ranges_on(other.id, monday)) == {"2001"}
    home = await shift_services.ranges_on(await home_tenant_id(), monday)
    assert set(home) == set(DEMO_AGENTS)
    await ui.get(f"/shifts?week={WEEK}")
    assert [row.extension for row in ui.last.context["week"].rows] == ["2001"]


async def test_given_second_tenant_admin_when_creating_a_queue_with_a_demo_agent_then_refused(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    before = await demo_state()

    form = queue_form(
        name="water-queue", overflow_kind="", overflow_target="", members=[DEMO_AGENTS[0]]
    )
    response = await ui.post("/queues", form)

    assert response.status_code == 422
    error = ui.last.context["errors"]["members"]
    # Exactly what an extension nobody has gets.
    assert error.message == "queues.error.unknown_agent"
    assert error.values == {"value": DEMO_AGENTS[0]}
    assert not await Queue.exists(name="water-queue")
    assert await demo_state() == before


async def test_given_second_tenant_admin_when_overflowing_into_the_demo_queue_then_unknown(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    form = queue_form(
        name="water-queue", overflow_kind="queue", overflow_target=DEMO_QUEUE, members=[]
    )
    response = await ui.post("/queues", form)

    assert response.status_code == 422
    error = ui.last.context["errors"]["overflow_target"]
    assert error.message == "queues.error.unknown_queue"
    assert not await Queue.exists(name="water-queue")


async def test_given_second_tenant_admin_when_overflowing_into_a_demo_voicemail_box_then_unknown(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    form = queue_form(
        name="water-queue", overflow_kind="voicemail", overflow_target=DEMO_AGENTS[0], members=[]
    )
    response = await ui.post("/queues", form)

    assert response.status_code == 422
    error = ui.last.context["errors"]["overflow_target"]
    assert error.message == "queues.error.unknown_box"
    assert not await Queue.exists(name="water-queue")


async def test_given_a_name_the_demo_tenant_holds_then_neutral_error_and_nothing_created(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    before = await demo_state()

    form = queue_form(name=DEMO_QUEUE, overflow_kind="", overflow_target="", members=[])
    response = await ui.post("/queues", form)

    assert response.status_code == 422
    error = ui.last.context["errors"]["name"]
    assert error.message == "queues.error.name_unavailable"
    assert "already exists" not in response.text
    assert await demo_state() == before


async def test_given_an_extension_the_demo_tenant_holds_then_neutral_error_and_nothing_created(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    before = await demo_state()

    response = await ui.post("/agents", agent_form(extension=DEMO_AGENTS[0], queues=[]))

    assert response.status_code == 422
    error = ui.last.context["errors"]["extension"]
    assert error.message == "agents.error.extension_unavailable"
    assert "already exists" not in response.text
    assert await demo_state() == before


async def test_given_second_tenant_admin_when_giving_an_agent_a_demo_queue_then_unknown(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    response = await ui.post("/agents", agent_form(extension="2001", queues=[DEMO_QUEUE]))

    assert response.status_code == 422
    error = ui.last.context["errors"]["queues"]
    assert error.message == "queues.error.unknown_queue"
    assert not await Agent.exists(extension="2001")


async def test_given_own_name_or_extension_then_the_usual_duplicate_error(ui: UiClient) -> None:
    await ui.login("administrator")
    form = queue_form(name=DEMO_QUEUE, overflow_kind="", overflow_target="", members=[])
    await ui.post("/queues", form)
    assert ui.last.context["errors"]["name"].message == "queues.error.duplicate"
    await ui.post("/agents", agent_form(extension=DEMO_AGENTS[0], queues=[]))
    assert ui.last.context["errors"]["extension"].message == "queues.error.duplicate"


async def test_given_second_tenant_admin_when_creating_then_queue_and_agent_are_theirs(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)

    created = await ui.post("/agents", agent_form(extension="2001", queues=[]))
    assert created.status_code == 200, created.text[:300]
    form = queue_form(name="water-queue", overflow_kind="", overflow_target="", members=["2001"])
    response = await ui.post("/queues", form)
    assert response.status_code == 303, response.text[:300]

    queue = await Queue.get(name="water-queue")
    agent = await Agent.get(extension="2001")
    assert queue.tenant_id == other.id  # type: ignore[attr-defined]
    assert agent.tenant_id == other.id  # type: ignore[attr-defined]
    assert await QueueMember.exists(queue=queue, agent=agent)
    await ui.get("/queues")
    assert [row["name"] for row in ui.last.context["rows"]] == ["water-queue"]
    await ui.get("/agents")
    assert [row["extension"] for row in ui.last.context["rows"]] == ["2001"]

    # And the demo tenant's administrator does not see them.
    await ui.login("administrator")
    assert (await ui.get("/queues/water-queue")).status_code == 404
    assert (await ui.get("/agents/2001")).status_code == 404
    await ui.get("/queues")
    assert "water-queue" not in {row["name"] for row in ui.last.context["rows"]}


async def test_given_flows_of_two_tenants_then_queue_and_calendar_users_are_the_tenants_own(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    home = await home_tenant_id()
    # The demo's menu, its case status line (1: an agent), its customer
    # line and its self-service answers (0: an agent) use the demo queue.
    assert await queue_services.flows_using(home, DEMO_QUEUE) == [
        "Case status",
        "Customer line",
        seed.DEMO_FLOW,
        "Self-service answers",
    ]
    assert await queue_services.flows_using(other.id, DEMO_QUEUE) == []

    assert (await ui.post("/shifts/calendars", CALENDAR_FORM)).status_code == 303
    flow = await Flow.get(tenant_id=home, name=seed.DEMO_FLOW)
    hours = {"kind": "time_condition", "calendar": CALENDAR_FORM["name"], "open": "x"}
    flow.draft = {**flow.draft, "nodes": {**flow.draft["nodes"], "hours": hours}}
    await flow.save()

    calendar_page = f"/shifts/calendars/{CALENDAR_FORM['name']}"
    await ui.get(calendar_page)
    assert ui.last.context["calendar"]["used_by"] == []
    # The calendar is the second tenant's: the demo flow cannot use it (its
    # names are looked up in the demo tenant), so nothing keeps it.
    issues = await flows.validate_draft(flow.id, tenant_id=home)
    assert [issue["code"] for issue in issues["issues"]] == ["unknown_calendar"]
    response = await ui.post(f"{calendar_page}/delete")
    assert response.status_code == 303
    assert seed.DEMO_FLOW not in response.text
    assert not await BusinessCalendar.exists(name=CALENDAR_FORM["name"])


async def test_given_the_demo_tenant_then_it_is_the_home_tenant(ui: UiClient) -> None:
    # The fixtures above rely on it: the seeded rows are the home tenant's.
    home = await Tenant.get(id=await home_tenant_id())
    assert home.name == seed.DEMO_TENANT
    assert {a.extension for a in await Agent.filter(tenant_id=home.id)} >= set(DEMO_AGENTS)
