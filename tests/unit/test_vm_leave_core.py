"""The pure core of leaving a voicemail (vm/leave_core.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ari_apps.call_services import OUTCOME_FAILED as CALL_SERVICE_FAILED
from vm import leave_core as core
from vm.leave_core import (
    CancelRecording,
    Command,
    DigitPressed,
    DiscardRecording,
    Finish,
    FinishAfterHangUp,
    HungUp,
    KeepMessage,
    LeaveOptions,
    LeaveSession,
    MessageKept,
    Play,
    PlaybackDone,
    RecordingFailed,
    RecordingFinished,
    StartRecording,
    StartTimer,
    StopPlayback,
    StopRecording,
    TimerFired,
)

GREETING = ("sound:vm-theperson", "digits:1001", "sound:vm-isunavail", "sound:vm-intro")


def session(operator: bool = True) -> tuple[LeaveSession, list[Command]]:
    leave = LeaveSession("s1", LeaveOptions(GREETING, 120, 5, operator))
    return leave, leave.start()


def finish(commands: list[Command]) -> Finish | None:
    return next((c for c in commands if isinstance(c, Finish)), None)


def test_given_the_greeting_ends_then_recording_starts_and_a_kept_message_is_recorded() -> None:
    leave, started = session()
    assert started[0] == Play("s1-greeting", GREETING)
    recording = leave.handle(PlaybackDone("s1-greeting"))
    assert StartRecording(120, 5) in recording
    assert leave.handle(RecordingFinished()) == [KeepMessage()]
    saved = leave.handle(MessageKept(42, 7.25))
    assert Play("s1-saved", ("sound:vm-msgsaved",)) in saved
    done = finish(leave.handle(PlaybackDone("s1-saved")))
    assert done == Finish("recorded", {"vm_message_id": "42", "vm_duration_s": "7.2"})
    assert leave.finished


def test_given_hash_during_the_greeting_then_it_is_skipped() -> None:
    leave, _ = session()
    commands = leave.handle(DigitPressed("#"))
    assert commands[0] == StopPlayback("s1-greeting")
    assert StartRecording(120, 5) in commands


def test_given_zero_with_an_operator_then_the_caller_leaves_at_once_or_after_discarding() -> None:
    leave, _ = session()
    assert finish(leave.handle(DigitPressed("0"))) == Finish("operator")
    leave, _ = session()
    leave.handle(PlaybackDone("s1-greeting"))
    commands = leave.handle(DigitPressed("0"))
    assert commands[:2] == [CancelRecording(), DiscardRecording()]
    assert finish(commands) == Finish("operator")


def test_given_zero_without_an_operator_then_it_is_just_a_key() -> None:
    leave, _ = session(operator=False)
    assert leave.handle(DigitPressed("0")) == []
    leave.handle(PlaybackDone("s1-greeting"))
    assert leave.handle(DigitPressed("0")) == []
    assert leave.state == core.RECORDING


def test_given_a_hang_up_while_recording_then_the_message_is_finished_after_the_call() -> None:
    leave, _ = session()
    leave.handle(PlaybackDone("s1-greeting"))
    commands = leave.handle(HungUp())
    assert commands[0] == FinishAfterHangUp()
    assert finish(commands) == Finish("no_message")


def test_given_a_failed_or_too_short_recording_then_nothing_is_left() -> None:
    leave, _ = session()
    leave.handle(PlaybackDone("s1-greeting"))
    commands = leave.handle(RecordingFailed())
    assert commands[0] == DiscardRecording()
    assert finish(commands) == Finish("failed", {"service_error": "recording failed"})
    leave, _ = session()
    leave.handle(PlaybackDone("s1-greeting"))
    leave.handle(RecordingFinished())
    assert finish(leave.handle(MessageKept(None))) == Finish("no_message")


def test_given_a_recording_that_overruns_then_it_is_stopped_and_waited_for_again() -> None:
    leave, _ = session()
    commands = leave.handle(PlaybackDone("s1-greeting"))
    timer = next(c for c in commands if isinstance(c, StartTimer))
    assert timer.seconds == 120 + core.RECORDING_GRACE_S
    again = leave.handle(TimerFired(timer.timer_id))
    assert again[0] == StopRecording()
    assert leave.handle(TimerFired(timer.timer_id)) == [], "a replaced timer is stale"
    assert leave.handle(RecordingFinished()) == [KeepMessage()]


def test_given_a_stale_playback_end_then_it_is_ignored() -> None:
    leave, _ = session()
    assert leave.handle(PlaybackDone("another")) == []
    assert leave.state == core.GREETING


def test_the_failed_outcome_is_the_call_services_own() -> None:
    assert core.OUTCOME_FAILED == CALL_SERVICE_FAILED


# -- the table ---------------------------------------------------------------------
def test_given_the_table_then_every_state_is_known_reachable_and_can_end() -> None:
    states = set(core.TRANSITIONS)
    assert all(targets <= states for targets in core.TRANSITIONS.values())
    reached, frontier = {core.START_STATE}, [core.START_STATE]
    while frontier:
        for target in core.TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == states
    for state in states - {core.ENDED}:
        can_end, seen, todo = False, {state}, [state]
        while todo:
            for target in core.TRANSITIONS[todo.pop()]:
                can_end |= target == core.ENDED
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        assert can_end, state
    assert core.TRANSITIONS[core.ENDED] == frozenset()


_events = st.one_of(
    st.sampled_from("0123456789*#").map(DigitPressed),
    st.sampled_from(["s1-greeting", "s1-saved", "other"]).map(PlaybackDone),
    st.just(RecordingFinished()),
    st.just(RecordingFailed()),
    st.builds(MessageKept, st.one_of(st.none(), st.integers(1, 99)), st.floats(0, 300)),
    st.integers(0, 6).map(TimerFired),
    st.just(HungUp()),
)


@given(st.booleans(), st.lists(_events, max_size=30))
def test_invariant_one_outcome_and_the_recording_is_always_kept_or_deleted(
    operator: bool, events: list[core.Event]
) -> None:
    leave, commands = session(operator)
    for event in events:
        before = leave.state
        out = leave.handle(event)  # never IllegalLeaveTransition
        commands += out
        if before == core.ENDED:
            assert out == []
    finishes = [c for c in commands if isinstance(c, Finish)]
    assert len(finishes) == (1 if leave.finished else 0)
    if any(isinstance(c, StartRecording) for c in commands) and leave.finished:
        settled = (KeepMessage, DiscardRecording, FinishAfterHangUp)
        assert any(isinstance(c, settled) for c in commands), commands
