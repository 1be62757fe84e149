"""The wallboard: the live figures of a tenant's queues and agents.

One snapshot serves the wallboard page, its server-sent updates and the
API.  Figures come from ``queue_figures`` over the stored visits ("today so
far" from the site's local midnight, and "the last 15 minutes"); what only
the running ACD knows (who waits now, each agent's state and since when)
comes through the kernel's ``ContactCenter`` port.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from hotline.center import ContactCenter
from hotline.metrics.agent_figures import AGENT_STATES
from hotline.metrics.intervals import by_interval, day_bounds
from hotline.metrics.queue_figures import QueueFigures, QueueTargets, queue_figures, sl_colour
from hotline.metrics.store import (
    agent_state_changes,
    caller_numbers,
    queue_visits,
    with_wrap_up,
)
from hotline.metrics.visits import ABANDONED, QueueVisit
from hotline.models import Agent, Queue
from hotline.tenancy import scoped

RECENT: Final = timedelta(minutes=15)
ABANDONED_LIST_SIZE: Final = 20


@dataclass(frozen=True, slots=True)
class QueueBoard:
    name: str
    targets: QueueTargets
    waiting_now: int
    longest_wait_now_s: float | None
    today: QueueFigures
    last_15_min: QueueFigures
    sl_colour: str
    # Callbacks keeping their place in the queue (virtual hold), not on the line.
    callbacks_waiting_now: int = 0


@dataclass(frozen=True, slots=True)
class AgentOnBoard:
    extension: str
    name: str
    state: str
    reason: str
    in_state_s: float
    registered: bool


@dataclass(frozen=True, slots=True)
class IntervalCounts:
    start: datetime  # local
    offered: int
    answered: int
    abandoned: int


@dataclass(frozen=True, slots=True)
class AbandonedCall:
    call_id: str
    queue: str
    caller: str
    entered_at: datetime  # local
    waited_s: float


@dataclass(frozen=True, slots=True)
class Wallboard:
    at: datetime  # local
    queues: tuple[QueueBoard, ...]
    agents_by_state: Mapping[str, tuple[AgentOnBoard, ...]]
    intervals: tuple[IntervalCounts, ...]
    abandoned: tuple[AbandonedCall, ...]
    totals: QueueFigures = field(default_factory=QueueFigures)


def targets_of(queue: Queue) -> QueueTargets:
    return QueueTargets(
        sl_threshold_s=float(queue.sl_threshold_s),
        sl_target=queue.sl_target_pct / 100,
        short_abandon_s=float(queue.short_abandon_s),
    )


async def wallboard(
    center: ContactCenter, tenant_id: int, zone: ZoneInfo, now: datetime, interval_minutes: int = 15
) -> Wallboard:
    """The tenant's board at ``now`` (aware)."""
    local_now = now.astimezone(zone)
    day_start, _ = day_bounds(local_now.date(), zone)
    queues = await scoped(Queue, tenant_id).order_by("name")
    agents = await scoped(Agent, tenant_id).order_by("extension")
    visits = await queue_visits(tenant_id, day_start, now + timedelta(seconds=1))
    extensions = [agent.extension for agent in agents]
    changes = await agent_state_changes(extensions, day_start, now + timedelta(seconds=1))
    visits = with_wrap_up(visits, changes, now)
    by_queue: defaultdict[str, list[QueueVisit]] = defaultdict(list)
    for visit in visits:
        by_queue[visit.queue].append(visit)
    boards = tuple(_queue_board(center, queue, by_queue[queue.name], now) for queue in queues)
    names = {queue.name for queue in queues}
    mine = [visit for visit in visits if visit.queue in names]
    return Wallboard(
        at=local_now,
        queues=boards,
        agents_by_state=_agents_by_state(center, agents, now),
        intervals=_intervals(mine, interval_minutes, zone),
        abandoned=await _abandoned(mine, zone, now),
        totals=queue_figures(mine, QueueTargets(), now),
    )


def _queue_board(
    center: ContactCenter, queue: Queue, visits: Sequence[QueueVisit], now: datetime
) -> QueueBoard:
    targets = targets_of(queue)
    today = queue_figures(visits, targets, now)
    recent = queue_figures([v for v in visits if v.entered_at >= now - RECENT], targets, now)
    live: Mapping[str, Any] = center.queue_status(queue.name) or {}
    in_line = list(live.get("waiting", ()))
    waiting = [w for w in in_line if not w.get("kept_place")]
    longest = float(live["longest_wait_s"]) if waiting and "longest_wait_s" in live else None
    return QueueBoard(
        name=queue.name,
        targets=targets,
        waiting_now=len(waiting),
        longest_wait_now_s=longest,
        today=today,
        last_15_min=recent,
        sl_colour=sl_colour(today.service_level, targets.sl_target),
        callbacks_waiting_now=len(in_line) - len(waiting),
    )


def _agents_by_state(
    center: ContactCenter, agents: Sequence[Agent], now: datetime
) -> dict[str, tuple[AgentOnBoard, ...]]:
    names = {agent.extension: agent.name for agent in agents}
    grouped: dict[str, list[AgentOnBoard]] = {state: [] for state in AGENT_STATES}
    for status in center.agent_statuses():
        extension = str(status.get("extension", ""))
        if extension not in names:
            continue  # another tenant's agent
        state = str(status.get("state", "logged_out"))
        since = float(status.get("state_since") or now.timestamp())
        grouped.setdefault(state, []).append(
            AgentOnBoard(
                extension=extension,
                name=names[extension],
                state=state,
                reason=str(status.get("reason") or ""),
                in_state_s=max(0.0, now.timestamp() - since),
                registered=bool(status.get("registered")),
            )
        )
    return {state: tuple(rows) for state, rows in grouped.items()}


def _intervals(
    visits: Sequence[QueueVisit], minutes: int, zone: ZoneInfo
) -> tuple[IntervalCounts, ...]:
    counts = []
    for start, group in by_interval(visits, minutes, zone).items():
        counts.append(
            IntervalCounts(
                start=start,
                offered=len(group),
                answered=sum(1 for v in group if v.outcome == "answered"),
                abandoned=sum(1 for v in group if v.outcome == ABANDONED),
            )
        )
    return tuple(counts)


async def _abandoned(
    visits: Sequence[QueueVisit], zone: ZoneInfo, now: datetime
) -> tuple[AbandonedCall, ...]:
    gone = sorted(
        (v for v in visits if v.outcome == ABANDONED), key=lambda v: v.entered_at, reverse=True
    )[:ABANDONED_LIST_SIZE]
    callers = await caller_numbers(v.call_id for v in gone)
    return tuple(
        AbandonedCall(
            call_id=v.call_id,
            queue=v.queue,
            caller=callers.get(v.call_id, ""),
            entered_at=v.entered_at.astimezone(zone),
            waited_s=v.waited_s(now),
        )
        for v in gone
    )


def interval_label(start: datetime) -> str:
    return start.strftime("%H:%M")
