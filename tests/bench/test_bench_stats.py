"""The bench's arithmetic and tone check, without Asterisk."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bench.caller import PlacedCall
from tests.bench.stats import (
    CallOutcome,
    StepResult,
    capacity,
    capacity_ratio,
    format_table,
    p99_extra_ms,
    percentile,
    ramp_is_over,
    summarise,
)
from tests.bench.tone import first_tone_s
from tests.integration.audio import Audio

RATE = 8000


def ok_call(index: int, answer_ms: float = 10.0, audio_ms: float = 100.0) -> CallOutcome:
    return CallOutcome(f"c{index}", "", answer_ms, audio_ms, 2.0)


def step(concurrency: int, calls: int, failed: int = 0, answer_ms: float = 10.0) -> StepResult:
    outcomes = [ok_call(i, answer_ms) for i in range(calls - failed)]
    outcomes += [CallOutcome(f"f{i}", "no_agent_tone") for i in range(failed)]
    return StepResult(concurrency, tuple(outcomes), 10.0, 5.0, 20.0)


def sine(frequency_hz: float, seconds: float, amplitude: int = 8000) -> list[int]:
    return [
        round(amplitude * math.sin(2 * math.pi * frequency_hz * n / RATE))
        for n in range(int(RATE * seconds))
    ]


def test_given_values_when_taking_percentiles_then_nearest_rank_is_used() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([], 0.99) is None


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=200), st.floats(0.01, 1.0))
def test_given_any_sample_when_taking_a_percentile_then_it_is_one_of_the_values(
    values: list[float], share: float
) -> None:
    result = percentile(values, share)
    assert result in values
    assert sum(1 for v in values if v <= result) >= share * len(values)


def test_given_a_failing_step_when_computing_capacity_then_it_never_counts() -> None:
    steps = [step(20, 300), step(40, 600), step(60, 900, failed=1)]
    assert capacity(steps) == 40


def test_given_one_failure_early_when_later_steps_pass_then_all_calls_up_to_them_count() -> None:
    # 1 failure in 303 calls fails that step; over the 1259 calls up to 160 it is 0.08 %.
    steps = [step(25, 59), step(50, 117), step(75, 175), step(100, 233)]
    steps += [step(130, 303, failed=1), step(160, 372)]
    assert capacity(steps) == 160
    assert capacity(steps[:-1]) == 100


def test_given_failures_above_a_tenth_of_a_percent_of_all_calls_then_later_steps_do_not_count() -> (
    None
):
    steps = [step(25, 59), step(50, 117, failed=1), step(75, 175)]
    assert capacity(steps) == 25


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 2000), st.integers(0, 30)), min_size=1, max_size=9))
def test_given_any_ramp_then_capacity_is_a_passing_step_within_the_failure_budget(
    shapes: list[tuple[int, int]],
) -> None:
    steps = [
        step(25 * (i + 1), calls, min(failed, calls)) for i, (calls, failed) in enumerate(shapes)
    ]
    best = capacity(steps)
    if best == 0:
        return
    chosen = next(s for s in steps if s.concurrency == best)
    upto = [s for s in steps if s.concurrency <= best]
    assert chosen.passed
    assert sum(s.failures for s in upto) <= 0.001 * sum(s.calls for s in upto)


def test_given_one_failing_step_then_the_ramp_goes_on_once() -> None:
    assert not ramp_is_over([step(25, 59), step(50, 117, failed=1)])
    assert ramp_is_over([step(25, 59), step(50, 117, failed=1), step(75, 175, failed=1)])
    assert not ramp_is_over([step(25, 59, failed=1), step(50, 117), step(75, 175, failed=1)])
    assert not ramp_is_over([step(25, 59)])
    assert not ramp_is_over([])


def test_given_a_step_that_lost_more_than_one_percent_then_the_ramp_ends_at_once() -> None:
    assert ramp_is_over([step(250, 550), step(300, 580, failed=71)])


def test_given_more_than_a_thousand_calls_when_one_fails_then_the_step_still_passes() -> None:
    assert step(100, 1500, failed=1).passed
    assert not step(100, 500, failed=1).passed


def test_given_two_halves_when_summarised_then_only_common_steps_are_compared() -> None:
    native = [step(20, 100), step(40, 100, answer_ms=50.0), step(60, 100, failed=3)]
    hotline = [step(20, 100, answer_ms=30.0), step(40, 100, failed=2)]
    common = min(capacity(native), capacity(hotline))
    native_summary = summarise("native", native, common)
    hotline_summary = summarise("hotline", hotline, common)
    assert (native_summary.capacity, hotline_summary.capacity) == (40, 20)
    assert native_summary.compared_upto == 20
    assert native_summary.first_sound_p99_ms == 110.0
    assert hotline_summary.first_sound_p99_ms == 130.0
    assert p99_extra_ms(hotline_summary, native_summary) == 20.0
    assert capacity_ratio(hotline_summary, native_summary) == 0.5
    # 10 s of Asterisk CPU over 100 good calls.
    assert native_summary.asterisk_cpu_ms_per_call == 100.0
    assert "hotline" in format_table([native_summary, hotline_summary])


def test_given_a_half_that_passed_nothing_when_summarised_then_its_first_step_is_used() -> None:
    summary = summarise("hotline", [step(20, 100, failed=5), step(40, 10)], compared_upto=0)
    assert summary.capacity == 0
    assert summary.compared_upto == 20
    assert summary.failures == 5


def test_given_a_call_without_tone_when_judged_then_it_fails_with_a_reason() -> None:
    call = PlacedCall("c1", dialled_at=100.0, answered_at=100.02, audio_at=100.12)
    outcome = call.outcome(tone_at_s=None)
    assert outcome.failure == "no_agent_tone"
    assert outcome.dial_to_answer_ms is not None and round(outcome.dial_to_answer_ms) == 20
    assert outcome.answer_to_audio_ms is not None and round(outcome.answer_to_audio_ms) == 100
    assert call.outcome(tone_at_s=2.5).ok


def test_given_speech_then_a_tone_when_searching_then_the_tone_start_is_found() -> None:
    # A warble stands in for a prompt: loud, but never one steady frequency.
    prompt = [round(6000 * math.sin(2 * math.pi * (300 + n / 8) * n / RATE)) for n in range(8000)]
    audio = Audio(RATE, tuple(prompt + [0] * 4000 + sine(440, 1.0)))
    found = first_tone_s(audio, 440)
    assert found is not None and abs(found - 1.5) < 0.11


def test_given_a_short_burst_of_the_tone_when_searching_then_it_is_not_enough() -> None:
    audio = Audio(RATE, tuple([0] * 8000 + sine(440, 0.15) + [0] * 8000))
    assert first_tone_s(audio, 440) is None


def test_given_another_frequency_when_searching_for_440_then_nothing_is_found() -> None:
    assert first_tone_s(Audio(RATE, tuple(sine(1000, 1.0))), 440) is None
