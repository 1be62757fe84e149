"""The callback table: every path ends, attempts are bounded, nothing is lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.callbacks import core


def test_given_the_happy_path_then_scheduled_rings_dials_connects_and_is_done() -> None:
    state, attempts = core.SCHEDULED, 0
    for event, expected in (
        (core.PLACE, core.RINGING_AGENT),
        (core.AGENT_ANSWERED, core.DIALING),
        (core.CUSTOMER_ANSWERED, core.CONNECTED),
        (core.HUNG_UP, core.DONE),
    ):
        state, attempts = core.after(state, event, attempts)
        assert state == expected
    assert attempts == 0


def test_given_an_agent_who_does_not_answer_then_it_stays_due_and_no_attempt_counts() -> None:
    state, attempts = core.after(core.RINGING_AGENT, core.AGENT_NOT_REACHED, 0)
    assert (state, attempts) == (core.SCHEDULED, 0)
    assert core.retry_delay(core.RINGING_AGENT, core.AGENT_NOT_REACHED) is None


def test_given_a_caller_never_reached_then_it_fails_after_the_last_attempt() -> None:
    state, attempts = core.SCHEDULED, 0
    for _ in range(core.MAX_ATTEMPTS - 1):
        state, attempts = core.after(state, core.PLACE, attempts)
        state, attempts = core.after(state, core.AGENT_ANSWERED, attempts)
        assert core.retry_delay(state, core.CUSTOMER_NOT_REACHED) == core.RETRY_AFTER
        state, attempts = core.after(state, core.CUSTOMER_NOT_REACHED, attempts)
        assert state == core.SCHEDULED
    state, attempts = core.after(state, core.PLACE, attempts)
    state, attempts = core.after(state, core.AGENT_ANSWERED, attempts)
    state, attempts = core.after(state, core.CUSTOMER_NOT_REACHED, attempts)
    assert (state, attempts) == (core.FAILED, core.MAX_ATTEMPTS)
    # An agent may still try by hand, or cancel it.
    assert core.takes(core.FAILED, core.PLACE) and core.takes(core.FAILED, core.CANCEL)


@pytest.mark.parametrize("state", sorted(core.FINAL - {core.FAILED}))
def test_given_a_finished_callback_then_nothing_moves_it(state: str) -> None:
    for event in core.EVENTS:
        with pytest.raises(core.RefusedTransition, match=state):
            core.after(state, event, 0)


def test_given_a_restart_then_nothing_in_progress_is_left_in_progress() -> None:
    for state in core.IN_PROGRESS:
        nxt, _ = core.after(state, core.RESTARTED, 0)
        assert nxt not in core.IN_PROGRESS


def test_given_the_table_then_it_only_names_known_states_and_events() -> None:
    for (state, event), nxt in core.TRANSITIONS.items():
        assert state in core.STATES and nxt in core.STATES and event in core.EVENTS


@given(st.lists(st.sampled_from(core.EVENTS), max_size=60))
def test_given_any_events_then_attempts_stay_bounded_and_states_known(events: list[str]) -> None:
    state, attempts = core.SCHEDULED, 0
    for event in events:
        if not core.takes(state, event):
            with pytest.raises(core.RefusedTransition):
                core.after(state, event, attempts)
            continue
        before = attempts
        state, attempts = core.after(state, event, attempts)
        assert state in core.STATES
        assert attempts - before in (0, 1)
        # A callback that used up its attempts is failed unless placed by hand again.
        if attempts >= core.MAX_ATTEMPTS and before < attempts:
            assert state == core.FAILED
