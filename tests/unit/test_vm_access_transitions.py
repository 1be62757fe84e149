"""The voicemail retrieval menu as tables (vm/access_menu.py, vm/access_core.py):
the rules above ``ACCESS_TRANSITIONS`` and above the per-state key, timeout and
submit tables, and that no run of events makes a move the table does not list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_vm_access_core import MESSAGES, Driver
from vm.access_core import (
    KEYS,
    LOCKED_OUT,
    ON_SUBMIT,
    ON_TIMEOUT,
    OTHER_KEY,
    OVER_LIMIT,
    AccessSession,
    CancelRecording,
    HungUp,
    MessageInfo,
    PlaybackDone,
    RecordingDone,
    RecordingFailed,
    StartRecording,
    TimerFired,
)
from vm.access_menu import (
    ACCESS_STATES,
    ACCESS_TRANSITIONS,
    ADVANCED,
    BUSY,
    CONFIRM_PIN,
    ENDED,
    ENTRY_STATES,
    FINAL_STATES,
    FORWARD_BOX,
    GOODBYE_STATE,
    GREETING_INTRO,
    LIVE_STATES,
    LOGIN_BOX,
    LOGIN_PIN,
    MAIN,
    MESSAGE,
    NEW_PIN,
    NOT_STARTED,
    OPTIONS,
    RECORDING,
    IllegalAccessTransition,
)

EVERY_STATE = frozenset(
    {
        NOT_STARTED,
        LOGIN_BOX,
        LOGIN_PIN,
        BUSY,
        MAIN,
        MESSAGE,
        ADVANCED,
        FORWARD_BOX,
        OPTIONS,
        GREETING_INTRO,
        RECORDING,
        NEW_PIN,
        CONFIRM_PIN,
        GOODBYE_STATE,
        ENDED,
    }
)
STATES = st.sampled_from(sorted(EVERY_STATE))


def _reachable(start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in ACCESS_TRANSITIONS[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _session_in(state: str) -> AccessSession:
    session = AccessSession("t")
    session._state = state  # only a test may put it anywhere
    return session


# -- the transition table -----------------------------------------------------------------
def test_given_the_transition_table_then_its_rows_are_exactly_the_states() -> None:
    assert set(ACCESS_TRANSITIONS) == EVERY_STATE == ACCESS_STATES
    for state, targets in ACCESS_TRANSITIONS.items():
        assert targets <= EVERY_STATE, f"{state!r} leads to an unknown state"


@settings(max_examples=200)
@given(unknown=st.text(max_size=20).filter(lambda s: s not in EVERY_STATE), wanted=STATES)
def test_given_an_unknown_state_when_moving_anywhere_then_it_is_illegal(
    unknown: str, wanted: str
) -> None:
    session = _session_in(unknown)
    with pytest.raises(IllegalAccessTransition):
        session._become(wanted)
    assert session.state == unknown


@settings(max_examples=300)
@given(current=STATES, wanted=st.one_of(STATES, st.text(max_size=20)))
def test_given_any_state_when_moving_then_only_listed_moves_happen(
    current: str, wanted: str
) -> None:
    session = _session_in(current)
    if wanted in ACCESS_TRANSITIONS[current]:
        session._become(wanted)
        assert session.state == wanted
    else:
        with pytest.raises(IllegalAccessTransition) as raised:
            session._become(wanted)
        assert (raised.value.current, raised.value.wanted) == (current, wanted)
        assert session.state == current  # raised before anything changed


def test_given_the_start_when_following_the_table_then_every_state_is_reachable() -> None:
    assert _reachable(NOT_STARTED) == EVERY_STATE


@pytest.mark.parametrize("state", sorted(EVERY_STATE - FINAL_STATES))
def test_given_a_state_that_is_not_final_then_it_can_leave_and_reach_the_end(state: str) -> None:
    assert ACCESS_TRANSITIONS[state] - {state}, f"{state!r} is a trap"
    assert ENDED in _reachable(state)


def test_given_the_final_state_then_nothing_leaves_it() -> None:
    assert {ENDED} == FINAL_STATES
    assert ACCESS_TRANSITIONS[ENDED] == frozenset()


@pytest.mark.parametrize("state", sorted(EVERY_STATE - {NOT_STARTED, ENDED}))
def test_given_a_started_state_when_the_caller_hangs_up_then_the_table_allows_the_end(
    state: str,
) -> None:
    assert ENDED in ACCESS_TRANSITIONS[state]


# -- the per-state key, timeout and submit tables -------------------------------------------
def test_given_the_key_and_timeout_tables_then_they_have_a_row_per_live_state() -> None:
    assert EVERY_STATE - {NOT_STARTED, ENDED} == LIVE_STATES
    assert set(KEYS) == set(OTHER_KEY) == set(ON_TIMEOUT) == LIVE_STATES
    for state, row in KEYS.items():
        assert set(row) <= set("0123456789*#ABCD"), f"{state!r} lists a key nobody can press"


def test_given_the_entries_then_hash_submits_and_each_has_a_submit_row() -> None:
    assert set(ON_SUBMIT) == ENTRY_STATES
    for state in ENTRY_STATES:
        assert KEYS[state]["#"] is AccessSession._submit_key
        assert OTHER_KEY[state] is AccessSession._collect


# -- two moves no other test takes ------------------------------------------------------------
def test_given_greeting_instructions_playing_when_star_is_pressed_then_back_to_options() -> None:
    driver = Driver()
    driver.login()
    driver.press("01")
    assert driver.session.state == GREETING_INTRO
    driver.press("*")
    assert driver.session.state == OPTIONS
    assert driver.media() == ("sound:vm-options",)
    assert driver.recording is None


def test_given_the_new_pin_being_confirmed_when_the_caller_hangs_up_then_it_ends() -> None:
    driver = Driver()
    driver.login()
    driver.press("05" + "135791#")
    assert driver.session.state == CONFIRM_PIN
    assert driver.send(HungUp()) == []
    assert driver.session.finished


# -- any run of events ----------------------------------------------------------------------
@dataclass(frozen=True)
class Press:
    keys: str


@dataclass(frozen=True)
class PlayOut:
    pass


@dataclass(frozen=True)
class TimeOut:
    pass


@dataclass(frozen=True)
class RecordingEnds:
    duration_s: float
    failed: bool


@dataclass(frozen=True)
class StoreAnswers:
    ok: bool
    error: str
    messages: tuple[MessageInfo, ...]


@dataclass(frozen=True)
class HangUp:
    pass


Step = Press | PlayOut | TimeOut | RecordingEnds | StoreAnswers | HangUp

MESSAGE_LISTS = st.lists(
    st.builds(
        MessageInfo,
        message_id=st.integers(1, 30).map(str),
        is_new=st.booleans(),
        caller_id=st.sampled_from(["", "1001", "5551234", "anonymous"]),
    ),
    max_size=4,
    unique_by=lambda m: m.message_id,
).map(tuple)
KEYS_PRESSED = st.builds(Press, st.sampled_from([*"0123456789*#", "A", "x"]))
STEPS: st.SearchStrategy[Step] = st.one_of(
    KEYS_PRESSED,
    KEYS_PRESSED,
    KEYS_PRESSED,  # keys drive the menu: drawn three times as often
    # Whole entries: a box, a PIN good enough to become the new one, a bad one.
    st.builds(Press, st.sampled_from(["5000#", "135791#", "12#"])),
    st.just(PlayOut()),
    st.just(TimeOut()),
    st.builds(RecordingEnds, st.floats(0, 30), st.booleans()),
    st.builds(
        StoreAnswers,
        st.sampled_from([True, True, False]),
        st.sampled_from(["", LOCKED_OUT, OVER_LIMIT]),
        st.one_of(st.just(MESSAGES), MESSAGE_LISTS),
    ),
)


@contextmanager
def _moves_spied(moves: list[tuple[str, str]]) -> Iterator[None]:
    """Record every move that goes through the choke point (and still check it)."""
    become = AccessSession._become

    def spy(session: AccessSession, state: str) -> None:
        moves.append((session.state, state))
        become(session, state)

    with patch.object(AccessSession, "_become", spy):
        yield


def _apply(driver: Driver, step: Step) -> None:
    if isinstance(step, Press):
        driver.press(step.keys)
    elif isinstance(step, PlayOut) and driver.playing is not None:
        driver.send(PlaybackDone(driver.playing.playback_id))
    elif isinstance(step, TimeOut) and driver.timer is not None:
        driver.send(TimerFired(driver.timer))
    elif isinstance(step, RecordingEnds) and driver.recording is not None:
        recording_id = driver.recording
        if step.failed:
            driver.recording = None  # the driver forgets only finished recordings
            driver.send(RecordingFailed(recording_id))
        else:
            driver.send(RecordingDone(recording_id, step.duration_s))
    elif isinstance(step, StoreAnswers) and driver.request is not None:
        driver.answer(step.ok, step.messages, step.error)
    elif isinstance(step, HangUp):
        driver.send(HungUp())


@settings(max_examples=300, deadline=None)
@given(
    box_given=st.booleans(),
    logged_in=st.booleans(),
    steps=st.lists(STEPS, min_size=10, max_size=80),
    hang_up=st.booleans(),
)
def test_given_any_run_of_events_then_every_move_is_listed_and_goes_through_the_table(
    box_given: bool, logged_in: bool, steps: list[Step], hang_up: bool
) -> None:
    """Logged in or not, any keys, prompt ends, timeouts, recordings and store
    answers (good, failed, locked out, over the limit), then maybe a hang-up."""
    moves: list[tuple[str, str]] = []
    with _moves_spied(moves):
        driver = Driver("5000" if box_given else None)  # would raise on an unlisted move
        if logged_in:
            if not box_given:
                driver.press("5000#")
            driver.login()
        for step in [*steps, *([HangUp()] if hang_up else [])]:
            before, seen = driver.session.state, len(moves)
            _apply(driver, step)
            # The state changed only through _become, one move after another.
            made = moves[seen:]
            if made:
                assert [source for source, _ in made] == [before, *(t for _, t in made[:-1])]
            assert driver.session.state == (made[-1][1] if made else before)
    assert moves[0] in {(NOT_STARTED, LOGIN_BOX), (NOT_STARTED, LOGIN_PIN)}
    for source, target in moves:
        assert target in ACCESS_TRANSITIONS[source]


def test_given_a_greeting_recording_when_star_is_pressed_then_it_moves_back_to_options() -> None:
    moves: list[tuple[str, str]] = []
    with _moves_spied(moves):
        driver = Driver()
        driver.login()
        driver.press("02")
        driver.play_out()
        assert isinstance(driver.last[-1], StartRecording)
        driver.press("*")
    assert isinstance(driver.last[0], CancelRecording)
    assert moves[-2:] == [(GREETING_INTRO, RECORDING), (RECORDING, OPTIONS)]
