"""Erlang-C staffing: how many agents an interval needs to meet a service target.

Pure arithmetic, no I/O.  Erlang C is computed from the Erlang B recursion
B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), which stays between 0 and 1 at
every step; the textbook formula with A^N / N! overflows floats for the
traffic of a large centre long before the answer stops being interesting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# A safety stop: no interval of a real centre needs more agents than this,
# and a runaway search must end with an error, not hang the page.
MAX_AGENTS = 10_000


class PlannerInputError(ValueError):
    """A planner input that cannot describe a real interval (names the field)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


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


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/N/N system (iterative, numerically stable)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call waits.  1.0 when the agents cannot keep up (N <= A)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def service_level(agents: int, traffic: float, aht_s: float, answer_within_s: float) -> float:
    """Fraction of calls answered within ``answer_within_s``."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waits = erlang_c(agents, traffic)
    return max(0.0, 1.0 - waits * math.exp(-(agents - traffic) * answer_within_s / aht_s))


def average_speed_of_answer(agents: int, traffic: float, aht_s: float) -> float:
    """Mean wait over all calls, in seconds (infinite when N <= A)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_s / (agents - traffic)


def agents_needed(traffic: float, aht_s: float, target: ServiceTarget) -> int:
    """Smallest N with N > A, service level >= target and occupancy <= its cap."""
    if traffic <= 0:
        return 0
    agents = math.floor(traffic) + 1
    while agents <= MAX_AGENTS:
        meets_sl = (
            service_level(agents, traffic, aht_s, target.answer_within_s) >= target.service_level
        )
        meets_occupancy = target.max_occupancy is None or traffic / agents <= target.max_occupancy
        if meets_sl and meets_occupancy:
            return agents
        agents += 1
    raise PlannerInputError("calls", f"needs more than {MAX_AGENTS} agents")


def check_inputs(interval_s: float, aht_s: float, target: ServiceTarget) -> None:
    if interval_s <= 0:
        raise PlannerInputError("interval", "must be greater than 0")
    if aht_s <= 0:
        raise PlannerInputError("aht", "must be greater than 0")
    if not 0 < target.service_level <= 1:
        raise PlannerInputError("service_level", "must be above 0 % and at most 100 %")
    if target.answer_within_s < 0:
        raise PlannerInputError("answer_within", "must not be negative")
    if target.max_occupancy is not None and not 0 < target.max_occupancy <= 1:
        raise PlannerInputError("max_occupancy", "must be above 0 % and at most 100 %")
    if not 0 <= target.shrinkage < 1:
        raise PlannerInputError("shrinkage", "must be at least 0 % and below 100 %")


def plan_staffing(
    calls_per_interval: Sequence[float], interval_s: float, aht_s: float, target: ServiceTarget
) -> tuple[IntervalPlan, ...]:
    """One IntervalPlan per forecast interval."""
    check_inputs(interval_s, aht_s, target)
    plans: list[IntervalPlan] = []
    for index, calls in enumerate(calls_per_interval):
        if calls < 0 or not math.isfinite(calls):
            raise PlannerInputError("calls", f"interval {index + 1}: {calls} is not a call count")
        traffic = traffic_intensity(calls, interval_s, aht_s)
        agents = agents_needed(traffic, aht_s, target)
        # Shrinkage (breaks, training, absence) means paying for more agents
        # than must be on the phones at once.
        required = math.ceil(agents / (1.0 - target.shrinkage) - 1e-9) if agents else 0
        plans.append(
            IntervalPlan(
                index=index,
                calls=calls,
                traffic_erlangs=traffic,
                agents_on_phones=agents,
                agents_required=required,
                service_level=service_level(agents, traffic, aht_s, target.answer_within_s),
                asa_s=average_speed_of_answer(agents, traffic, aht_s),
                occupancy=traffic / agents if agents else 0.0,
            )
        )
    return tuple(plans)
