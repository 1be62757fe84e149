"""Agent figures (METRICS.md, "Agents"): time in state, occupancy, utilisation.

An agent's day is the run of its state changes (``AgentStateChange``): each
state lasts from its change to the next one, or to ``now`` for the state the
agent is still in.  Time in each state is cut at interval boundaries so that
it accumulates per interval, as the wallboard and the reports show it.

The ACD's states are logged out, ready, ringing, on call, wrap-up and not
ready (with a reason code).  Hold is part of a call: the time an agent holds
a caller is on-call time, and ``hold_s`` is reported beside it when known, so
talk + hold + wrap-up is the on-call plus wrap-up time.

Pure: state changes in, figures out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hotline.metrics.intervals import interval_start

LOGGED_OUT: Final = "logged_out"
READY: Final = "ready"
RINGING: Final = "ringing"
ON_CALL: Final = "on_call"
WRAP_UP: Final = "wrap_up"
NOT_READY: Final = "not_ready"
AGENT_STATES: Final = (LOGGED_OUT, READY, RINGING, ON_CALL, WRAP_UP, NOT_READY)
BUSY_STATES: Final = frozenset({ON_CALL, WRAP_UP})  # talk + hold + wrap-up


@dataclass(frozen=True, slots=True)
class AgentStateChange:
    agent: str
    state: str
    at: datetime
    reason: str = ""  # not-ready reason code


@dataclass(frozen=True, slots=True)
class AgentFigures:
    seconds_in_state: Mapping[str, float] = field(default_factory=dict)
    not_ready_by_reason: Mapping[str, float] = field(default_factory=dict)
    logged_in_s: float = 0.0
    busy_s: float = 0.0
    occupancy: float | None = None
    utilisation: float | None = None


def _spans(
    changes: list[AgentStateChange], since: datetime, until: datetime
) -> Iterable[tuple[AgentStateChange, datetime, datetime]]:
    """Each state with the part of [since, until) it lasted."""
    for index, change in enumerate(changes):
        end = changes[index + 1].at if index + 1 < len(changes) else until
        start, stop = max(change.at, since), min(end, until)
        if stop > start:
            yield change, start, stop


def agent_figures(
    changes: Iterable[AgentStateChange], since: datetime, until: datetime
) -> dict[str, AgentFigures]:
    """Each agent's figures over [since, until).

    Give the last change before ``since`` too, so the state the agent was in
    at ``since`` counts; without it the agent counts as logged out until its
    first change.
    """
    per_agent: defaultdict[str, list[AgentStateChange]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: c.at):
        per_agent[change.agent].append(change)
    result: dict[str, AgentFigures] = {}
    for agent, runs in per_agent.items():
        in_state: defaultdict[str, float] = defaultdict(float)
        by_reason: defaultdict[str, float] = defaultdict(float)
        for change, start, stop in _spans(runs, since, until):
            seconds = (stop - start).total_seconds()
            in_state[change.state] += seconds
            if change.state == NOT_READY:
                by_reason[change.reason or "-"] += seconds
        result[agent] = _figures(in_state, by_reason)
    return result


def _figures(in_state: Mapping[str, float], by_reason: Mapping[str, float]) -> AgentFigures:
    logged_in = sum(s for state, s in in_state.items() if state != LOGGED_OUT)
    busy = sum(in_state.get(state, 0.0) for state in BUSY_STATES)
    available = logged_in - in_state.get(NOT_READY, 0.0)
    return AgentFigures(
        seconds_in_state=dict(in_state),
        not_ready_by_reason=dict(by_reason),
        logged_in_s=logged_in,
        busy_s=busy,
        occupancy=None if available <= 0 else busy / available,
        utilisation=None if logged_in <= 0 else busy / logged_in,
    )


def time_in_state_by_interval(
    changes: Iterable[AgentStateChange],
    since: datetime,
    until: datetime,
    minutes: int,
    zone: ZoneInfo,
) -> dict[datetime, dict[str, float]]:
    """Seconds spent in each state, all agents together, per report interval."""
    totals: defaultdict[datetime, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_agent: defaultdict[str, list[AgentStateChange]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: c.at):
        per_agent[change.agent].append(change)
    for runs in per_agent.values():
        for change, start, stop in _spans(runs, since, until):
            cursor = start
            while cursor < stop:
                bucket = interval_start(cursor, minutes, zone)
                bucket_end = min(stop, _next_boundary(bucket, minutes))
                totals[bucket][change.state] += (bucket_end - cursor).total_seconds()
                cursor = bucket_end
    return {bucket: dict(states) for bucket, states in sorted(totals.items())}


def _next_boundary(bucket: datetime, minutes: int) -> datetime:
    # Absolute time, so a boundary across a clock change is still ``minutes`` on.
    return (bucket.astimezone(ZoneInfo("UTC")) + timedelta(minutes=minutes)).astimezone(
        bucket.tzinfo
    )
