"""The staffing planner's arithmetic, run in a child process (``hotline.offload``).

Why a child process: with every input bounded (``hotline.erlang``) the worst
request, 96 intervals each needing ~5 000 agents and 2 000 agents' schedules
to count, still costs 30-55 ms of CPU (``python -m hotline.shifts.planner_job
--bench`` on the shared 2-core dev box: 29 and 33 ms for its two cases when
idle, 46 and 54 ms under load).  That is far more than the few milliseconds
a handler may hold the event loop that carries the calls, and a thread would
hold the GIL for as long.  So ``planner.py`` reads the database on the loop,
and this module does all the arithmetic out of the loop's process under a
hard time limit.

Everything here is pure and JSON in, JSON out; ``main`` is the child.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, Final

from hotline.erlang import (
    IntervalPlan,
    PlannerInputError,
    ServiceTarget,
    TooManyAgents,
    plan_staffing,
)
from hotline.shifts.schedule import WorkRange, scheduled_per_interval

MODULE: Final = "hotline.shifts.planner_job"


def job_request(
    calls: Sequence[float],
    interval_minutes: int,
    first_start_minute: int,
    aht_s: float,
    target: ServiceTarget,
    ranges_by_agent: Mapping[str, Sequence[WorkRange]],
) -> dict[str, Any]:
    return {
        "calls": list(calls),
        "interval_minutes": interval_minutes,
        "first_start_minute": first_start_minute,
        "aht_s": aht_s,
        "target": asdict(target),
        "ranges": {
            agent: [[work.start_minute, work.end_minute] for work in ranges]
            for agent, ranges in ranges_by_agent.items()
        },
    }


def answer(request: Mapping[str, Any]) -> dict[str, Any]:
    """Plans and scheduled agents per interval, or the input the core refused."""
    interval_minutes = int(request["interval_minutes"])
    try:
        plans = plan_staffing(
            [float(calls) for calls in request["calls"]],
            interval_minutes * 60,
            float(request["aht_s"]),
            ServiceTarget(**request["target"]),
        )
    except TooManyAgents:
        return {"error": {"too_many_agents": True}}
    except PlannerInputError as error:
        return {"error": {"field": error.field, "reason": error.reason}}
    ranges = {
        agent: [WorkRange(int(start), int(end)) for start, end in spans]
        for agent, spans in request["ranges"].items()
    }
    scheduled = scheduled_per_interval(
        ranges, int(request["first_start_minute"]), interval_minutes, len(plans)
    )
    return {"plans": [asdict(plan) for plan in plans], "scheduled": list(scheduled)}


def plans_of(answered: Mapping[str, Any]) -> tuple[tuple[IntervalPlan, ...], tuple[int, ...]]:
    """The child's answer back as values; PlannerInputError if it refused the input."""
    error = answered.get("error")
    if error is not None:
        if error.get("too_many_agents"):
            raise TooManyAgents()
        raise PlannerInputError(error["field"], error["reason"])
    plans = tuple(IntervalPlan(**plan) for plan in answered["plans"])
    return plans, tuple(int(count) for count in answered["scheduled"])


def _bench() -> None:
    """Print the CPU time of the worst requests the bounds admit."""
    everyone = {f"{n:04d}": [WorkRange(0, 720), WorkRange(720, 1440)] for n in range(2000)}
    cases = {
        "96 x 2499.5 E, occupancy cap 50 %": (2499.5, ServiceTarget(0.999, 0, 0.5)),
        "96 x 4650 E, 99.9 % at once": (4650.0, ServiceTarget(0.999, 0)),
    }
    for name, (erlangs, target) in cases.items():
        request = job_request([erlangs] * 96, 15, 0, 900.0, target, everyone)
        started = time.process_time()
        answered = answer(request)
        spent_ms = (time.process_time() - started) * 1000
        print(f"{name}, 2000 agents: {spent_ms:.1f} ms CPU, {sorted(answered)}")


def main() -> None:
    if "--bench" in sys.argv:
        _bench()
        return
    from hotline.offload import serve_one

    serve_one(answer)


if __name__ == "__main__":
    main()
