"""Invariants of the voicemail retrieval menu under any sequence of keys,
playback ends, timers, recordings, store answers (good or failed), stale
events and a hang-up anywhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.unit.test_vm_access_core import MESSAGES, Driver
from vm.access_core import (
    CallBack,
    Command,
    DeleteMessage,
    DigitPressed,
    DiscardRecording,
    Event,
    ForwardMessage,
    Hangup,
    HungUp,
    LoadMessages,
    MarkHeard,
    MessageInfo,
    PlaybackDone,
    RecordingDone,
    RecordingFailed,
    SaveMessage,
    StoreAnswered,
    StoreRequest,
    TimerFired,
)

KEYS = st.sampled_from([*"0123456789*#", "A", "x", ""])
MESSAGE_LISTS = st.lists(
    st.builds(
        MessageInfo,
        message_id=st.integers(1, 50).map(str),
        is_new=st.booleans(),
        caller_id=st.sampled_from(["", "1001", "5551234", "anonymous"]),
    ),
    max_size=5,
    unique_by=lambda m: m.message_id,
)


def _message_ids(command: Command) -> list[str]:
    if isinstance(command, MarkHeard):
        return [command.message_id]
    if isinstance(command, StoreRequest) and isinstance(
        command.action, SaveMessage | DeleteMessage | ForwardMessage
    ):
        return [command.action.message_id]
    return []


class RetrievalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.driver = Driver(None)
        self.hung_up = False
        self.after_end: list[Command] = []
        self.deleted: set[str] = set()
        self.started_recordings: set[str] = set()
        self.closed_recordings: set[str] = set()

    def _send(self, event: Event) -> None:
        finished_before = self.driver.session.finished
        commands = self.driver.send(event)
        if finished_before:
            self.after_end += commands
        for command in commands:
            for message_id in _message_ids(command):
                assert message_id not in self.deleted, f"{command} after deleting it"
            recording_id = getattr(command, "recording_id", None)
            if recording_id is not None:
                if type(command).__name__ == "StartRecording":
                    self.started_recordings.add(recording_id)
                else:
                    self.closed_recordings.add(recording_id)

    @rule(key=KEYS)
    def press(self, key: str) -> None:
        self._send(DigitPressed(key))

    @rule()
    def playback_ends(self) -> None:
        if self.driver.playing is not None:
            self._send(PlaybackDone(self.driver.playing.playback_id))

    @rule()
    def timer_fires(self) -> None:
        if self.driver.timer is not None:
            self._send(TimerFired(self.driver.timer))

    @rule(duration=st.floats(0, 30), failed=st.booleans())
    def recording_ends(self, duration: float, failed: bool) -> None:
        recording_id = self.driver.recording
        if recording_id is None:
            return
        self.closed_recordings.add(recording_id)
        if failed:
            self.driver.recording = None
            self._send(RecordingFailed(recording_id))
        else:
            self._send(RecordingDone(recording_id, duration))

    @rule(ok=st.booleans(), messages=MESSAGE_LISTS)
    def store_answers(self, ok: bool, messages: list[MessageInfo]) -> None:
        request = self.driver.request
        if request is None:
            return
        if isinstance(request.action, LoadMessages):
            ok = True  # login succeeded: now feed a box
        if ok and isinstance(request.action, DeleteMessage):
            self.deleted.add(request.action.message_id)
        self._send(StoreAnswered(request.request_id, ok, tuple(messages)))

    @rule(ok=st.booleans())
    def login_answer(self, ok: bool) -> None:
        self.store_answers(ok, list(MESSAGES))

    @rule(which=st.sampled_from(["pb", "tm", "rq", "rec"]), n=st.integers(0, 300))
    def stale_event(self, which: str, n: int) -> None:
        stale_id = f"s-{which}-{n}"
        current = {
            self.driver.playing.playback_id if self.driver.playing else None,
            self.driver.timer,
            self.driver.request.request_id if self.driver.request else None,
            self.driver.recording,
        }
        if stale_id in current:
            return
        events: dict[str, Event] = {
            "pb": PlaybackDone(stale_id),
            "tm": TimerFired(stale_id),
            "rq": StoreAnswered(stale_id, True),
            "rec": RecordingDone(stale_id, 5.0),
        }
        event = events[which]
        assert self.driver.session.handle(event) == []

    @precondition(lambda self: not self.hung_up)
    @rule()
    def hang_up(self) -> None:
        self.hung_up = True
        self._send(HungUp())
        assert self.driver.session.finished

    @invariant()
    def nothing_after_the_end(self) -> None:
        assert self.after_end == []

    @invariant()
    def index_stays_in_range(self) -> None:
        session = self.driver.session
        if session.state in ("message", "advanced", "forward_box"):
            assert 0 <= session.index < len(session.messages)

    @invariant()
    def recordings_are_closed_once_over(self) -> None:
        if self.driver.session.finished:
            assert self.driver.recording is None
            assert self.started_recordings <= self.closed_recordings

    @invariant()
    def ends_with_hangup_callback_or_caller_hangup(self) -> None:
        if self.driver.session.finished and not self.hung_up:
            assert isinstance(self.driver.log[-1], Hangup | CallBack)

    @invariant()
    def a_finished_session_keeps_nothing_running(self) -> None:
        if self.driver.session.finished:
            assert self.driver.session.recording_id is None
            if not self.hung_up:
                assert self.driver.playing is None and self.driver.timer is None

    @invariant()
    def discarded_recordings_were_started(self) -> None:
        for command in self.driver.log:
            if isinstance(command, DiscardRecording):
                assert command.recording_id in self.started_recordings


TestRetrievalMachine = RetrievalMachine.TestCase
TestRetrievalMachine.settings = settings(max_examples=300, stateful_step_count=60, deadline=None)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(KEYS, max_size=40), messages=MESSAGE_LISTS, box_given=st.booleans())
def test_silence_always_ends_the_call(
    keys: list[str], messages: list[MessageInfo], box_given: bool
) -> None:
    """Whatever was pressed, a caller who then says nothing is sent off: no
    menu loops forever on timeouts."""
    driver = Driver("5000" if box_given else None)
    for key in keys:
        driver.press(key)
        if driver.request is not None:
            driver.answer(True, messages)
    for _ in range(200):
        session = driver.session
        if session.finished:
            break
        if driver.request is not None:
            driver.answer(True, messages)
        elif driver.recording is not None:
            driver.send(RecordingDone(driver.recording, 3.0))
        elif driver.playing is not None:
            driver.play_out()
        else:
            assert driver.timer is not None, f"stuck in {session.state}"
            driver.send(TimerFired(driver.timer))
    assert driver.session.finished
    assert isinstance(driver.log[-1], Hangup | CallBack)
