"""Who works when, across a tenant's agents: one day's ranges and the week overview.

Every function takes the signed-in user's tenant (``tenant_id``); only its
agents are counted.  The arithmetic is ``hotline.shifts.schedule`` (pure).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from hotline.models import Agent
from hotline.models_shifts import ShiftException, ShiftPattern
from hotline.shifts.schedule import DateException, WeeklyShift, WorkRange, working_ranges
from hotline.tenancy import scoped


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
