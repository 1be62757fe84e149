"""The /shifts pages: schedules, business calendars and the staffing planner."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.erlang import ServiceTarget, TooManyAgents, plan_staffing
from hotline.models import AuditEntry, Flow
from hotline.models_shifts import BusinessCalendar, ShiftException, ShiftPattern
from hotline.shifts import planner, planner_job
from hotline.shifts.planner import PlannerResult
from hotline.shifts.schedule import WorkRange, scheduled_per_interval
from hotline.shifts.week import WeekOverview
from tests.unit.loop_watch import LoopWatch
from tests.unit.ui_support import UiClient

GOLDEN_DIR = Path(__file__).parent / "golden" / "shifts"
HTMX = {"HX-Request": "true"}
# A Monday, so tests never depend on today's date.
WEEK = "2026-03-02"


def normalised(html: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    return "\n".join(line.rstrip() for line in html.strip().splitlines() if line.strip()) + "\n"


def assert_matches_golden(response: httpx.Response, name: str) -> None:
    """Compare an htmx fragment with its golden file.

    Goldens are regenerated only deliberately: UPDATE_GOLDEN=1 pytest ...
    """
    path = GOLDEN_DIR / name
    actual = normalised(response.text)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"fragment differs from {path}"


async def add_pattern(ui: UiClient, extension: str, weekday: str, start: str, end: str) -> None:
    response = await ui.post(
        f"/shifts/agents/{extension}/patterns", {"weekday": weekday, "start": start, "end": end}
    )
    assert response.status_code == 303, response.text[:300]


# --- agent schedules --------------------------------------------------------


async def test_given_supervisor_when_adding_weekly_hours_then_stored_audited_and_shown(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")

    response = await ui.post(
        "/shifts/agents/1001/patterns", {"weekday": "mon", "start": "08:00", "end": "12:00"}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/shifts/agents/1001"
    pattern = await ShiftPattern.get(agent__extension="1001")
    assert (pattern.weekday, pattern.start_minute, pattern.end_minute) == (0, 480, 720)
    entry = await AuditEntry.get(object_type="shift_pattern")
    assert entry.action == "create" and entry.username == "supervisor"
    assert entry.before is None
    assert entry.after == {"id": pattern.id, "weekday": "mon", "from": "08:00", "to": "12:00"}
    page = await ui.get("/shifts/agents/1001")
    assert page.status_code == 200
    assert ui.last.template == "shifts/agent.html"
    assert ui.last.context["schedule"].patterns == [entry.after]


async def test_given_several_ranges_on_one_day_then_all_kept_but_overlap_refused(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await add_pattern(ui, "1001", "tue", "08:00", "12:00")
    await add_pattern(ui, "1001", "tue", "13:00", "17:00")

    response = await ui.post(
        "/shifts/agents/1001/patterns", {"weekday": "tue", "start": "11:00", "end": "14:00"}
    )

    assert response.status_code == 422
    assert ui.last.context["pattern_errors"] == {"start": "shifts.error.overlap"}
    assert ui.last.context["pattern_form"]["start"] == "11:00"
    assert await ShiftPattern.filter(agent__extension="1001").count() == 2


async def test_given_bad_times_then_form_keeps_input_and_names_the_field(ui: UiClient) -> None:
    await ui.login("administrator")

    response = await ui.post(
        "/shifts/agents/1001/patterns",
        {"weekday": "wed", "start": "9am", "end": "08:00"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert ui.last.template == "shifts/_agent_schedule.html"
    assert ui.last.context["pattern_errors"] == {"start": "shifts.error.clock"}
    assert 'value="9am"' in response.text
    assert 'data-testid="pattern-start-error"' in response.text
    assert await ShiftPattern.all().count() == 0
    assert await AuditEntry.filter(object_type="shift_pattern").count() == 0


async def test_given_exception_and_deletions_then_each_change_is_audited(ui: UiClient) -> None:
    await ui.login("supervisor")
    await add_pattern(ui, "1002", "mon", "09:00", "17:00")
    response = await ui.post(
        "/shifts/agents/1002/exceptions",
        {"day": WEEK, "kind": "hours", "start": "12:00", "end": "16:00", "note": "doctor"},
    )
    assert response.status_code == 303
    exception = await ShiftException.get(agent__extension="1002")
    pattern = await ShiftPattern.get(agent__extension="1002")

    await ui.post(f"/shifts/agents/1002/exceptions/{exception.id}/delete")
    response = await ui.post(f"/shifts/agents/1002/patterns/{pattern.id}/delete", headers=HTMX)

    assert response.status_code == 200
    assert ui.last.template == "shifts/_agent_schedule.html"
    assert await ShiftPattern.all().count() == 0 and await ShiftException.all().count() == 0
    actions = await AuditEntry.filter(object_type__startswith="shift_").order_by("id")
    assert [(a.object_type, a.action) for a in actions] == [
        ("shift_pattern", "create"),
        ("shift_exception", "create"),
        ("shift_exception", "delete"),
        ("shift_pattern", "delete"),
    ]
    assert actions[2].before["hours"] == {"from": "12:00", "to": "16:00"}
    assert actions[2].after is None


async def test_given_unknown_agent_or_pattern_then_404(ui: UiClient) -> None:
    await ui.login("administrator")
    assert (await ui.get("/shifts/agents/9999")).status_code == 404
    assert (await ui.post("/shifts/agents/1001/patterns/abc/delete")).status_code == 404
    assert (await ui.post("/shifts/agents/1001/exceptions/77/delete")).status_code == 404


async def test_given_agent_role_then_schedules_are_read_only(ui: UiClient) -> None:
    await ui.login("agent")
    page = await ui.get("/shifts/agents/1001")
    assert page.status_code == 200
    assert 'data-testid="pattern-form"' not in page.text
    response = await ui.post(
        "/shifts/agents/1001/patterns", {"weekday": "mon", "start": "08:00", "end": "12:00"}
    )
    assert response.status_code == 403


async def test_given_patterns_and_exceptions_then_week_overview_shows_effective_hours(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await add_pattern(ui, "1001", "mon", "08:00", "12:00")
    await add_pattern(ui, "1001", "mon", "13:00", "17:00")
    await add_pattern(ui, "1001", "tue", "08:00", "17:00")
    await add_pattern(ui, "1002", "mon", "12:00", "20:00")
    await ui.post("/shifts/agents/1001/exceptions", {"day": "2026-03-03", "kind": "off"})

    response = await ui.get(f"/shifts?week={WEEK}", headers=HTMX)

    assert response.status_code == 200
    assert ui.last.template == "shifts/_week.html"
    week = ui.last.context["week"]
    assert isinstance(week, WeekOverview)
    by_agent = {row.extension: row for row in week.rows}
    assert by_agent["1001"].days[0] == ["08:00–12:00", "13:00–17:00"]
    assert by_agent["1001"].days[1] == []  # the day off replaces Tuesday's pattern
    assert by_agent["1001"].exception_days[1] is True
    assert by_agent["1002"].days[0] == ["12:00–20:00"]
    assert_matches_golden(response, "week.html")


async def test_given_any_day_then_overview_starts_on_its_monday(ui: UiClient) -> None:
    await ui.login("auditor")
    page = await ui.get("/shifts?week=2026-03-05")
    assert page.status_code == 200
    assert ui.last.template == "shifts/overview.html"
    assert ui.last.context["week"].week_start.isoformat() == WEEK


# --- business calendars ------------------------------------------------------

CALENDAR_FORM = {
    "name": "support-hours",
    "timezone": "Asia/Shanghai",
    "hours": "mon-fri 09:00-18:00\nsat 09:00-12:00",
    "holidays": "2026-10-01 National Day\n2026-10-02",
}


async def test_given_calendar_form_when_created_then_stored_in_time_condition_shape(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")

    response = await ui.post("/shifts/calendars", CALENDAR_FORM)

    assert response.status_code == 303
    assert response.headers["location"] == "/shifts/calendars/support-hours"
    calendar = await BusinessCalendar.get(name="support-hours")
    assert calendar.timezone == "Asia/Shanghai"
    assert calendar.hours == [
        {"days": "mon-fri", "from": "09:00", "to": "18:00"},
        {"days": "sat", "from": "09:00", "to": "12:00"},
    ]
    assert calendar.holidays == [
        {"date": "2026-10-01", "name": "National Day"},
        {"date": "2026-10-02", "name": ""},
    ]
    entry = await AuditEntry.get(object_type="calendar")
    assert entry.action == "create" and entry.after["hours"] == calendar.hours


async def test_given_bad_calendar_then_every_bad_field_is_named_and_input_kept(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    form = {
        "name": "bad name",
        "timezone": "Mars/Olympus",
        "hours": "weekdays 9-5",
        "holidays": "2026-13-01 Nope",
    }

    response = await ui.post("/shifts/calendars", form, headers=HTMX)

    assert response.status_code == 422
    assert ui.last.template == "shifts/_calendar_form.html"
    assert set(ui.last.context["errors"]) == {"name", "timezone", "hours", "holidays"}
    assert "weekdays 9-5" in response.text and "Mars/Olympus" in response.text
    assert await BusinessCalendar.all().count() == 0
    assert_matches_golden(response, "calendar_form_errors.html")


async def test_given_existing_calendar_when_updated_then_before_and_after_audited(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/shifts/calendars", CALENDAR_FORM)
    edited = {**CALENDAR_FORM, "hours": "mon-sun 00:00-24:00", "holidays": ""}

    response = await ui.post("/shifts/calendars/support-hours", edited, headers=HTMX)

    assert response.status_code == 200
    assert ui.last.template == "shifts/_calendar_form.html"
    assert ui.last.context["saved"] is True
    calendar = await BusinessCalendar.get(name="support-hours")
    assert calendar.hours == [{"days": "mon-sun", "from": "00:00", "to": "24:00"}]
    entry = await AuditEntry.get(object_type="calendar", action="update")
    assert len(entry.before["hours"]) == 2 and entry.after["holidays"] == []
    assert_matches_golden(response, "calendar_form_saved.html")


async def test_given_calendar_used_by_a_flow_then_delete_refused_else_deleted(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/shifts/calendars", CALENDAR_FORM)
    flow = await Flow.first()
    assert flow is not None
    draft = dict(flow.draft)
    draft["nodes"] = {
        **draft["nodes"],
        "hours": {"kind": "time_condition", "calendar": "support-hours", "open": "x"},
    }
    flow.draft = draft
    await flow.save()

    refused = await ui.post("/shifts/calendars/support-hours/delete")

    assert refused.status_code == 409
    assert ui.last.context["delete_error"] == [flow.name]
    assert await BusinessCalendar.exists(name="support-hours")

    del draft["nodes"]["hours"]
    flow.draft = draft
    await flow.save()
    deleted = await ui.post("/shifts/calendars/support-hours/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/shifts/calendars"
    assert not await BusinessCalendar.exists(name="support-hours")
    entry = await AuditEntry.get(object_type="calendar", action="delete")
    assert entry.before["name"] == "support-hours" and entry.after is None


async def test_given_calendar_pages_then_list_and_detail_render(ui: UiClient) -> None:
    await ui.login("administrator")
    await ui.post("/shifts/calendars", CALENDAR_FORM)
    assert (await ui.post("/shifts/calendars", CALENDAR_FORM)).status_code == 422
    assert ui.last.context["errors"] == {"name": "shifts.error.calendar_exists"}

    await ui.get("/shifts/calendars")
    assert ui.last.template == "shifts/calendars.html"
    assert [c["name"] for c in ui.last.context["calendars"]] == ["support-hours"]
    page = await ui.get("/shifts/calendars/support-hours")
    assert ui.last.template == "shifts/calendar.html"
    assert ui.last.context["form"]["hours"] == "mon-fri 09:00-18:00\nsat 09:00-12:00"
    assert '"calendar": "support-hours"' in page.text
    assert (await ui.get("/shifts/calendars/nope")).status_code == 404


# --- staffing planner -------------------------------------------------------


async def test_given_forecast_then_planner_shows_required_against_scheduled_with_gaps(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    for extension in ("1001", "1002"):
        await add_pattern(ui, extension, "mon", "08:00", "09:00")
    form = {
        "calls": "100 10 0",
        "interval": "30",
        "start": "08:00",
        "date": WEEK,
        "aht": "180",
        "service_level": "80",
        "answer_within": "20",
    }

    response = await ui.post("/shifts/planner", form, headers=HTMX)

    assert response.status_code == 200
    assert ui.last.template == "shifts/_planner.html"
    result = ui.last.context["result"]
    assert isinstance(result, PlannerResult)
    assert [row.plan.agents_required for row in result.rows] == [14, 3, 0]
    assert [row.scheduled for row in result.rows] == [2, 2, 0]
    assert [row.gap for row in result.rows] == [-12, -1, 0]
    assert result.gaps == 2
    assert response.text.count('class="staffing-gap"') == 2
    assert_matches_golden(response, "planner_result.html")


async def test_given_full_page_post_then_plan_shows_without_javascript(ui: UiClient) -> None:
    await ui.login("supervisor")
    form = {"calls": "100", "interval": "30", "start": "08:00", "aht": "180"}
    form |= {"service_level": "80", "answer_within": "20", "shrinkage": "30", "date": WEEK}

    response = await ui.post("/shifts/planner", form)

    assert response.status_code == 200
    assert ui.last.template == "shifts/planner.html"
    row = ui.last.context["result"].rows[0]
    assert (row.plan.agents_on_phones, row.plan.agents_required) == (14, 20)
    assert 'data-testid="planner-row-0"' in response.text


@pytest.mark.security
async def test_given_link_with_query_parameters_then_get_shows_the_form_and_computes_nothing(
    ui: UiClient,
) -> None:
    # A GET must not start the computation: a clicked or embedded link would.
    await ui.login("supervisor")
    query = "calls=100&interval=30&start=08:00&aht=180&service_level=80&answer_within=20"

    response = await ui.get(f"/shifts/planner?{query}&date={WEEK}")

    assert response.status_code == 200
    assert ui.last.template == "shifts/planner.html"
    assert ui.last.context["result"] is None
    assert ui.last.context["form"]["calls"] == ""
    assert 'data-testid="planner-result"' not in response.text


@pytest.mark.security
async def test_given_agent_role_then_planner_is_refused_and_not_offered(ui: UiClient) -> None:
    await ui.login("agent")
    overview = await ui.get("/shifts")
    assert overview.status_code == 200
    assert 'data-testid="shifts-nav-planner"' not in overview.text
    for response in [
        await ui.get("/shifts/planner"),
        await ui.post("/shifts/planner", {"calls": "100", "aht": "180"}),
    ]:
        assert response.status_code == 403
        assert ui.last.context["reason"] == "permission_denied"


@pytest.mark.security
async def test_given_planner_post_without_csrf_token_then_refused_and_header_token_accepted(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    form = {"calls": "100", "aht": "180", "service_level": "80", "answer_within": "20"}

    refused = await ui.post("/shifts/planner", form, csrf=False, headers=HTMX)
    forged = await ui.post("/shifts/planner", {**form, "csrf_token": "forged"}, headers=HTMX)
    # htmx sends the token as a header (base.html's hx-headers), not a field.
    accepted = await ui.client.post(
        "/shifts/planner", data=form, headers={**HTMX, "X-CSRF-Token": ui.csrf}
    )

    assert refused.status_code == forged.status_code == 403
    assert accepted.status_code == 200
    assert ui.last.context["result"].rows[0].plan.agents_on_phones == 14


NINETY_SEVEN = " ".join(["1"] * 97)


@pytest.mark.security
@pytest.mark.parametrize(
    ("field", "typed", "error", "named"),
    [
        ("calls", "100 -5", "shifts.error.calls", "from 0 to 10000"),
        ("calls", "100 10001", "shifts.error.calls", "from 0 to 10000"),
        ("calls", "100 nan", "shifts.error.calls", "from 0 to 10000"),
        ("calls", NINETY_SEVEN, "shifts.error.too_many_intervals", "at most 96 intervals"),
        ("calls", "1 " * 2500, "shifts.error.too_many_intervals", "at most 96 intervals"),
        ("start", "23:45", "shifts.error.past_midnight", "past midnight"),
        ("aht", "0", "shifts.error.aht_range", "from 1 to 7200 seconds"),
        ("aht", "7201", "shifts.error.aht_range", "from 1 to 7200 seconds"),
        ("aht", "1" * 400, "shifts.error.number", "must be a number"),
        ("service_level", "120", "shifts.error.service_level_range", "from 1 % to 99.9 %"),
        ("service_level", "100", "shifts.error.service_level_range", "from 1 % to 99.9 %"),
        ("service_level", "0.5", "shifts.error.service_level_range", "from 1 % to 99.9 %"),
        ("answer_within", "-1", "shifts.error.answer_within_range", "from 0 to 3600 seconds"),
        ("answer_within", "3601", "shifts.error.answer_within_range", "from 0 to 3600 seconds"),
        ("max_occupancy", "1", "shifts.error.max_occupancy_range", "from 50 % to 100 %"),
        ("max_occupancy", "101", "shifts.error.max_occupancy_range", "from 50 % to 100 %"),
        ("shrinkage", "96", "shifts.error.shrinkage_range", "from 0 % to 95 %"),
    ],
)
async def test_given_planner_input_out_of_bounds_then_field_and_bound_named_and_text_kept(
    ui: UiClient, field: str, typed: str, error: str, named: str
) -> None:
    await ui.login("supervisor")
    form = {"calls": "100 100", "aht": "180", "service_level": "80", "answer_within": "20"}
    form[field] = typed

    response = await ui.post("/shifts/planner", form, headers=HTMX)

    assert response.status_code == 400
    assert ui.last.context["result"] is None
    assert (
        ui.last.context["errors"]["calls" if error == "shifts.error.past_midnight" else field]
        == error
    )
    assert ui.last.context["form"][field] == typed
    assert named in response.text
    assert f'data-testid="planner-{"calls" if field == "start" else field}-error"' in (
        response.text
    )


@pytest.mark.security
async def test_given_forecast_needing_more_agents_than_computed_then_calls_named_with_limit(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    form = {"calls": "10000", "interval": "15", "aht": "7200", "service_level": "80"}
    form["answer_within"] = "20"

    response = await ui.post("/shifts/planner", form, headers=HTMX)

    assert response.status_code == 400
    assert ui.last.context["errors"] == {"calls": "shifts.error.too_many_agents"}
    assert "more than 5000 agents" in response.text


# The worst request the bounds admit: a whole day of quarter hours, each
# needing 4 999 agents (2 499.5 Erlangs under a 50 % occupancy cap).  On the
# event loop, the old search spent about 40 s of CPU on it.
WORST_CASE = {
    "calls": " ".join(["2499.5"] * 96),
    "interval": "15",
    "start": "00:00",
    "date": WEEK,
    "aht": "900",
    "service_level": "99.9",
    "answer_within": "0",
    "max_occupancy": "50",
}


@pytest.mark.security
async def test_given_worst_case_planner_request_then_event_loop_keeps_ticking(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    await ui.get("/shifts/planner")
    async with LoopWatch() as watch:
        response = await ui.post("/shifts/planner", WORST_CASE, headers=HTMX)

    assert response.status_code == 200, response.text[:300]
    rows = ui.last.context["result"].rows
    assert len(rows) == 96 and {row.plan.agents_on_phones for row in rows} == {4999}
    # Generous: the ARI websocket would notice 250 ms; before the fix the
    # loop stood still for the whole computation (tens of seconds).
    longest = watch.longest_hold_s
    assert longest < 0.25, f"loop held {longest:.3f} s over {len(watch.holds_s)} ticks"


@pytest.mark.security
async def test_given_computation_past_its_time_limit_then_clear_error_and_child_killed(
    ui: UiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ui.login("supervisor")
    # No interpreter starts in a millisecond, so the job is always late.
    monkeypatch.setattr(planner, "PLANNER_TIME_LIMIT_S", 0.001)
    started: list[asyncio.subprocess.Process] = []
    spawn = asyncio.create_subprocess_exec

    async def recording_spawn(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await spawn(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recording_spawn)

    response = await ui.post("/shifts/planner", WORST_CASE, headers=HTMX)

    assert response.status_code == 503
    assert ui.last.template == "shifts/_planner.html"
    assert ui.last.context["failure"] == "shifts.planner.timed_out"
    assert ui.last.context["result"] is None
    assert ui.last.context["form"]["calls"] == WORST_CASE["calls"]
    assert 'data-testid="planner-failure"' in response.text
    assert "stopped after 0.001 seconds" in response.text
    assert [process.returncode for process in started] == [-signal.SIGKILL]


async def test_given_planner_without_input_then_form_with_defaults(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.get("/shifts/planner", headers=HTMX)
    assert response.status_code == 200
    assert ui.last.context["result"] is None and ui.last.context["errors"] == {}
    assert ui.last.context["form"]["service_level"] == "80"
    assert 'data-testid="planner-submit"' in response.text


async def test_given_chinese_user_then_shifts_pages_are_in_chinese(ui: UiClient) -> None:
    await ui.login("supervisor")
    await ui.post("/language", {"language": "zh-CN", "next": "/shifts"})
    for path, expected in [
        ("/shifts", "周排班总览"),
        ("/shifts/planner", "人力需求计算"),
        ("/shifts/calendars", "新建日历"),
        ("/shifts/agents/1001", "添加工作时间"),
    ]:
        page = await ui.get(path)
        assert page.status_code == 200 and expected in page.text, path
        assert ui.last.context["language"] == "zh-CN"


def test_given_work_range_then_it_covers_only_whole_intervals() -> None:
    assert WorkRange(480, 540).covers(480, 510)
    assert not WorkRange(480, 525).covers(510, 540)


work_ranges = st.builds(
    lambda start, length: WorkRange(start, min(start + length, 1440)),
    st.integers(0, 1440),
    st.integers(0, 600),
)


@settings(max_examples=200, deadline=None)
@given(
    agents=st.lists(st.lists(work_ranges, max_size=4), max_size=6),
    interval_minutes=st.sampled_from([15, 30, 60]),
    first_start=st.integers(0, 1440),
)
def test_scheduled_agents_are_those_with_one_range_covering_the_whole_interval(
    agents: list[list[WorkRange]], interval_minutes: int, first_start: int
) -> None:
    count = (1440 - first_start) // interval_minutes
    ranges = {str(number): spans for number, spans in enumerate(agents)}

    totals = scheduled_per_interval(ranges, first_start, interval_minutes, count)

    for index, total in enumerate(totals):
        start = first_start + index * interval_minutes
        covering = [
            spans
            for spans in ranges.values()
            if any(work.covers(start, start + interval_minutes) for work in spans)
        ]
        assert total == len(covering)
    assert len(totals) == count


def test_given_planner_job_then_its_answer_matches_the_core_and_refusals_survive() -> None:
    target = ServiceTarget(0.8, 20, shrinkage=0.3)
    ranges = {"1001": (WorkRange(480, 540),), "1002": ()}
    request = planner_job.job_request([100, 10, 0], 30, 480, 180.0, target, ranges)

    plans, scheduled = planner_job.plans_of(planner_job.answer(request))

    assert plans == plan_staffing([100, 10, 0], 1800, 180.0, target)
    assert scheduled == (1, 1, 0)
    too_many = planner_job.job_request([10_000], 15, 0, 7200.0, target, {})
    with pytest.raises(TooManyAgents):
        planner_job.plans_of(planner_job.answer(too_many))
