"""Shifts: agent schedules and business calendars (the planner is planner.py).

Schedules belong to agents, and so to the agents' tenant: every function here
takes the signed-in user's tenant (``tenant_id``), and another tenant's agent
or schedule row is as unknown as a missing one.  Business calendars are the
tenant's too, and only its own flows can use one (hotline/calendars.py looks
names up in the flow's tenant).  Calendar names stay one namespace, so a name
another tenant holds is refused as "not available", saying no more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from admin_ui.shifts import forms
from admin_ui.shifts.exceptions import CalendarInUse, FormInvalid
from admin_ui.shifts.schedule import (
    WEEKDAY_KEYS,
    DateException,
    WeeklyShift,
    WorkRange,
    clock,
    working_ranges,
)
from ari_apps.ivr.validation import check_calendar
from hotline.calendars import CalendarInvalid, referenced_calendars, spec_of
from hotline.errors import NotFound
from hotline.models import Agent, Flow, FlowVersion
from hotline.models_shifts import BusinessCalendar, ShiftException, ShiftPattern
from hotline.tenancy import scoped


@dataclass(frozen=True)
class Change:
    """What the handler audits: the object and its state before and after."""

    object_id: str
    before: Any
    after: Any


# --- agent schedules -------------------------------------------------------


def _pattern_json(row: ShiftPattern) -> dict[str, Any]:
    return {
        "id": row.id,
        "weekday": WEEKDAY_KEYS[row.weekday],
        "from": clock(row.start_minute),
        "to": clock(row.end_minute),
    }


def _exception_json(row: ShiftException) -> dict[str, Any]:
    hours = None
    if not row.off and row.start_minute is not None and row.end_minute is not None:
        hours = {"from": clock(row.start_minute), "to": clock(row.end_minute)}
    return {
        "id": row.id,
        "day": row.day.isoformat(),
        "off": row.off,
        "hours": hours,
        "note": row.note,
    }


async def _agent(tenant_id: int, extension: str) -> Agent:
    agent = await scoped(Agent, tenant_id).get_or_none(extension=extension)
    if agent is None:
        raise NotFound(f"no agent with extension {extension!r}", {"extension": extension})
    return agent


@dataclass(frozen=True)
class AgentSchedule:
    extension: str
    name: str
    patterns: list[dict[str, Any]]  # sorted by weekday, then start
    exceptions: list[dict[str, Any]]  # sorted by date


async def agent_schedule(tenant_id: int, extension: str) -> AgentSchedule:
    agent = await _agent(tenant_id, extension)
    patterns = await ShiftPattern.filter(agent=agent).order_by("weekday", "start_minute", "id")
    exceptions = await ShiftException.filter(agent=agent).order_by("day", "start_minute", "id")
    return AgentSchedule(
        agent.extension,
        agent.name,
        [_pattern_json(row) for row in patterns],
        [_exception_json(row) for row in exceptions],
    )


async def add_pattern(tenant_id: int, extension: str, form: Mapping[str, Any]) -> Change:
    agent = await _agent(tenant_id, extension)
    weekday, hours = forms.weekly_pattern(form)
    same_day = await ShiftPattern.filter(agent=agent, weekday=weekday)
    # Overlapping ranges on one day are almost always a typo, and would
    # count the agent once anyway.
    if any(
        row.start_minute < hours.end_minute and hours.start_minute < row.end_minute
        for row in same_day
    ):
        raise FormInvalid({"start": "shifts.error.overlap"})
    row = await ShiftPattern.create(
        agent=agent, weekday=weekday, start_minute=hours.start_minute, end_minute=hours.end_minute
    )
    return Change(f"{extension}/{row.id}", None, _pattern_json(row))


async def delete_pattern(tenant_id: int, extension: str, pattern_id: str) -> Change:
    agent = await _agent(tenant_id, extension)
    row = (
        await scoped(ShiftPattern, tenant_id).get_or_none(id=int(pattern_id), agent=agent)
        if pattern_id.isdigit()
        else None
    )
    if row is None:
        raise NotFound(f"no pattern {pattern_id!r} for {extension!r}", {"pattern": pattern_id})
    before = _pattern_json(row)
    await row.delete()
    return Change(f"{extension}/{pattern_id}", before, None)


async def add_exception(tenant_id: int, extension: str, form: Mapping[str, Any]) -> Change:
    agent = await _agent(tenant_id, extension)
    parsed = forms.date_exception(form)
    row = await ShiftException.create(
        agent=agent,
        day=parsed.day,
        off=parsed.off,
        start_minute=parsed.hours.start_minute if parsed.hours else None,
        end_minute=parsed.hours.end_minute if parsed.hours else None,
        note=parsed.note,
    )
    return Change(f"{extension}/{row.id}", None, _exception_json(row))


async def delete_exception(tenant_id: int, extension: str, exception_id: str) -> Change:
    agent = await _agent(tenant_id, extension)
    row = (
        await scoped(ShiftException, tenant_id).get_or_none(id=int(exception_id), agent=agent)
        if exception_id.isdigit()
        else None
    )
    if row is None:
        raise NotFound(
            f"no exception {exception_id!r} for {extension!r}", {"exception": exception_id}
        )
    before = _exception_json(row)
    await row.delete()
    return Change(f"{extension}/{exception_id}", before, None)


async def ranges_on(tenant_id: int, day: date) -> dict[str, tuple[WorkRange, ...]]:
    """The working ranges on ``day`` of each of the tenant's agents, by extension."""
    agents = await scoped(Agent, tenant_id).order_by("extension").values_list("id", "extension")
    patterns = (
        await scoped(ShiftPattern, tenant_id)
        .filter(weekday=day.weekday())
        .values("agent_id", "weekday", "start_minute", "end_minute")
    )
    exceptions = (
        await scoped(ShiftException, tenant_id)
        .filter(day=day)
        .values("agent_id", "day", "off", "start_minute", "end_minute")
    )
    # Grouped once: matching every row against every agent was O(agents × rows).
    weekly: dict[int, list[WeeklyShift]] = defaultdict(list)
    for p in patterns:
        weekly[p["agent_id"]].append(
            WeeklyShift(p["weekday"], WorkRange(p["start_minute"], p["end_minute"]))
        )
    dated: dict[int, list[DateException]] = defaultdict(list)
    for e in exceptions:
        hours = None if e["off"] else WorkRange(e["start_minute"], e["end_minute"])
        dated[e["agent_id"]].append(DateException(e["day"], e["off"], hours))
    return {
        extension: working_ranges(weekly.get(agent_id, ()), dated.get(agent_id, ()), day)
        for agent_id, extension in agents
    }


@dataclass(frozen=True)
class WeekRow:
    extension: str
    name: str
    days: list[list[str]]  # per day, the range labels ("08:00–12:00")
    exception_days: list[bool]  # per day, whether an exception applies


@dataclass(frozen=True)
class WeekOverview:
    week_start: date
    days: list[date]
    rows: list[WeekRow] = field(default_factory=list)

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)


async def week_overview(tenant_id: int, any_day: date) -> WeekOverview:
    week_start = any_day - timedelta(days=any_day.weekday())
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    per_day = [await ranges_on(tenant_id, day) for day in days]
    exception_keys = set(
        await scoped(ShiftException, tenant_id)
        .filter(day__gte=days[0], day__lte=days[-1])
        .values_list("agent__extension", "day")
    )
    rows = [
        WeekRow(
            agent.extension,
            agent.name,
            [[work.label for work in ranges[agent.extension]] for ranges in per_day],
            [(agent.extension, day) in exception_keys for day in days],
        )
        for agent in await scoped(Agent, tenant_id).order_by("extension")
    ]
    return WeekOverview(week_start, days, rows)


# --- business calendars ----------------------------------------------------


def _calendar_json(row: BusinessCalendar) -> dict[str, Any]:
    return {
        "name": row.name,
        "timezone": row.timezone,
        "hours": row.hours,
        "holidays": row.holidays,
    }


async def list_calendars(tenant_id: int) -> list[dict[str, Any]]:
    rows = await scoped(BusinessCalendar, tenant_id).order_by("name")
    return [_calendar_json(row) for row in rows]


async def _calendar(tenant_id: int, name: str) -> BusinessCalendar:
    """The tenant's calendar ``name``; another tenant's is as missing as none."""
    row = await scoped(BusinessCalendar, tenant_id).get_or_none(name=name)
    if row is None:
        raise NotFound(f"no calendar named {name!r}", {"calendar": name})
    return row


async def get_calendar(tenant_id: int, name: str) -> dict[str, Any]:
    row = await _calendar(tenant_id, name)
    return {**_calendar_json(row), "used_by": await calendar_usage(tenant_id, name)}


async def calendar_usage(tenant_id: int, name: str) -> list[str]:
    """The tenant's flows whose draft or live version names the calendar.

    Only a flow of the calendar's tenant can use it: other tenants' flows
    look the name up among their own calendars.
    """
    used: list[str] = []
    for flow in await scoped(Flow, tenant_id).order_by("name"):
        definitions = [flow.draft]
        if flow.published_version_id is not None:
            live = await scoped(FlowVersion, tenant_id).get_or_none(id=flow.published_version_id)
            if live is not None:
                definitions.append(live.definition)
        if any(isinstance(d, dict) and name in referenced_calendars(d) for d in definitions):
            used.append(flow.name)
    return used


def _checked(form: Mapping[str, Any]) -> forms.CalendarInput:
    parsed = forms.calendar(form)
    try:
        check_calendar(spec_of(parsed.timezone, parsed.hours, parsed.holidays))
    except CalendarInvalid as error:
        # The form parser accepts what the flow engine accepts; this is the
        # engine's last word, shown on the hours field.
        raise FormInvalid({"hours": "shifts.error.hours_line"}) from error
    return parsed


async def create_calendar(tenant_id: int, form: Mapping[str, Any]) -> Change:
    parsed = _checked(form)
    if await scoped(BusinessCalendar, tenant_id).filter(name=parsed.name).exists():
        raise FormInvalid({"name": "shifts.error.calendar_exists"})
    if await BusinessCalendar.exists(name=parsed.name):
        # Another tenant's: names are global, but whose it is is not ours to say.
        raise FormInvalid({"name": "shifts.error.calendar_unavailable"})
    row = await BusinessCalendar.create(
        tenant_id=tenant_id,
        name=parsed.name,
        timezone=parsed.timezone,
        hours=parsed.hours,
        holidays=parsed.holidays,
    )
    return Change(row.name, None, _calendar_json(row))


async def update_calendar(tenant_id: int, name: str, form: Mapping[str, Any]) -> Change:
    row = await _calendar(tenant_id, name)
    # The name is how flows refer to the calendar, so it is not editable here.
    parsed = _checked({**form, "name": name})
    before = _calendar_json(row)
    row.timezone, row.hours, row.holidays = parsed.timezone, parsed.hours, parsed.holidays
    await row.save()
    return Change(name, before, _calendar_json(row))


async def delete_calendar(tenant_id: int, name: str) -> Change:
    row = await _calendar(tenant_id, name)
    # Only the tenant's own flows can use its calendar (see calendar_usage).
    used_by = await calendar_usage(tenant_id, name)
    if used_by:
        raise CalendarInUse(name, used_by)
    before = _calendar_json(row)
    await row.delete()
    return Change(name, before, None)
