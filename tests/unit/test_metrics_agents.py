"""Agent figures (hotline/metrics/agent_figures.py) against ../shared/METRICS.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.metrics.agent_figures import (
    AGENT_STATES,
    AgentStateChange,
    agent_figures,
    time_in_state_by_interval,
)

T0 = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_given_a_shift_then_occupancy_leaves_out_not_ready_and_utilisation_does_not() -> None:
    changes = [
        AgentStateChange("1001", "ready", at(0)),
        AgentStateChange("1001", "ringing", at(10)),
        AgentStateChange("1001", "on_call", at(11)),
        AgentStateChange("1001", "wrap_up", at(31)),
        AgentStateChange("1001", "not_ready", at(41), "lunch"),
        AgentStateChange("1001", "ready", at(101)),
        AgentStateChange("1001", "logged_out", at(120)),
    ]
    figures = agent_figures(changes, at(0), at(180))["1001"]
    assert figures.logged_in_s == pytest.approx(120 * 60)
    assert figures.busy_s == pytest.approx(30 * 60)  # 20 on call + 10 wrap-up
    assert figures.occupancy == pytest.approx(30 / 60)  # ÷ (120 logged in − 60 not ready)
    assert figures.utilisation == pytest.approx(30 / 120)
    assert figures.not_ready_by_reason == {"lunch": pytest.approx(3600)}


def test_given_the_state_before_the_period_then_it_counts_from_the_start() -> None:
    changes = [AgentStateChange("1002", "ready", at(-60))]
    figures = agent_figures(changes, at(0), at(30))["1002"]
    assert figures.seconds_in_state == {"ready": pytest.approx(1800)}
    assert figures.occupancy == 0.0


def test_given_an_agent_only_not_ready_then_occupancy_is_empty_not_zero() -> None:
    changes = [AgentStateChange("1003", "not_ready", at(0), "training")]
    figures = agent_figures(changes, at(0), at(60))["1003"]
    assert figures.occupancy is None and figures.utilisation == 0.0


def test_time_in_state_is_cut_at_interval_boundaries_in_the_site_zone() -> None:
    changes = [
        AgentStateChange("1001", "ready", at(5)),
        AgentStateChange("1001", "on_call", at(20)),
        AgentStateChange("1001", "ready", at(40)),
    ]
    table = time_in_state_by_interval(changes, at(0), at(45), 15, ZoneInfo("Asia/Shanghai"))
    starts = [(start.hour, start.minute) for start in table]
    assert starts == [(9, 0), (9, 15), (9, 30)]
    first, second, third = table.values()
    assert first == {"ready": pytest.approx(600)}
    assert second == {"ready": pytest.approx(300), "on_call": pytest.approx(600)}
    assert third == {"on_call": pytest.approx(600), "ready": pytest.approx(300)}


changes_strategy = st.lists(
    st.tuples(
        st.sampled_from(["1001", "1002"]), st.sampled_from(AGENT_STATES), st.integers(0, 240)
    ),
    max_size=40,
)


@given(changes_strategy)
def test_time_in_state_adds_up_to_the_period_and_rates_stay_between_0_and_1(
    raw: list[tuple[str, str, int]],
) -> None:
    changes = [AgentStateChange(agent, state, at(minute)) for agent, state, minute in raw]
    since, until = at(0), at(240)
    figures = agent_figures(changes, since, until)
    for agent, result in figures.items():
        first = min(change.at for change in changes if change.agent == agent)
        assert sum(result.seconds_in_state.values()) == pytest.approx(
            (until - first).total_seconds()
        )
        for rate in (result.occupancy, result.utilisation):
            assert rate is None or 0.0 <= rate <= 1.0 + 1e-9
    table = time_in_state_by_interval(changes, since, until, 15, ZoneInfo("Asia/Kathmandu"))
    total_by_table = sum(sum(states.values()) for states in table.values())
    total_by_agent = sum(sum(f.seconds_in_state.values()) for f in figures.values())
    assert total_by_table == pytest.approx(total_by_agent)
