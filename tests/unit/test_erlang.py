"""Erlang-C staffing planner: textbook values and properties."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.erlang import (
    MAX_AGENTS,
    PlannerInputError,
    ServiceTarget,
    TooManyAgents,
    agents_needed,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    plan_staffing,
    service_level,
    traffic_intensity,
)

EIGHTY_IN_TWENTY = ServiceTarget(service_level=0.8, answer_within_s=20)
HALF_HOUR_S = 1800


def test_given_100_calls_in_half_hour_at_180s_then_traffic_is_10_erlangs() -> None:
    assert traffic_intensity(100, HALF_HOUR_S, 180) == pytest.approx(10.0)


def test_given_10_erlangs_then_13_agents_miss_80_in_20_and_14_agents_meet_it() -> None:
    # The classic worked example: 13 agents answer ~79.6 % within 20 s, 14 ~88.8 %.
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=5e-4)
    assert service_level(14, 10.0, 180, 20) == pytest.approx(0.8884, abs=5e-4)
    assert erlang_c(14, 10.0) == pytest.approx(0.1741, abs=5e-4)
    assert average_speed_of_answer(14, 10.0, 180) == pytest.approx(7.84, abs=0.01)
    assert agents_needed(10.0, 180, EIGHTY_IN_TWENTY) == 14


def test_given_textbook_erlang_b_values_then_recursion_matches() -> None:
    # Erlang B tables: 5 Erlangs on 5 trunks block ~28.5 %; 10 on 15 ~3.65 %.
    assert erlang_b(5, 5.0) == pytest.approx(0.2849, abs=5e-4)
    assert erlang_b(15, 10.0) == pytest.approx(0.0365, abs=5e-4)
    assert erlang_b(0, 3.0) == 1.0


def test_given_large_centre_then_erlang_c_stays_finite_without_factorials() -> None:
    # 170! overflows a float; the recursion does not care.
    probability = erlang_c(1200, 1150.0)
    assert 0.0 < probability < 1.0
    assert agents_needed(1150.0, 180, EIGHTY_IN_TWENTY) > 1150


def test_given_occupancy_cap_then_more_agents_than_service_level_alone_needs() -> None:
    capped = ServiceTarget(0.8, 20, max_occupancy=0.6)
    assert agents_needed(10.0, 180, capped) == 17  # 10 / 17 <= 0.6 < 10 / 16


def test_given_shrinkage_then_required_agents_are_grossed_up() -> None:
    plan = plan_staffing([100], HALF_HOUR_S, 180, ServiceTarget(0.8, 20, shrinkage=0.3))[0]
    assert plan.agents_on_phones == 14
    assert plan.agents_required == math.ceil(14 / 0.7)  # 20
    assert plan.occupancy == pytest.approx(10 / 14)


def test_given_no_calls_then_no_agents_and_full_service_level() -> None:
    plan = plan_staffing([0], HALF_HOUR_S, 180, EIGHTY_IN_TWENTY)[0]
    assert (plan.agents_on_phones, plan.agents_required) == (0, 0)
    assert plan.service_level == 1.0 and plan.asa_s == 0.0


@pytest.mark.parametrize(
    ("calls", "aht", "target", "field"),
    [
        ([-1], 180, EIGHTY_IN_TWENTY, "calls"),
        ([10], 0, EIGHTY_IN_TWENTY, "aht"),
        ([10], 180, ServiceTarget(1.2, 20), "service_level"),
        ([10], 180, ServiceTarget(0.8, -1), "answer_within"),
        ([10], 180, ServiceTarget(0.8, 20, max_occupancy=0), "max_occupancy"),
        ([10], 180, ServiceTarget(0.8, 20, shrinkage=1.0), "shrinkage"),
    ],
)
def test_given_impossible_input_then_error_names_the_field(
    calls: list[float], aht: float, target: ServiceTarget, field: str
) -> None:
    with pytest.raises(PlannerInputError) as raised:
        plan_staffing(calls, HALF_HOUR_S, aht, target)
    assert raised.value.field == field


@pytest.mark.security
@pytest.mark.parametrize(
    ("calls", "interval_s", "aht", "target", "field"),
    [
        ([1.0] * 97, 900, 180, EIGHTY_IN_TWENTY, "calls"),
        ([10_001], HALF_HOUR_S, 180, EIGHTY_IN_TWENTY, "calls"),
        ([math.nan], HALF_HOUR_S, 180, EIGHTY_IN_TWENTY, "calls"),
        ([10], 7200, 180, EIGHTY_IN_TWENTY, "interval"),
        ([10], HALF_HOUR_S, 7201, EIGHTY_IN_TWENTY, "aht"),
        ([10], HALF_HOUR_S, math.nan, EIGHTY_IN_TWENTY, "aht"),
        ([10], HALF_HOUR_S, 180, ServiceTarget(1.0, 20), "service_level"),
        ([10], HALF_HOUR_S, 180, ServiceTarget(0.8, 3601), "answer_within"),
        ([10], HALF_HOUR_S, 180, ServiceTarget(0.8, 20, max_occupancy=0.01), "max_occupancy"),
        ([10], HALF_HOUR_S, 180, ServiceTarget(0.8, 20, shrinkage=0.96), "shrinkage"),
    ],
)
def test_given_input_beyond_the_bounds_then_refused_before_any_search(
    calls: list[float], interval_s: float, aht: float, target: ServiceTarget, field: str
) -> None:
    # Each of these once sent the search towards 10 000 agents per interval,
    # O(N²) each: a 1 % occupancy cap on 99 Erlangs took 2.46 s of CPU.
    with pytest.raises(PlannerInputError) as raised:
        plan_staffing(calls, interval_s, aht, target)
    assert raised.value.field == field


@pytest.mark.security
def test_given_traffic_needing_more_than_max_agents_then_too_many_agents() -> None:
    with pytest.raises(TooManyAgents) as raised:
        plan_staffing([10_000], 900, 7200, EIGHTY_IN_TWENTY)  # 80 000 Erlangs
    assert raised.value.field == "calls"
    capped = ServiceTarget(0.8, 20, max_occupancy=0.5)
    with pytest.raises(TooManyAgents):
        agents_needed(MAX_AGENTS / 2 + 1, 180, capped)
    assert agents_needed(MAX_AGENTS / 2 - 0.5, 180, capped) == MAX_AGENTS - 1


def test_given_the_bounds_extremes_then_a_whole_day_is_planned() -> None:
    # 99.9 % at once on 4 650 Erlangs: the most the search walks per interval.
    plans = plan_staffing([4650.0] * 96, 900, 900, ServiceTarget(0.999, 0))
    assert len(plans) == 96
    plan = plans[0]
    assert 4650 < plan.agents_on_phones <= MAX_AGENTS
    assert plan.service_level >= 0.999
    assert service_level(plan.agents_on_phones - 1, 4650.0, 900, 0) < 0.999


traffic = st.floats(min_value=0.05, max_value=300.0)
targets = st.builds(
    ServiceTarget,
    service_level=st.floats(min_value=0.5, max_value=0.95),
    answer_within_s=st.floats(min_value=0, max_value=60),
)


@settings(max_examples=60, deadline=None)
@given(traffic=traffic, target=targets, aht=st.floats(min_value=30, max_value=600))
def test_required_agents_always_exceed_traffic_and_meet_the_target(
    traffic: float, target: ServiceTarget, aht: float
) -> None:
    agents = agents_needed(traffic, aht, target)
    assert agents > traffic
    assert service_level(agents, traffic, aht, target.answer_within_s) >= target.service_level
    if agents - 1 > traffic:
        # Smallest: one fewer agent misses the target.
        fewer = service_level(agents - 1, traffic, aht, target.answer_within_s)
        assert fewer < target.service_level


@settings(max_examples=60, deadline=None)
@given(
    traffic=traffic,
    target=targets,
    aht=st.floats(min_value=60, max_value=600),  # at most 9 000 calls per half hour
    cap=st.floats(min_value=0.5, max_value=1.0),
)
def test_required_agents_are_the_fewest_meeting_both_target_and_occupancy_cap(
    traffic: float, target: ServiceTarget, aht: float, cap: float
) -> None:
    capped = ServiceTarget(target.service_level, target.answer_within_s, max_occupancy=cap)
    plan = plan_staffing([traffic * HALF_HOUR_S / aht], HALF_HOUR_S, aht, capped)[0]
    offered = plan.traffic_erlangs

    def meets(n: int) -> bool:
        level = service_level(n, offered, aht, target.answer_within_s)
        return n > offered and level >= target.service_level and offered / n <= cap

    agents = plan.agents_on_phones
    assert agents == agents_needed(offered, aht, capped)
    assert meets(agents)
    assert not meets(agents - 1)
    assert plan.service_level == pytest.approx(
        service_level(agents, offered, aht, target.answer_within_s)
    )
    assert plan.asa_s == pytest.approx(average_speed_of_answer(agents, offered, aht))


@settings(max_examples=60, deadline=None)
@given(calls=st.floats(min_value=1, max_value=2000), extra=st.floats(min_value=0, max_value=500))
def test_required_agents_never_decrease_when_calls_increase(calls: float, extra: float) -> None:
    fewer, more = plan_staffing([calls, calls + extra], HALF_HOUR_S, 180, EIGHTY_IN_TWENTY)
    assert more.agents_on_phones >= fewer.agents_on_phones


@settings(max_examples=60, deadline=None)
@given(traffic=traffic, aht=st.floats(min_value=30, max_value=600))
def test_service_level_increases_with_agents(traffic: float, aht: float) -> None:
    first = math.floor(traffic) + 1
    levels = [service_level(n, traffic, aht, 20) for n in range(first, first + 8)]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(levels))
    assert levels[0] < levels[-1] or levels[0] == pytest.approx(1.0)
