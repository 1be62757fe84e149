"""Inbound queue figures (hotline/metrics) against ../shared/METRICS.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.metrics.intervals import by_interval, interval_start
from hotline.metrics.queue_figures import (
    ABANDONS_IGNORED,
    ABANDONS_IN_THRESHOLD_GOOD,
    DEFINITIONS,
    QueueFigures,
    QueueTargets,
    queue_figures,
    shown,
    sl_colour,
)
from hotline.metrics.visits import (
    ABANDONED,
    ANSWERED,
    CALLBACK,
    OVERFLOWED,
    QueueVisit,
    TimelineEntry,
    visits_from_timeline,
)

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
DEFAULTS = QueueTargets()


def visit(waited_s: float | None, outcome: str | None, call: str = "c", **more: Any) -> QueueVisit:
    left = None if waited_s is None else T0 + timedelta(seconds=waited_s)
    return QueueVisit(call, "support", T0, outcome, left, **more)


def figures(*visits: QueueVisit, now_s: float = 3600, **targets: Any) -> QueueFigures:
    return queue_figures(visits, QueueTargets(**targets), T0 + timedelta(seconds=now_s))


def test_given_the_defaults_then_they_are_metrics_md_s() -> None:
    assert (DEFAULTS.sl_threshold_s, DEFAULTS.sl_target, DEFAULTS.short_abandon_s) == (
        20.0,
        0.80,
        5.0,
    )


def test_given_mixed_outcomes_then_sl_leaves_out_short_abandons_and_callbacks() -> None:
    result = figures(
        visit(10, ANSWERED, "a"),  # in threshold
        visit(20, ANSWERED, "b"),  # exactly at the threshold: in
        visit(30, ANSWERED, "c"),  # late
        visit(3, ABANDONED, "d"),  # short abandon
        visit(12, ABANDONED, "e"),  # counts against
        visit(8, CALLBACK, "f"),
    )
    assert (result.offered, result.answered, result.abandoned, result.short_abandoned) == (
        6,
        3,
        2,
        1,
    )
    assert result.callback_requested == 1
    # answered within 20 s ÷ (offered − short abandoned − callback requested) = 2 ÷ 4
    assert result.service_level == pytest.approx(0.5)
    # (abandoned − short) ÷ (offered − short) = 1 ÷ 5
    assert result.abandon_rate == pytest.approx(0.2)
    assert result.asa_s == pytest.approx(20.0)
    assert result.timely_answer_rate == pytest.approx(2 / 3)
    assert result.agent_connect_rate == pytest.approx(3 / 6)


def test_given_the_other_abandon_treatments_then_sl_follows_them() -> None:
    calls = (visit(10, ANSWERED, "a"), visit(30, ANSWERED, "b"), visit(12, ABANDONED, "c"))
    assert figures(*calls).service_level == pytest.approx(1 / 3)
    assert figures(*calls, abandon_treatment=ABANDONS_IGNORED).service_level == pytest.approx(0.5)
    good = figures(*calls, abandon_treatment=ABANDONS_IN_THRESHOLD_GOOD)
    assert good.service_level == pytest.approx(2 / 3)


def test_given_nothing_offered_then_every_rate_is_empty_and_shown_as_a_dash() -> None:
    result = figures()
    rates = (result.service_level, result.asa_s, result.aht_s, result.abandon_rate)
    assert rates == (None, None, None, None)
    assert shown(result.service_level, percent=True) == "–"
    assert sl_colour(result.service_level, 0.8) == "none"


def test_given_only_short_abandons_then_abandon_rate_and_sl_are_empty_not_zero() -> None:
    result = figures(visit(2, ABANDONED, "a"), visit(4, ABANDONED, "b"))
    assert result.abandon_rate is None and result.service_level is None
    assert result.short_abandoned == 2


def test_given_a_caller_waiting_inside_the_threshold_then_sl_waits_for_them() -> None:
    waiting = visit(None, None, "w")
    result = figures(visit(10, ANSWERED, "a"), waiting, now_s=12)
    assert result.waiting == 1 and result.offered == 2
    assert result.service_level == pytest.approx(1.0)
    assert result.longest_wait_now_s == pytest.approx(12)
    late = figures(visit(10, ANSWERED, "a"), waiting, now_s=25)
    assert late.service_level == pytest.approx(0.5)  # can no longer be answered in time


def test_given_answered_calls_then_aht_is_talk_hold_and_wrap_up() -> None:
    result = figures(
        visit(5, ANSWERED, "a", talk_s=100.0, hold_s=20.0, wrap_up_s=30.0),
        visit(5, ANSWERED, "b", talk_s=50.0),
        visit(5, ANSWERED, "c"),  # still talking: not in AHT yet
    )
    assert result.aht_s == pytest.approx((150 + 50) / 2)
    assert result.avg_talk_s == pytest.approx((100 + 50) / 2)
    assert result.avg_wrap_up_s == pytest.approx(30 / 2)


def test_given_the_seeds_scripted_day_then_the_figures_match_the_hand_computed_ones() -> None:
    """OP-11: 10 calls, 2 abandoned after 40 s, 8 answered with known waits and talk."""
    waits = [5, 10, 15, 18, 22, 25, 30, 8]
    talks = [120.0, 180.0, 60.0, 240.0, 90.0, 150.0, 200.0, 100.0]
    answered = [
        visit(w, ANSWERED, f"a{i}", talk_s=t, wrap_up_s=30.0)
        for i, (w, t) in enumerate(zip(waits, talks, strict=True))
    ]
    abandoned = [visit(40, ABANDONED, "x1"), visit(40, ABANDONED, "x2")]
    result = figures(*answered, *abandoned, sl_threshold_s=30)
    assert (result.offered, result.answered, result.abandoned) == (10, 8, 2)
    assert result.asa_s == pytest.approx(sum(waits) / 8)  # 16.625 s
    assert result.avg_talk_s == pytest.approx(sum(talks) / 8)  # 142.5 s
    assert result.aht_s == pytest.approx(sum(talks) / 8 + 30)
    assert result.avg_wait_s == pytest.approx((sum(waits) + 80) / 10)
    assert result.service_level == pytest.approx(8 / 10)  # all 8 within 30 s
    assert result.abandon_rate == pytest.approx(2 / 10)
    assert result.agent_connect_rate == pytest.approx(8 / 10)
    assert result.timely_answer_rate == pytest.approx(1.0)


def test_given_an_overflow_into_another_queue_then_it_counts_in_both_and_is_marked_moved() -> None:
    at = [T0 + timedelta(seconds=s) for s in (0, 30, 30.1, 40, 40.2, 100)]
    entries = [
        TimelineEntry(at[0], "queue_joined", {"queue": "sales"}),
        TimelineEntry(
            at[1], "queue_left", {"queue": "sales", "outcome": "overflowed", "reason": "max_wait"}
        ),
        TimelineEntry(at[2], "queue_joined", {"queue": "support"}),
        TimelineEntry(at[3], "queue_left", {"queue": "support", "outcome": "answered"}),
        TimelineEntry(at[4], "answered", {"agent": "1001"}),
        TimelineEntry(at[5], "ended", {"disposition": "answered"}),
    ]
    first, second = visits_from_timeline("call-1", entries)
    assert (first.queue, first.outcome, first.overflow_rule, first.moved_to_queue) == (
        "sales",
        OVERFLOWED,
        "max_wait",
        "support",
    )
    assert (second.queue, second.outcome, second.agent) == ("support", ANSWERED, "1001")
    assert second.wait_s == pytest.approx(9.9)
    assert second.talk_s == pytest.approx(60.0)
    sales = queue_figures([first], DEFAULTS, at[5])
    assert (sales.offered, sales.overflowed, sales.overflowed_to) == (1, 1, {"support": 1})
    both = queue_figures([first, second], DEFAULTS, at[5])
    assert both.agent_connect_rate == pytest.approx(1.0)  # one call reached a queue, answered


def test_given_a_caller_turned_away_on_arrival_then_it_is_offered_and_overflowed_no_agents() -> (
    None
):
    entries = [
        TimelineEntry(T0, "queued", {"queue": "support"}),
        TimelineEntry(
            T0, "queue_left", {"queue": "support", "outcome": "rejected", "reason": "join_empty"}
        ),
    ]
    (only,) = visits_from_timeline("call-2", entries)
    assert (only.outcome, only.overflow_rule, only.wait_s) == (OVERFLOWED, "no_agents", 0.0)


def test_given_a_caller_still_waiting_then_the_visit_is_open() -> None:
    (only,) = visits_from_timeline("c", [TimelineEntry(T0, "queue_joined", {"queue": "q"})])
    assert only.outcome is None and only.left_at is None


def test_every_figure_has_its_definition_for_the_ui() -> None:
    rates = {"service_level", "asa_s", "aht_s", "abandon_rate", "longest_wait_now_s"}
    assert rates <= set(DEFINITIONS)


def test_sl_colour_is_green_at_target_amber_just_below_and_red_further() -> None:
    assert sl_colour(0.80, 0.80) == "green"
    assert sl_colour(0.77, 0.80) == "amber"
    assert sl_colour(0.70, 0.80) == "red"


def test_intervals_follow_the_site_clock_including_odd_offsets_and_dst() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45
    at = datetime(2026, 12, 4, 3, 20, tzinfo=UTC)  # 09:05 local
    start = interval_start(at, 15, kathmandu)
    assert (start.hour, start.minute) == (9, 0)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert interval_start(at, 60, shanghai).hour == 11
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-10-25 02:30 local comes twice; the second is 01:30 UTC.
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    start = interval_start(second, 15, berlin)
    assert start.utcoffset() == timedelta(hours=1) and start <= second
    with pytest.raises(ValueError, match="interval"):
        interval_start(at, 20, shanghai)


outcomes = st.sampled_from([None, ANSWERED, ABANDONED, OVERFLOWED, CALLBACK])
visits_strategy = st.lists(
    st.tuples(st.integers(0, 7200), st.one_of(st.none(), st.floats(0, 600)), outcomes),
    max_size=60,
)


@given(visits_strategy, st.sampled_from(["count_against", "ignored", "in_threshold_good"]))
def test_figures_add_up_and_rates_stay_between_0_and_1(
    raw: list[tuple[int, float | None, str | None]], treatment: str
) -> None:
    now = T0 + timedelta(hours=3)
    visits = [
        QueueVisit(
            f"c{index}",
            "q",
            T0 + timedelta(seconds=entered),
            outcome if wait is not None else None,
            None if wait is None or outcome is None else T0 + timedelta(seconds=entered + wait),
        )
        for index, (entered, wait, outcome) in enumerate(raw)
    ]
    result = queue_figures(visits, QueueTargets(abandon_treatment=treatment), now)
    parts = (
        result.answered + result.abandoned + result.overflowed + result.callback_requested
    ) + result.waiting
    assert parts == result.offered == len(visits)
    assert result.short_abandoned <= result.abandoned
    for rate in (
        result.service_level,
        result.abandon_rate,
        result.agent_connect_rate,
        result.timely_answer_rate,
    ):
        assert rate is None or 0.0 <= rate <= 1.0
    # Splitting a day into intervals and adding them up gives the day.
    groups = by_interval(visits, 15, ZoneInfo("Asia/Shanghai"))
    per_interval = [queue_figures(group, DEFAULTS, now) for group in groups.values()]
    assert sum(f.offered for f in per_interval) == result.offered
    assert sum(f.answered for f in per_interval) == result.answered
    assert sum(f.short_abandoned for f in per_interval) == result.short_abandoned
