"""The case report's sections (hotline/cases/case_reports.py) on a database,
without Asterisk: each section's rows from cases taken in, routed, extended,
returned, transferred, closed and followed up here; the figures already in
figures.py and follow_ups.py are the sections' own; the centre's turns read
from a history (pure); hours held in wall-clock and business hours, the
latter on the workflow's calendar (pure, and on a database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.business_hours import parse_hours
from hotline.cases import case_reports, figures, follow_ups, services
from hotline.cases.case_reports import Entry, Names, Turn
from hotline.cases.deadlines import CaseCalendar
from hotline.center import Actor
from hotline.models_cases import Case, CaseAssignment, CaseWorkflow, FollowUp
from hotline.models_shifts import BusinessCalendar
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

NAMES = Names({"centre": ("热线中心", "Hotline centre"), "billing": ("营业部", "Billing")})


async def _actor(username: str) -> Actor:
    return Actor(username, "127.0.0.1", await home_tenant_id())


async def _new(category: str, source: str = "phone", **extra: Any) -> dict[str, Any]:
    return await services.create_case(
        await home_tenant_id(),
        await _actor("agent1001"),
        {"category": category, "source": source, "subject": "Water", **extra},
    )


async def _act(case: dict[str, Any], username: str, **data: Any) -> dict[str, Any]:
    return await services.act(await home_tenant_id(), await _actor(username), case["id"], data)


def _hours_from_now(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _period() -> tuple[datetime, datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(days=1), now


async def _section(name: str) -> list[dict[str, Any]]:
    since, until, now = _period()
    return await case_reports.SECTIONS[name].rows(await home_tenant_id(), since, until, now)


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


async def _routed_cases() -> None:
    """A: a complaint billing replied to, closed.  B: an enquiry closed at
    first contact (web).  C: a request for help supply holds past its
    deadline.  D: a complaint billing holds.  E (email): billing returned
    it, supply was given it and transferred it to billing, which holds it."""
    a = await _new("投诉", department="billing")
    await _act(a, "billing", action="reply", note="fixed")
    await _act(a, "supervisor", action="close")
    await _new("咨询/缴费", "web", first_contact_resolved=True)
    c = await _new("求助")
    await _act(c, "agent1001", action="dispatch", department="supply", deadline=_hours_from_now(-1))
    await _new("投诉", department="billing")
    e = await _new("建议", "email", department="billing")
    await _act(e, "billing", action="return", note="not ours")
    await _act(e, "agent1001", action="dispatch", department="supply")
    await _act(e, "supply", action="transfer", department="billing", note="meters")


async def test_given_cases_taken_in_then_by_category_and_source_count_them(ui: UiClient) -> None:
    await _routed_cases()

    categories = await _section("cases_by_category")
    assert categories[0]["category"] == "投诉"  # most cases first
    complaint, payment = (
        _by(categories, "category")["投诉"],
        _by(categories, "category")["咨询/缴费"],
    )
    assert (complaint["cases"], complaint["share_pct"], complaint["closed"], complaint["open"]) == (
        2,
        40.0,
        1,
        1,
    )
    assert (payment["name"], payment["name_en"], payment["first_contact_resolved"]) == (
        "缴费",
        "Payment",
        1,
    )
    assert sum(row["cases"] for row in categories) == 5

    sources = _by(await _section("cases_by_source"), "source")
    assert {name: row["cases"] for name, row in sources.items()} == {
        "phone": 3,
        "web": 1,
        "email": 1,
    }
    assert (sources["web"]["name"], sources["web"]["closed"], sources["web"]["open"]) == (
        "网站",
        1,
        0,
    )
    assert sources["phone"]["share_pct"] == 60.0


async def test_given_routed_cases_then_by_department_counts_each_departments_cases(
    ui: UiClient,
) -> None:
    await _routed_cases()

    rows = await _section("cases_by_department")
    assert [row["department"] for row in rows] == ["billing", "supply"]
    billing, supply = rows
    # Billing: A (replied, closed), D (held), E (returned, then given back by supply: held).
    assert (billing["name"], billing["cases"], billing["replied"], billing["held"]) == (
        "营业部",
        3,
        1,
        2,
    )
    assert billing["closed"] == 1
    # Supply: C (held), E (transferred on).
    assert (supply["cases"], supply["replied"], supply["held"], supply["closed"]) == (2, 0, 1, 0)


async def test_given_routed_cases_then_overall_and_on_time_are_figures_own(ui: UiClient) -> None:
    await _routed_cases()
    since, until, now = _period()
    tenant = await home_tenant_id()

    assert await _section("cases_overall") == [await figures.overall(tenant, since, until, now)]
    assert await _section("cases_on_time") == await figures.department_figures(
        tenant, since, until, now
    )


async def test_given_five_extensions_then_the_turn_counts_late_by_extensions(ui: UiClient) -> None:
    soon = _hours_from_now(2)
    on_time = await _new("投诉")
    await _act(on_time, "agent1001", action="dispatch", department="billing", deadline=soon)
    await _act(on_time, "billing", action="reply", note="done")
    extended = await _new("投诉")
    await _act(extended, "agent1001", action="dispatch", department="billing", deadline=soon)
    for _ in range(5):
        await _act(extended, "billing", action="extend", note="parts")
        await _act(extended, "supervisor", action="approve_extension", deadline=soon)
    late = await _new("求助")
    await _act(late, "agent1001", action="dispatch", department="supply", deadline=soon)
    await _act(late, "supply", action="extend", note="rain")
    await _act(late, "supervisor", action="approve_extension", deadline=soon)

    rows = await _section("cases_extensions")
    assert [row["department"] for row in rows] == ["billing", "supply"]  # most extensions first
    billing, supply = rows
    assert (billing["due"], billing["extended"], billing["extensions"]) == (2, 1, 5)
    assert (billing["late_by_extensions"], billing["extended_pct"]) == (1, 50.0)
    assert (supply["due"], supply["extended"], supply["extensions"]) == (1, 1, 1)
    assert (supply["late_by_extensions"], supply["extended_pct"]) == (0, 100.0)
    # The ranking counts the same turns.
    ranking = _by(await _section("cases_on_time"), "department")
    assert ranking["billing"]["late_by_extensions"] == 1 and ranking["billing"]["extended"] == 1


async def _closed(department: str) -> dict[str, Any]:
    case = await _new("投诉", department=department)
    await _act(case, department, action="reply", note="ok")
    return await _act(case, "supervisor", action="close")


async def _visit(case: dict[str, Any], **answer: Any) -> None:
    visit = await FollowUp.get(case_id=case["id"])
    await follow_ups.record(await home_tenant_id(), await _actor("agent1001"), visit.id, answer)


async def test_given_follow_up_visits_then_each_answer_solved_and_not_reached_are_counted(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    pleased, displeased, unreached = (
        await _closed("billing"),
        await _closed("supply"),
        await _closed("billing"),
    )
    lead = await _actor("supervisor")
    assert await follow_ups.assign(tenant, lead, {"assignee": "agent1001"}) == 3
    await _visit(pleased, outcome="satisfied", solved="1")
    await _visit(displeased, outcome="dissatisfied", solved="0")
    await FollowUp.filter(case_id=unreached["id"]).update(attempts=follow_ups.MAX_ATTEMPTS)
    await _visit(unreached, outcome="not_reached", reason="no_answer")

    rows = await _section("cases_follow_ups")
    assert [row["department"] for row in rows] == ["all", "billing", "supply"]
    every, billing, supply = rows
    assert (every["name"], every["name_en"]) == ("全部", "All")
    assert (every["reached"], every["satisfied"], every["dissatisfied"]) == (2, 1, 1)
    assert (every["satisfaction_pct"], every["dissatisfied_pct"]) == (50.0, 50.0)
    assert (every["basically_satisfied"], every["basically_satisfied_pct"]) == (0, 0.0)
    assert (every["solved"], every["solved_pct"], every["not_reached"]) == (1, 50.0, 1)
    assert (billing["reached"], billing["satisfaction_pct"], billing["not_reached"]) == (
        1,
        100.0,
        1,
    )
    assert (supply["reached"], supply["satisfaction_pct"], supply["solved_pct"]) == (1, 0.0, 0.0)
    # follow_ups.satisfaction's figures, not counted anew.
    since, until, _ = _period()
    agreed = await follow_ups.satisfaction(tenant, since, until)
    for row in rows:
        assert row["satisfaction_pct"] == agreed[row["department"]]["satisfaction_pct"]


async def test_given_routed_cases_then_steps_count_turns_endings_and_hours(ui: UiClient) -> None:
    await _routed_cases()
    # Billing's turn at A, backdated: held three hours.
    now = datetime.now(UTC)
    await CaseAssignment.filter(department="billing", ended_as="replied").update(
        assigned_at=now - timedelta(hours=5), ended_at=now - timedelta(hours=2)
    )

    rows = await _section("cases_steps")
    steps = {(row["step"], row["department"]): row for row in rows}
    assert list(steps) == [
        ("intake", "centre"),
        ("handle", "billing"),
        ("handle", "supply"),
        ("review", "centre"),
    ]
    # Intake: A, B, C, D, E taken in, and E again after billing returned it;
    # C is held by supply, so all six ended (dispatched or closed at once).
    intake = steps[("intake", "centre")]
    assert (intake["name"], intake["turns"], intake["ended"], intake["open"]) == (
        "热线中心",
        6,
        6,
        0,
    )
    billing = steps[("handle", "billing")]
    assert (billing["turns"], billing["ended"], billing["open"]) == (4, 2, 2)
    assert (billing["replied"], billing["returned"], billing["transferred"]) == (1, 1, 0)
    assert billing["max_hours_held"] == 3.0
    # The workflow names no calendar: every hour counts, business hours are wall-clock.
    assert billing["max_business_hours_held"] == 3.0
    for row in rows:
        assert row["avg_business_hours_held"] == row["avg_hours_held"]
        assert row["max_business_hours_held"] == row["max_hours_held"]
    supply = steps[("handle", "supply")]
    assert (supply["turns"], supply["transferred"], supply["open"]) == (2, 1, 1)
    # A's replies reviewed and closed.
    review = steps[("review", "centre")]
    assert (review["turns"], review["ended"], review["returned"]) == (1, 1, 0)


def _at(hour: int) -> datetime:
    return datetime(2026, 12, 1, hour, tzinfo=UTC)


def test_given_a_history_then_the_centres_turns_are_taking_in_and_reviewing() -> None:
    history = [
        Entry(_at(8), "registered", "register"),
        Entry(_at(9), "registered", "chase"),  # still the same turn
        Entry(_at(10), "handling", "dispatch"),
        Entry(_at(12), "reviewing", "reply"),
        Entry(_at(13), "handling", "reject_reply"),  # sent back: returned
        Entry(_at(15), "reviewing", "reply"),
        Entry(_at(16), "reviewing", "accept"),  # a second review step
    ]
    assert case_reports.centre_turns(history) == [
        Turn("intake", "centre", _at(8), _at(10), "dispatch"),
        Turn("review", "centre", _at(12), _at(13), "returned"),
        Turn("review", "centre", _at(15), _at(16), "accept"),
        Turn("review", "centre", _at(16), None, ""),
    ]


def test_given_turns_then_hours_are_of_ended_turns_and_an_open_one_is_only_counted() -> None:
    turns = [
        Turn("handle", "billing", _at(8), _at(10), "replied"),
        Turn("handle", "billing", _at(8), _at(9), "returned"),
        Turn("handle", "billing", _at(8), None, ""),
        # Ended after the period's end: open at its end.
        Turn("handle", "billing", _at(8), _at(23), "replied"),
        Turn("intake", "centre", _at(8), _at(8), "close"),
    ]
    rows = case_reports.step_rows(turns, _at(20), NAMES, {})
    assert [(row["step"], row["department"]) for row in rows] == [
        ("intake", "centre"),
        ("handle", "billing"),
    ]
    billing = rows[1]
    assert (billing["turns"], billing["ended"], billing["open"]) == (4, 2, 2)
    assert (billing["avg_hours_held"], billing["max_hours_held"]) == (1.5, 2.0)
    assert (billing["replied"], billing["returned"], billing["name_en"]) == (1, 1, "Billing")
    assert rows[0]["avg_hours_held"] == 0.0
    # No turn ended: no mean, "–" (METRICS.md), never 0.
    [only_open] = case_reports.step_rows([turns[2]], _at(20), NAMES, {})
    assert only_open["avg_hours_held"] is None and only_open["max_hours_held"] is None
    assert only_open["avg_business_hours_held"] is None
    assert only_open["max_business_hours_held"] is None


# Monday to Friday, 9:00 to 17:00 (UTC): the deadline clock of case 1's workflow.
WEEKDAYS_9_TO_17 = CaseCalendar(
    "UTC", parse_hours([{"days": "mon-fri", "from": "09:00", "to": "17:00"}])
)


def _dec(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026: the 4th is a Friday, the 7th a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_given_a_turn_over_a_weekend_then_its_business_hours_are_the_calendars() -> None:
    calendars = {1: WEEKDAYS_9_TO_17}
    turns = [
        # Friday 16:00 to Monday 10:00: 66 wall-clock hours, 2 business hours.
        Turn("handle", "billing", _dec(4, 16), _dec(7, 10), "replied", case_id=1),
        # Monday 9:00 to 11:30, all open: 2.5 and 2.5.
        Turn("handle", "billing", _dec(7, 9), _dec(7, 11, 30), "returned", case_id=1),
        # Still open at the period's end (Monday noon), and one ended after it:
        # counted as turns, in neither kind of hours.
        Turn("handle", "billing", _dec(4, 9), None, "", case_id=1),
        Turn("handle", "billing", _dec(4, 9), _dec(7, 13), "replied", case_id=1),
        # Saturday to Sunday: 24 hours held, not one of them open.
        Turn("intake", "centre", _dec(5, 10), _dec(6, 10), "dispatch", case_id=1),
    ]
    centre, billing = case_reports.step_rows(turns, _dec(7, 12), NAMES, calendars)
    assert (billing["turns"], billing["ended"], billing["open"]) == (4, 2, 2)
    assert (billing["avg_hours_held"], billing["max_hours_held"]) == (34.25, 66.0)
    assert (billing["avg_business_hours_held"], billing["max_business_hours_held"]) == (2.25, 2.5)
    # Closed over the weekend: 0 business hours, a figure, not "–".
    assert (centre["max_hours_held"], centre["max_business_hours_held"]) == (24.0, 0.0)
    assert centre["avg_business_hours_held"] == 0.0


def test_given_a_workflow_without_a_calendar_then_every_hour_is_a_business_hour() -> None:
    turns = [
        # Case 2 has no calendar: the weekend counts.
        Turn("handle", "billing", _dec(4, 16), _dec(7, 10), "replied", case_id=2),
        # Case 1 on weekdays 9-17: 1 hour (Friday 16:00 to 17:00).
        Turn("handle", "billing", _dec(4, 16), _dec(4, 18), "replied", case_id=1),
    ]
    [billing] = case_reports.step_rows(turns, _dec(7, 12), NAMES, {1: WEEKDAYS_9_TO_17})
    assert (billing["avg_hours_held"], billing["max_hours_held"]) == (34.0, 66.0)
    assert (billing["avg_business_hours_held"], billing["max_business_hours_held"]) == (33.5, 66.0)
    [alone] = case_reports.step_rows(turns[:1], _dec(7, 12), NAMES, {})
    assert alone["max_business_hours_held"] == alone["max_hours_held"] == 66.0


async def test_given_a_workflow_with_a_calendar_then_steps_count_its_open_hours(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    await BusinessCalendar.create(
        tenant_id=tenant,
        name="office",
        timezone="Asia/Shanghai",
        hours=[{"days": "mon-fri", "from": "09:00", "to": "17:00"}],
        holidays=[{"date": "2025-01-06", "name": "A day off"}],
    )
    case = await _new("投诉", department="billing")
    await _act(case, "billing", action="reply", note="fixed")
    workflow = await CaseWorkflow.get(id=(await Case.get(id=case["id"])).workflow_id)
    workflow.definition = {**workflow.definition, "calendar": "office"}
    await workflow.save()
    # Billing's turn, backdated: Friday 2025-01-03 16:00 to Tuesday 10:00 in
    # Shanghai, over the weekend and Monday's holiday: 1 + 1 open hours.
    shanghai = timedelta(hours=8)
    await CaseAssignment.filter(department="billing").update(
        assigned_at=datetime(2025, 1, 3, 16, tzinfo=UTC) - shanghai,
        ended_at=datetime(2025, 1, 7, 10, tzinfo=UTC) - shanghai,
    )

    now = datetime.now(UTC)
    rows = await case_reports.steps(
        tenant, datetime(2025, 1, 1, tzinfo=UTC), now + timedelta(days=1), now
    )
    billing = {(row["step"], row["department"]): row for row in rows}[("handle", "billing")]
    assert (billing["max_hours_held"], billing["max_business_hours_held"]) == (90.0, 2.0)
    assert billing["avg_business_hours_held"] == 2.0


async def test_given_each_section_then_its_rows_have_its_columns_and_empty_is_null(
    ui: UiClient,
) -> None:
    await _routed_cases()
    for name, section in case_reports.SECTIONS.items():
        for row in await _section(name):
            assert tuple(row) == section.columns, name
    tenant = await home_tenant_id()
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    empty = await case_reports.all_sections(
        tenant, long_ago, long_ago + timedelta(days=1), datetime.now(UTC)
    )
    assert empty["cases_by_category"] == [] and empty["cases_steps"] == []
    [overall] = empty["cases_overall"]
    assert overall["on_time_pct"] is None and overall["fcr_pct"] is None
    assert all(row["extended_pct"] is None for row in empty["cases_extensions"])
