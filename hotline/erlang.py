"""Erlang-C staffing: how many agents an interval needs to meet a service target.

Pure arithmetic, no I/O.  Erlang C is computed from the Erlang B recursion
B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), which stays between 0 and 1 at
every step; the textbook formula with A^N / N! overflows floats for the
traffic of a large centre long before the answer stops being interesting.

Why the inputs are bounded and the search walks the recursion once: the
search for the smallest N used to restart the recursion from 0 for every
candidate N, O(N²) per interval, and nothing bounded N but a 10 000-agent
stop.  A 1 % occupancy cap on 99 Erlangs took 2.1 s of CPU for one interval
(2.46 s in the review that found it) and 96 such intervals about 205 s, on
the event loop that also serves ARI.  Now the search starts at the first N
the occupancy cap allows and steps B(n) to B(n+1) as it goes, so an interval
costs at most MAX_AGENTS steps of the recursion, and every input has a range
a real centre stays inside.  The worst request the bounds admit (96
intervals, each needing 4 999 agents: 2 499.5 Erlangs under a 50 % occupancy
cap) takes 0.42 s per interval with the old search (~40 s for the day) and
about 25 ms for all 96 with this one (CPython 3.11, one core of the 2-core
dev box; ``python -m hotline.shifts.planner_job --bench`` measures it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# The ranges a real centre stays inside (a 12345-style government hotline
# runs about 1 500 seats over 96 quarter hours).  They bound the work of one
# request: at most MAX_INTERVALS × MAX_AGENTS steps of the recursion.
MAX_AGENTS: Final = 5_000  # on the phones in one interval; beyond it an error
MAX_INTERVALS: Final = 96  # a whole day of 15-minute intervals
MAX_CALLS_PER_INTERVAL: Final = 10_000
MIN_INTERVAL_S: Final = 60
MAX_INTERVAL_S: Final = 3_600
MIN_AHT_S: Final = 1.0
MAX_AHT_S: Final = 7_200.0  # two hours
# 100 % is out: 1 - C·e^(-(N-A)·T/AHT) only reaches 1.0 when the exponential
# underflows, so such a target is "met" by rounding at an absurd N.
MIN_SERVICE_LEVEL: Final = 0.01
MAX_SERVICE_LEVEL: Final = 0.999
MAX_ANSWER_WITHIN_S: Final = 3_600.0
# A cap below 50 % would plan more idle agents than busy ones.
MIN_OCCUPANCY_CAP: Final = 0.5
MAX_SHRINKAGE: Final = 0.95


class PlannerInputError(ValueError):
    """A planner input that cannot describe a real interval (names the field)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TooManyAgents(PlannerInputError):
    """Inputs in range, but an interval needs more than MAX_AGENTS agents."""

    def __init__(self) -> None:
        super().__init__("calls", f"needs more than {MAX_AGENTS} agents")


@dataclass(frozen=True)
class ServiceTarget:
    """E.g. 80 % of calls answered within 20 s, at most 85 % occupancy, 30 % shrinkage."""

    service_level: float  # fraction 0..1 of calls answered within answer_within_s
    answer_within_s: float
    max_occupancy: float | None = None  # fraction 0..1; None = no cap
    shrinkage: float = 0.0  # fraction 0..1 of paid time not on the phones


@dataclass(frozen=True)
class IntervalPlan:
    index: int
    calls: float
    traffic_erlangs: float
    agents_on_phones: int  # the Erlang-C answer: smallest N meeting the target
    agents_required: int  # agents_on_phones grossed up for shrinkage
    service_level: float  # predicted with agents_on_phones
    asa_s: float  # predicted average speed of answer with agents_on_phones
    occupancy: float


def traffic_intensity(calls: float, interval_s: float, aht_s: float) -> float:
    """Offered traffic in Erlangs: the average number of calls in progress."""
    return calls * aht_s / interval_s


def _next_blocking(agents: int, traffic: float, blocking: float) -> float:
    """B(agents) from B(agents - 1)."""
    return traffic * blocking / (agents + traffic * blocking)


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/N/N system (iterative, numerically stable)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def _waits(agents: int, traffic: float, blocking: float) -> float:
    """Erlang C from Erlang B of the same N (needs N > A > 0)."""
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def _service_level(agents: int, traffic: float, waits: float, aht_s: float, within: float) -> float:
    return max(0.0, 1.0 - waits * math.exp(-(agents - traffic) * within / aht_s))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call waits.  1.0 when the agents cannot keep up (N <= A)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    return _waits(agents, traffic, erlang_b(agents, traffic))


def service_level(agents: int, traffic: float, aht_s: float, answer_within_s: float) -> float:
    """Fraction of calls answered within ``answer_within_s``."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return _service_level(agents, traffic, erlang_c(agents, traffic), aht_s, answer_within_s)


def average_speed_of_answer(agents: int, traffic: float, aht_s: float) -> float:
    """Mean wait over all calls, in seconds (infinite when N <= A)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_s / (agents - traffic)


def _fewest_within_cap(traffic: float, cap: float) -> int:
    """Smallest N with traffic / N <= cap, exactly as floats compare it."""
    agents = math.ceil(traffic / cap)
    # The division rounds; these loops step at most once to undo that.
    while agents > 1 and traffic / (agents - 1) <= cap:
        agents -= 1
    while traffic / agents > cap:
        agents += 1
    return agents


def _smallest_staff(traffic: float, aht_s: float, target: ServiceTarget) -> tuple[int, float]:
    """The smallest N meeting the target, with its Erlang C; one pass of the recursion.

    Needs traffic > 0.  Occupancy A/N falls as N grows, so the search starts
    at the first N its cap allows; the service level rises with N, so the
    first N meeting it is the answer.
    """
    first = math.floor(traffic) + 1
    if target.max_occupancy is not None:
        first = max(first, _fewest_within_cap(traffic, target.max_occupancy))
    if first <= MAX_AGENTS:
        blocking = erlang_b(first - 1, traffic)
        for agents in range(first, MAX_AGENTS + 1):
            blocking = _next_blocking(agents, traffic, blocking)
            waits = _waits(agents, traffic, blocking)
            level = _service_level(agents, traffic, waits, aht_s, target.answer_within_s)
            if level >= target.service_level:
                return agents, waits
    raise TooManyAgents()


def agents_needed(traffic: float, aht_s: float, target: ServiceTarget) -> int:
    """Smallest N with N > A, service level >= target and occupancy <= its cap."""
    if traffic <= 0:
        return 0
    return _smallest_staff(traffic, aht_s, target)[0]


def _outside(value: float, lowest: float, highest: float) -> bool:
    # Written so that NaN is outside every range.
    return not lowest <= value <= highest


def check_inputs(interval_s: float, aht_s: float, target: ServiceTarget) -> None:
    if _outside(interval_s, MIN_INTERVAL_S, MAX_INTERVAL_S):
        raise PlannerInputError(
            "interval", f"must be from {MIN_INTERVAL_S} to {MAX_INTERVAL_S} seconds"
        )
    if _outside(aht_s, MIN_AHT_S, MAX_AHT_S):
        raise PlannerInputError("aht", f"must be from {MIN_AHT_S:g} to {MAX_AHT_S:g} seconds")
    if _outside(target.service_level, MIN_SERVICE_LEVEL, MAX_SERVICE_LEVEL):
        raise PlannerInputError(
            "service_level",
            f"must be from {MIN_SERVICE_LEVEL:.0%} to {MAX_SERVICE_LEVEL:.1%}",
        )
    if _outside(target.answer_within_s, 0.0, MAX_ANSWER_WITHIN_S):
        raise PlannerInputError(
            "answer_within", f"must be from 0 to {MAX_ANSWER_WITHIN_S:g} seconds"
        )
    if target.max_occupancy is not None and _outside(target.max_occupancy, MIN_OCCUPANCY_CAP, 1.0):
        raise PlannerInputError("max_occupancy", f"must be from {MIN_OCCUPANCY_CAP:.0%} to 100%")
    if _outside(target.shrinkage, 0.0, MAX_SHRINKAGE):
        raise PlannerInputError("shrinkage", f"must be from 0% to {MAX_SHRINKAGE:.0%}")


def check_calls(calls_per_interval: Sequence[float]) -> None:
    if len(calls_per_interval) > MAX_INTERVALS:
        raise PlannerInputError("calls", f"at most {MAX_INTERVALS} intervals")
    for index, calls in enumerate(calls_per_interval):
        if _outside(calls, 0.0, MAX_CALLS_PER_INTERVAL):
            raise PlannerInputError(
                "calls",
                f"interval {index + 1}: {calls} is not 0 to {MAX_CALLS_PER_INTERVAL} calls",
            )


def plan_interval(
    index: int, calls: float, interval_s: float, aht_s: float, target: ServiceTarget
) -> IntervalPlan:
    traffic = traffic_intensity(calls, interval_s, aht_s)
    if traffic <= 0:
        return IntervalPlan(index, calls, traffic, 0, 0, 1.0, 0.0, 0.0)
    agents, waits = _smallest_staff(traffic, aht_s, target)
    # Shrinkage (breaks, training, absence) means paying for more agents
    # than must be on the phones at once.
    required = math.ceil(agents / (1.0 - target.shrinkage) - 1e-9)
    return IntervalPlan(
        index=index,
        calls=calls,
        traffic_erlangs=traffic,
        agents_on_phones=agents,
        agents_required=required,
        service_level=_service_level(agents, traffic, waits, aht_s, target.answer_within_s),
        asa_s=waits * aht_s / (agents - traffic),
        occupancy=traffic / agents,
    )


def plan_staffing(
    calls_per_interval: Sequence[float], interval_s: float, aht_s: float, target: ServiceTarget
) -> tuple[IntervalPlan, ...]:
    """One IntervalPlan per forecast interval (inputs checked first, all of them)."""
    check_inputs(interval_s, aht_s, target)
    check_calls(calls_per_interval)
    return tuple(
        plan_interval(index, calls, interval_s, aht_s, target)
        for index, calls in enumerate(calls_per_interval)
    )
