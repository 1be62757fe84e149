"""Queue visits: what the figures are computed from.

A *visit* is one call's stay in one queue, from entering it to leaving it.
A call that overflows from queue A into queue B makes two visits, so it
counts as offered in both, and the first is marked as moved on (METRICS.md,
"offered").  Visits are read from the call timeline every call already
writes (``hotline/calls.py``): ``queue_joined`` opens a visit, ``answered``
marks the agent's answer, and ``queue_left`` closes it with the ACD's
outcome and reason.  A caller the queue turned away on arrival (no agent
logged in) has ``queue_left`` without ``queue_joined``: that is a visit of
no wait, overflowed by the "no agents" rule.

Pure: timeline entries in, visits out; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

# What a visit ended in.  ``None`` while the caller still waits.
ANSWERED: Final = "answered"
ABANDONED: Final = "abandoned"
OVERFLOWED: Final = "overflowed"
CALLBACK: Final = "callback"  # left keeping their place for a call back
VISIT_OUTCOMES: Final = frozenset({ANSWERED, ABANDONED, OVERFLOWED, CALLBACK})

# The ACD's outcomes (ari_apps/acd/commands.py, CallerLeft.outcome) that are
# an overflow by a rule, and the rule each stands for when no reason says more.
_ACD_OVERFLOW_RULES: Final = {
    "overflowed": "max_wait",
    "timed_out": "max_wait",
    "rejected": "no_agents",
}
# The ACD's reasons (CallerLeft.reason) named as METRICS.md's rules.
_RULE_OF_REASON: Final = {
    "max_wait": "max_wait",
    "caller_max_wait": "max_wait",
    "join_empty": "no_agents",
    "leave_empty": "no_agents",
    "queue_removed": "closed",
    "closed": "closed",
    "full": "full",
}


@dataclass(frozen=True, slots=True)
class QueueVisit:
    """One call's stay in one queue.  Times are timezone-aware (UTC in storage)."""

    call_id: str
    queue: str
    entered_at: datetime
    outcome: str | None = None  # one of VISIT_OUTCOMES; None: still waiting
    left_at: datetime | None = None  # answered, hung up, or sent on
    agent: str | None = None
    overflow_rule: str | None = None  # max_wait, no_agents, closed, full
    moved_to_queue: str | None = None  # overflowed into another queue
    # Handle time parts, known once the call (and the agent's wrap-up) ended.
    talk_s: float | None = None
    hold_s: float = 0.0
    wrap_up_s: float = 0.0
    # A queue callback's call back (virtual hold), with when it was asked
    # for: not a new caller; the request was counted when the caller left.
    callback_requested_at: datetime | None = None

    @property
    def is_callback(self) -> bool:
        return self.callback_requested_at is not None

    @property
    def wait_s(self) -> float | None:
        """From entering the queue until answered or abandoned (or sent on)."""
        if self.left_at is None:
            return None
        return max(0.0, (self.left_at - self.entered_at).total_seconds())

    def waited_s(self, now: datetime) -> float:
        """How long the caller has waited by ``now`` (their whole wait once they left)."""
        end = self.left_at if self.left_at is not None else now
        return max(0.0, (end - self.entered_at).total_seconds())

    @property
    def handle_s(self) -> float | None:
        """Talk + hold + wrap-up of an answered call whose talk has ended."""
        if self.outcome != ANSWERED or self.talk_s is None:
            return None
        return self.talk_s + self.hold_s + self.wrap_up_s


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One row of a call's timeline (``call_event``): when, what, and its data."""

    at: datetime
    kind: str
    data: Mapping[str, Any]


def visits_from_timeline(call_id: str, entries: Iterable[TimelineEntry]) -> list[QueueVisit]:
    """The queue visits of one call, in order, from its timeline entries.

    Talk time runs from the agent's answer to the call's end (``ended``) or to
    a transfer away (``transferred``), whichever comes first, less the time
    the caller was on hold (``held`` to ``resumed``), which is hold time.
    Wrap-up is not on the call's timeline; the caller of this adds it.
    """
    visits: list[QueueVisit] = []
    open_visit: QueueVisit | None = None
    talking: int | None = None  # index in visits of the answered visit still talking
    held_since: datetime | None = None  # the talking visit's caller is on hold
    held_s = 0.0
    for entry in sorted(entries, key=lambda e: e.at):
        if entry.kind == "held" and held_since is None:
            held_since = entry.at
            continue
        if entry.kind == "resumed" and held_since is not None:
            held_s += max(0.0, (entry.at - held_since).total_seconds())
            held_since = None
            continue
        if entry.kind == "queue_joined":
            open_visit = QueueVisit(
                call_id,
                str(entry.data.get("queue", "")),
                entry.at,
                callback_requested_at=_requested_at(entry),
            )
        elif entry.kind == "answered":
            agent = entry.data.get("agent")
            agent = None if agent is None else str(agent)
            if open_visit is not None:
                open_visit = replace(open_visit, outcome=ANSWERED, left_at=entry.at, agent=agent)
            elif talking is not None and visits[talking].agent is None:
                # The ACD notes the caller leaving the queue as it connects
                # them, before the bridge job writes "answered".
                visits[talking] = replace(visits[talking], agent=agent)
        elif entry.kind == "queue_left":
            queue = str(entry.data.get("queue", ""))
            if open_visit is None or open_visit.queue != queue:
                open_visit = QueueVisit(call_id, queue, entry.at)  # turned away on arrival
            closed = _left(open_visit, entry)
            visits.append(closed)
            if closed.outcome == ANSWERED:
                talking = len(visits) - 1
            open_visit = None
        elif entry.kind in ("ended", "transferred") and talking is not None:
            answered = visits[talking]
            assert answered.left_at is not None
            if held_since is not None:  # ended while on hold
                held_s += max(0.0, (entry.at - held_since).total_seconds())
                held_since = None
            elapsed = max(0.0, (entry.at - answered.left_at).total_seconds())
            # METRICS.md: AHT is talk + hold + wrap-up, so held time is hold, not talk.
            visits[talking] = replace(answered, talk_s=max(0.0, elapsed - held_s), hold_s=held_s)
            talking = None
            held_s = 0.0
    if open_visit is not None:
        visits.append(open_visit)  # still waiting, or answered and not yet left
    return _with_moves(visits)


def _requested_at(entry: TimelineEntry) -> datetime | None:
    """When a call back's request was made (its ``queue_joined`` says so)."""
    if not entry.data.get("callback"):
        return None
    requested = entry.data.get("requested_at")
    try:
        return datetime.fromisoformat(str(requested)) if requested else entry.at
    except ValueError:
        return entry.at


def _with_moves(visits: list[QueueVisit]) -> list[QueueVisit]:
    """An overflow followed by another queue's visit moved the caller there."""
    moved = list(visits)
    for index, visit in enumerate(visits[:-1]):
        if visit.outcome == OVERFLOWED and visit.moved_to_queue is None:
            moved[index] = replace(visit, moved_to_queue=visits[index + 1].queue)
    return moved


def _left(visit: QueueVisit, entry: TimelineEntry) -> QueueVisit:
    acd_outcome = str(entry.data.get("outcome", ""))
    reason = str(entry.data.get("reason", "") or "")
    if acd_outcome == ANSWERED or visit.outcome == ANSWERED:
        return replace(visit, outcome=ANSWERED, left_at=visit.left_at or entry.at)
    if acd_outcome == ABANDONED:
        return replace(visit, outcome=ABANDONED, left_at=entry.at)
    if acd_outcome == CALLBACK:
        return replace(visit, outcome=CALLBACK, left_at=entry.at)
    rule = _RULE_OF_REASON.get(reason) or _ACD_OVERFLOW_RULES.get(acd_outcome, "max_wait")
    moved = entry.data.get("moved_to_queue")
    return replace(
        visit,
        outcome=OVERFLOWED,
        left_at=entry.at,
        overflow_rule=rule,
        moved_to_queue=None if moved is None else str(moved),
    )
