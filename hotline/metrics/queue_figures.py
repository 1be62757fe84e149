"""Inbound queue figures, exactly as ../shared/METRICS.md defines them.

The wallboard, the reports, the API and the tests all call ``queue_figures``;
no other code computes a rate.  Each figure's docstring line below is the
definition shown beside it in the UI (``DEFINITIONS``).

Choices METRICS.md leaves open, made here:
* "within the threshold" includes the threshold itself (a call answered at
  exactly 20 s is within a 20 s service level);
* a caller still waiting is offered, but stays out of the service level until
  the call is answered, abandoned or sent on, or until they have waited past
  the threshold, when the call can no longer be answered in time and counts
  against the level at once.  For any past period nobody is waiting, so
  this only shapes the live "today so far";
* a figure whose denominator is 0 is ``None``, shown as "–" (``shown``).

Pure: visits and settings in, figures out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final

from hotline.metrics.visits import ABANDONED, ANSWERED, CALLBACK, OVERFLOWED, QueueVisit

# How abandoned calls weigh on the service level (Cisco documents all three).
ABANDONS_COUNT_AGAINST: Final = "count_against"  # METRICS.md's default
ABANDONS_IGNORED: Final = "ignored"
ABANDONS_IN_THRESHOLD_GOOD: Final = "in_threshold_good"
ABANDON_TREATMENTS: Final = (ABANDONS_COUNT_AGAINST, ABANDONS_IGNORED, ABANDONS_IN_THRESHOLD_GOOD)

EMPTY: Final = "–"  # a figure whose denominator is 0


@dataclass(frozen=True, slots=True)
class QueueTargets:
    """A queue's settings for its figures; the defaults are METRICS.md's."""

    sl_threshold_s: float = 20.0
    sl_target: float = 0.80
    short_abandon_s: float = 5.0
    abandon_treatment: str = ABANDONS_COUNT_AGAINST

    def __post_init__(self) -> None:
        if self.abandon_treatment not in ABANDON_TREATMENTS:
            raise ValueError(f"abandon_treatment: unknown {self.abandon_treatment!r}")
        if not 0.0 <= self.sl_target <= 1.0:
            raise ValueError("sl_target: must be between 0 and 1")
        if self.sl_threshold_s < 0 or self.short_abandon_s < 0:
            raise ValueError("thresholds must not be negative")


@dataclass(frozen=True, slots=True)
class QueueFigures:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    overflowed: int = 0
    overflowed_by_rule: Mapping[str, int] = field(default_factory=dict)
    overflowed_to: Mapping[str, int] = field(default_factory=dict)  # destination queue
    callback_requested: int = 0
    callbacks_completed: int = 0
    time_to_callback_s: float | None = None
    waiting: int = 0
    answered_in_threshold: int = 0
    service_level: float | None = None
    asa_s: float | None = None
    aht_s: float | None = None
    avg_talk_s: float | None = None
    avg_wrap_up_s: float | None = None
    avg_wait_s: float | None = None
    abandon_rate: float | None = None
    longest_wait_now_s: float | None = None
    agent_connect_rate: float | None = None
    timely_answer_rate: float | None = None


DEFINITIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "offered": "Calls that entered the queue; a call moved to another queue counts in both.",
        "answered": "Offered calls connected to an agent (the agent's leg answered and bridged).",
        "abandoned": "Offered calls whose caller hung up while waiting or while an agent rang.",
        "short_abandoned": "Abandoned within the short-abandon threshold; left out of the rates.",
        "overflowed": "Calls that left the queue by a rule: max wait, no agents, closed, full.",
        "callback_requested": "Calls that left the queue keeping their place for a call back.",
        "callbacks_completed": "Call backs (virtual hold) connected to an agent; not offered"
        " calls of their own.",
        "time_to_callback_s": "Mean time from a call back's request to its caller's agent"
        " answering.",
        "service_level": "Answered within the threshold ÷ (offered − short abandoned"
        " − callback requested).",
        "asa_s": "Mean wait of answered calls.",
        "aht_s": "Mean of talk + hold + wrap-up over answered calls.",
        "avg_talk_s": "Mean talk time of answered calls, from the agent's answer (平均通话时间).",
        "avg_wrap_up_s": "Mean wrap-up after answered calls (平均案头处理时长).",
        "avg_wait_s": "Mean wait of answered and abandoned calls (平均等待时间).",
        "abandon_rate": "(Abandoned − short abandoned) ÷ (offered − short abandoned).",
        "longest_wait_now_s": "Age of the oldest caller still waiting.",
        "agent_connect_rate": "Answered ÷ calls that reached a queue (人工接通率).",
        "timely_answer_rate": "Answered within the threshold ÷ answered (及时应答率).",
    }
)


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else numerator / denominator


def _mean(values: list[float]) -> float | None:
    return None if not values else sum(values) / len(values)


def queue_figures(
    visits: Iterable[QueueVisit], targets: QueueTargets, now: datetime
) -> QueueFigures:
    """The figures of one queue (or one interval of it) over ``visits``."""
    threshold = targets.sl_threshold_s
    offered = answered = abandoned = short = callbacks = waiting = 0
    in_threshold = abandoned_in_threshold = past_threshold_waiting = 0
    rules: Counter[str] = Counter()
    destinations: Counter[str] = Counter()
    answered_waits: list[float] = []
    handle_times: list[float] = []
    talk_times: list[float] = []
    wrap_ups: list[float] = []
    resolved_waits: list[float] = []  # answered and abandoned
    longest: float | None = None
    calls_answered: set[str] = set()
    calls_offered: set[str] = set()
    completed_callbacks: list[float] = []
    for visit in visits:
        if visit.is_callback:
            # The call back of a request counted when its caller left: not offered again.
            if visit.outcome == ANSWERED and visit.left_at and visit.callback_requested_at:
                elapsed = (visit.left_at - visit.callback_requested_at).total_seconds()
                completed_callbacks.append(max(0.0, elapsed))
            continue
        offered += 1
        calls_offered.add(visit.call_id)
        wait = visit.waited_s(now)
        if visit.outcome is None:
            waiting += 1
            longest = wait if longest is None else max(longest, wait)
            past_threshold_waiting += wait > threshold
        elif visit.outcome == ANSWERED:
            answered += 1
            calls_answered.add(visit.call_id)
            answered_waits.append(wait)
            resolved_waits.append(wait)
            in_threshold += wait <= threshold
            if visit.handle_s is not None and visit.talk_s is not None:
                handle_times.append(visit.handle_s)
                talk_times.append(visit.talk_s)
                wrap_ups.append(visit.wrap_up_s)
        elif visit.outcome == ABANDONED:
            abandoned += 1
            resolved_waits.append(wait)
            if wait <= targets.short_abandon_s:
                short += 1
            elif wait <= threshold:
                abandoned_in_threshold += 1
        elif visit.outcome == CALLBACK:
            callbacks += 1
        elif visit.outcome == OVERFLOWED:
            rules[visit.overflow_rule or "max_wait"] += 1
            if visit.moved_to_queue:
                destinations[visit.moved_to_queue] += 1
    overflowed = sum(rules.values())
    # Callers still inside the threshold have not yet had their chance.
    undecided = waiting - past_threshold_waiting
    if targets.abandon_treatment == ABANDONS_IGNORED:
        sl_good = in_threshold
        sl_base = offered - abandoned - callbacks - undecided
    elif targets.abandon_treatment == ABANDONS_IN_THRESHOLD_GOOD:
        sl_good = in_threshold + abandoned_in_threshold
        sl_base = offered - short - callbacks - undecided
    else:
        sl_good = in_threshold
        sl_base = offered - short - callbacks - undecided
    return QueueFigures(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short,
        overflowed=overflowed,
        overflowed_by_rule=dict(rules),
        overflowed_to=dict(destinations),
        callback_requested=callbacks,
        callbacks_completed=len(completed_callbacks),
        time_to_callback_s=_mean(completed_callbacks),
        waiting=waiting,
        answered_in_threshold=in_threshold,
        service_level=_ratio(sl_good, sl_base),
        asa_s=_mean(answered_waits),
        aht_s=_mean(handle_times),
        avg_talk_s=_mean(talk_times),
        avg_wrap_up_s=_mean(wrap_ups),
        avg_wait_s=_mean(resolved_waits),
        abandon_rate=_ratio(abandoned - short, offered - short),
        longest_wait_now_s=longest,
        agent_connect_rate=_ratio(len(calls_answered), len(calls_offered)),
        timely_answer_rate=_ratio(in_threshold, answered),
    )


def sl_colour(service_level: float | None, target: float, amber_margin: float = 0.05) -> str:
    """Green at or above target, amber within ``amber_margin`` below it, else red."""
    if service_level is None:
        return "none"
    if service_level >= target:
        return "green"
    if service_level >= target - amber_margin:
        return "amber"
    return "red"


def shown(value: float | int | None, *, percent: bool = False, digits: int = 0) -> str:
    """A figure as text: "–" for an empty denominator, never 0 % or 100 %."""
    if value is None:
        return EMPTY
    if percent:
        return f"{value * 100:.{digits}f} %"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"
