"""The staffing planner: required agents per interval against those scheduled.

The event loop's side: read the form and the schedules, hand the arithmetic
to a child process (planner_job, through hotline.offload), turn its answer
into rows.  Nothing here computes on the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from hotline import offload
from hotline.erlang import IntervalPlan, PlannerInputError, ServiceTarget, TooManyAgents
from hotline.shifts import planner_input, planner_job
from hotline.shifts.exceptions import FormInvalid
from hotline.shifts.schedule import clock
from hotline.shifts.week import ranges_on


@dataclass(frozen=True)
class PlannerRow:
    starts: str
    ends: str
    plan: IntervalPlan
    scheduled: int

    @property
    def gap(self) -> int:
        """Negative when fewer agents are scheduled than required."""
        return self.scheduled - self.plan.agents_required


@dataclass(frozen=True)
class PlannerResult:
    day: date
    rows: list[PlannerRow]

    @property
    def gaps(self) -> int:
        return sum(1 for row in self.rows if row.gap < 0)


# The worst request the bounds admit takes ~30 ms of the child's CPU plus
# ~40 ms to start it (measured, see planner_job); 5 s leaves room for a busy
# box and still answers long before a browser or a proxy gives up.
PLANNER_TIME_LIMIT_S: Final = 5.0


def _refusal(error: PlannerInputError) -> FormInvalid:
    """The core's word on an input the form let through (only too many agents, today)."""
    if isinstance(error, TooManyAgents):
        return FormInvalid({"calls": "shifts.error.too_many_agents"})
    keys = {"calls": "shifts.error.calls", "interval": "shifts.error.interval"}
    return FormInvalid({error.field: keys.get(error.field, f"shifts.error.{error.field}_range")})


async def plan(tenant_id: int, form: Mapping[str, Any], today: date) -> PlannerResult:
    """Required against the tenant's scheduled agents per interval; the
    arithmetic runs in a child process (offload.JobError when it does not
    answer in time)."""
    parsed = planner_input.planner(form, today)
    target = ServiceTarget(
        parsed.service_level, parsed.answer_within_s, parsed.max_occupancy, parsed.shrinkage
    )
    request = planner_job.job_request(
        parsed.calls,
        parsed.interval_minutes,
        parsed.first_start_minute,
        parsed.aht_s,
        target,
        await ranges_on(tenant_id, parsed.day),
    )
    answered = await offload.run_job(planner_job.MODULE, request, time_limit_s=PLANNER_TIME_LIMIT_S)
    try:
        plans, scheduled = planner_job.plans_of(answered)
    except PlannerInputError as error:
        raise _refusal(error) from error
    rows = [
        PlannerRow(
            clock(parsed.first_start_minute + index * parsed.interval_minutes),
            clock(parsed.first_start_minute + (index + 1) * parsed.interval_minutes),
            interval,
            scheduled[index],
        )
        for index, interval in enumerate(plans)
    ]
    return PlannerResult(parsed.day, rows)
