"""Agent schedules: each agent's weekly patterns and date exceptions.

Schedules belong to agents, and so to the agents' tenant: every function here
takes the signed-in user's tenant (``tenant_id``), and another tenant's agent
or schedule row is as unknown as a missing one.  Who works on a given day is
``hotline.shifts.week``; the forms are read by ``schedule_input``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotline.errors import NotFound
from hotline.models import Agent
from hotline.models_shifts import ShiftException, ShiftPattern
from hotline.shifts import schedule_input
from hotline.shifts.change import Change
from hotline.shifts.exceptions import FormInvalid
from hotline.shifts.schedule import WEEKDAY_KEYS, clock
from hotline.tenancy import scoped


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
    weekday, hours = schedule_input.weekly_pattern(form)
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
    parsed = schedule_input.date_exception(form)
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
