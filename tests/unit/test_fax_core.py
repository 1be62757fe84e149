"""Fax-back attempts and retries (pure core): invariants with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fax import core

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = core.RetryPolicy(max_attempts=3, first_delay_s=60, factor=2, max_delay_s=900)
OUTCOMES = st.sampled_from(["sent", "busy", "no_answer", "congestion", "fax_failed", "rejected"])


def run(outcomes: list[str], policy: core.RetryPolicy = POLICY) -> list[core.JobState]:
    """Drive a job like the scheduler: attempt when due, report each outcome."""
    state = core.new_job(policy, NOW)
    states = [state]
    now = NOW
    for outcome in outcomes:
        if state.next_attempt_at is not None:
            now = max(now, state.next_attempt_at)
        if not core.is_due(state, now):
            break
        state = core.start_attempt(state)
        states.append(state)
        state = core.finish_attempt(state, outcome, policy, now)
        states.append(state)
    return states


@given(st.lists(OUTCOMES, max_size=10), st.integers(min_value=1, max_value=6))
def test_given_any_outcomes_then_attempts_never_exceed_max(outcomes: list[str], most: int) -> None:
    policy = core.RetryPolicy(max_attempts=most)
    for state in run(outcomes, policy):
        assert state.attempts <= most


@given(st.lists(OUTCOMES, max_size=10))
def test_given_a_done_job_then_it_never_retries(outcomes: list[str]) -> None:
    states = run(outcomes)
    for index, state in enumerate(states):
        if state.status == core.DONE:
            assert all(later == state for later in states[index:])
            assert not core.is_due(state, NOW + timedelta(days=365))
            with pytest.raises(core.JobStateError):
                core.start_attempt(state)


@given(st.integers(min_value=1, max_value=30))
def test_backoff_grows_and_is_capped(attempts: int) -> None:
    assert POLICY.delay_after(attempts + 1) >= POLICY.delay_after(attempts)
    assert POLICY.delay_after(attempts) <= timedelta(seconds=POLICY.max_delay_s)


def test_given_busy_twice_then_sent_the_job_is_done_after_growing_waits() -> None:
    states = run(["busy", "busy", "sent"])
    waits = [s.next_attempt_at for s in states if s.status == core.RETRY_WAIT]
    assert waits[0] == NOW + timedelta(seconds=60)
    assert waits[1] is not None and waits[1] - waits[0] >= timedelta(seconds=120)
    assert states[-1].status == core.DONE and states[-1].attempts == 3


def test_given_busy_on_every_attempt_then_failed_with_the_reason() -> None:
    final = run(["busy"] * 5)[-1]
    assert final.status == core.FAILED and final.attempts == 3 and final.error == "busy"


def test_given_rejected_number_then_no_retry() -> None:
    final = run(["rejected", "sent"])[-1]
    assert final.status == core.FAILED and final.attempts == 1


def test_given_a_late_report_for_a_final_job_then_nothing_changes() -> None:
    done = run(["sent"])[-1]
    assert core.finish_attempt(done, "busy", POLICY, NOW) == done


def test_hangup_causes_map_to_outcomes() -> None:
    assert core.outcome_of_cause(17) == "busy"
    assert core.outcome_of_cause(19) == "no_answer"
    assert core.outcome_of_cause(34) == "congestion"
    assert core.outcome_of_cause(None) == "no_answer"
    assert core.outcome_of_fax_status("SUCCESS") == "sent"
    assert core.outcome_of_fax_status("FAILED") == "fax_failed"


@given(st.lists(OUTCOMES, max_size=10), st.integers(min_value=1, max_value=4))
def test_given_any_history_when_retried_now_then_due_at_once_within_budget_and_never_if_done(
    outcomes: list[str], most: int
) -> None:
    final = run(outcomes, core.RetryPolicy(max_attempts=most))[-1]
    later = NOW + timedelta(days=1)
    if final.status == core.DONE or final.status in core.IN_PROGRESS:
        with pytest.raises(core.JobStateError):
            core.retry_now(final, later)
        return
    retried = core.retry_now(final, later)
    assert retried.status in core.WAITING and core.is_due(retried, later)
    assert retried.attempts == final.attempts < retried.max_attempts
    assert retried.max_attempts <= max(final.max_attempts, final.attempts + 1)
    attempt = core.start_attempt(retried)
    assert attempt.attempts <= attempt.max_attempts


def test_given_failed_job_when_retried_now_then_exactly_one_more_attempt() -> None:
    failed = run(["busy"] * 3)[-1]
    retried = core.retry_now(failed, NOW)
    attempt = core.finish_attempt(core.start_attempt(retried), "busy", POLICY, NOW)
    assert attempt.status == core.FAILED and attempt.attempts == 4


def test_given_local_halves_then_the_telling_cause_wins() -> None:
    assert core.attempt_cause(0, 17) == 17  # refused originate: the far half knows
    assert core.attempt_cause(19, 16) == 19
    assert core.attempt_cause(None, None) is None
    assert core.attempt_cause(0, None) is None
    assert core.attempt_cause(16, 16) == 16
    assert core.outcome_of_cause(core.attempt_cause(0, 17)) == "busy"
