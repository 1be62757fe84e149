"""Voicemail retrieval by phone (vm/access_core.py): login, the main menu,
listening, save/delete/forward/call back, greetings, PIN change, invalid keys,
timeouts, floods and hang-ups.

``Driver`` is a scripted adapter: it tracks what is playing, the timer, the
store request and the recording the way vm/access.py does, and fails on two
playbacks, two timers or two store requests at once."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from vm.access_core import (
    LOCKED_OUT,
    MIN_PIN_DIGITS,
    OVER_LIMIT,
    AccessSession,
    CallBack,
    CancelRecording,
    CancelTimer,
    ChangePin,
    CheckCallBack,
    CheckPin,
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
    Play,
    PlaybackDone,
    RecordingDone,
    RecordingFailed,
    SalvageGreeting,
    SaveMessage,
    SetGreeting,
    StartRecording,
    StartTimer,
    StopPlayback,
    StoreAnswered,
    StoreRequest,
    TimerFired,
)

MESSAGES = (
    MessageInfo("11", is_new=False, caller_id="1001"),
    MessageInfo("12", is_new=True, caller_id="5551234"),
    MessageInfo("13", is_new=True, caller_id=""),
)


class Driver:
    def __init__(self, box: str | None = "5000") -> None:
        self.session = AccessSession("s")
        self.log: list[Command] = []
        self.playing: Play | None = None
        self.timer: str | None = None
        self.request: StoreRequest | None = None
        self.recording: str | None = None
        self.last = self._track(self.session.start(box))

    def _track(self, commands: list[Command]) -> list[Command]:
        for command in commands:
            if isinstance(command, Play):
                assert self.playing is None, "a second playback while one plays"
                self.playing = command
            elif isinstance(command, StopPlayback):
                assert self.playing is not None
                assert command.playback_id == self.playing.playback_id
                self.playing = None
            elif isinstance(command, StartTimer):
                assert self.timer is None, "a second timer"
                self.timer = command.timer_id
            elif isinstance(command, CancelTimer):
                assert command.timer_id == self.timer
                self.timer = None
            elif isinstance(command, StoreRequest):
                assert self.request is None, "a second store request"
                self.request = command
            elif isinstance(command, StartRecording):
                assert self.recording is None
                self.recording = command.recording_id
            elif isinstance(command, CancelRecording | SalvageGreeting):
                assert command.recording_id == self.recording
                self.recording = None
        self.log.extend(commands)
        self.last = commands
        return commands

    def send(self, event: Event) -> list[Command]:
        playing = self.playing
        if isinstance(event, PlaybackDone) and playing and event.playback_id == playing.playback_id:
            self.playing = None
        if isinstance(event, TimerFired) and event.timer_id == self.timer:
            self.timer = None
        request = self.request
        if isinstance(event, StoreAnswered) and request and event.request_id == request.request_id:
            self.request = None
        if isinstance(event, RecordingDone) and event.recording_id == self.recording:
            self.recording = None
        return self._track(self.session.handle(event))

    def press(self, keys: str) -> list[Command]:
        out: list[Command] = []
        for key in keys:
            out += self.send(DigitPressed(key))
        return out

    def play_out(self) -> list[Command]:
        assert self.playing is not None, "nothing is playing"
        return self.send(PlaybackDone(self.playing.playback_id))

    def time_out(self) -> list[Command]:
        if self.playing is not None:
            self.play_out()
        assert self.timer is not None, "no timer running"
        return self.send(TimerFired(self.timer))

    def answer(
        self, ok: bool = True, messages: Sequence[MessageInfo] = (), error: str = ""
    ) -> list[Command]:
        assert self.request is not None, "no store request"
        return self.send(StoreAnswered(self.request.request_id, ok, tuple(messages), error))

    def login(self, messages: Sequence[MessageInfo] = MESSAGES) -> list[Command]:
        self.press("1234#")
        self.answer(True)
        return self.answer(True, messages)

    def media(self) -> tuple[str, ...]:
        assert self.playing is not None, "nothing is playing"
        return self.playing.media


# -- login -----------------------------------------------------------------------------
def test_given_box_from_feature_code_when_started_then_it_asks_the_pin_only() -> None:
    driver = Driver("5000")
    assert driver.media() == ("sound:vm-password",)
    driver.press("1234#")
    assert driver.request is not None
    assert driver.request.action == CheckPin("5000", "1234")
    assert driver.playing is None  # the prompt was stopped by the first key


def test_given_no_box_when_started_then_it_asks_box_then_pin() -> None:
    driver = Driver(None)
    assert driver.media() == ("sound:vm-login",)
    driver.press("5000#")
    assert driver.media() == ("sound:vm-password",)
    driver.press("4321#")
    assert driver.request is not None
    assert driver.request.action == CheckPin("5000", "4321")


def test_when_pin_is_right_then_messages_load_and_counts_are_announced() -> None:
    driver = Driver()
    driver.press("1234#")
    driver.answer(True)
    assert driver.request is not None
    assert driver.request.action == LoadMessages("5000")
    driver.answer(True, MESSAGES)
    assert driver.session.state == "main"
    assert driver.media() == (
        "sound:vm-youhave",
        "number:2",
        "sound:vm-INBOX",
        "sound:vm-messages",
        "sound:vm-and",
        "number:1",
        "sound:vm-Old",
        "sound:vm-message",
        "sound:vm-onefor",
        "sound:vm-INBOX",
        "sound:vm-messages",
        "sound:vm-opts",
    )


def test_given_empty_box_then_it_says_no_messages() -> None:
    driver = Driver()
    driver.login(messages=())
    assert driver.media()[:3] == ("sound:vm-youhave", "sound:vm-no", "sound:vm-messages")
    driver.press("1")
    assert driver.media()[0] == "sound:vm-nomore"


def test_given_box_asked_when_pin_is_wrong_then_it_asks_the_box_again() -> None:
    driver = Driver(None)
    driver.press("5000#9999#")
    driver.answer(False)
    assert driver.media() == ("sound:vm-incorrect-mailbox",)
    assert driver.session.state == "login_box"


def test_when_wrong_pin_three_times_then_goodbye_and_hang_up() -> None:
    driver = Driver()
    for _ in range(2):
        driver.press("0000#")
        driver.answer(False)
        assert driver.media() == ("sound:vm-incorrect", "sound:vm-password")
    driver.press("0000#")
    driver.answer(False)
    assert driver.media() == ("sound:vm-incorrect", "sound:vm-goodbye")
    driver.press("1234#")  # too late: goodbye ignores keys
    assert driver.request is None
    assert driver.play_out() == [Hangup("goodbye")]
    assert driver.session.finished


@pytest.mark.security
def test_given_box_or_caller_locked_out_when_pin_entered_then_try_later_and_goodbye() -> None:
    """The store refuses a locked box's PIN unchecked: the caller hears why
    and is let go at once, not offered the remaining tries of this call."""
    driver = Driver()
    driver.press("246801#")
    driver.answer(False, error=LOCKED_OUT)
    assert driver.media() == (
        "sound:vm-incorrect",
        "sound:please-try-call-later",
        "sound:vm-goodbye",
    )
    driver.press("246801#")  # goodbye ignores keys: no further PIN is checked
    assert driver.request is None
    assert driver.play_out() == [Hangup("goodbye")]


def test_when_pin_typed_then_the_pause_submits_it() -> None:
    driver = Driver()
    driver.press("1234")
    driver.time_out()
    assert driver.request is not None
    assert driver.request.action == CheckPin("5000", "1234")


def test_when_nobody_types_then_three_timeouts_say_goodbye() -> None:
    driver = Driver()
    driver.time_out()
    driver.time_out()
    driver.time_out()
    assert driver.media() == ("sound:vm-goodbye",)


def test_when_pin_is_flooded_then_entry_is_capped_and_still_checked() -> None:
    driver = Driver()
    driver.press("7" * 500 + "#")
    assert driver.request is not None
    assert driver.request.action == CheckPin("5000", "7" * 16)


# -- listening ---------------------------------------------------------------------------
def test_when_listening_then_new_messages_come_first_and_are_marked_heard() -> None:
    driver = Driver()
    driver.login()
    commands = driver.press("1")
    assert driver.media() == (
        "sound:vm-first",
        "sound:vm-message",
        "sound:vm-from",
        "digits:5551234",
        "voicemail:12",
    )
    assert MarkHeard("12") in commands
    driver.press("6")
    assert driver.media() == ("sound:vm-message", "number:2", "voicemail:13")
    driver.press("6")
    assert driver.media()[-1] == "voicemail:11"
    assert driver.media()[:2] == ("sound:vm-last", "sound:vm-message")
    assert [c for c in driver.log if isinstance(c, MarkHeard)] == [MarkHeard("12"), MarkHeard("13")]
    driver.press("6")
    assert driver.media()[0] == "sound:vm-nomore"
    driver.press("4")
    assert driver.media()[-1] == "voicemail:13"
    driver.press("5")
    assert driver.media()[-1] == "voicemail:13"
    assert driver.session.index == 1


def test_when_pressing_2_then_it_starts_at_the_old_messages() -> None:
    driver = Driver()
    driver.login()
    driver.press("2")
    assert driver.media()[-1] == "voicemail:11"


def test_after_a_message_the_options_are_offered_then_goodbye_on_silence() -> None:
    driver = Driver()
    driver.login()
    driver.press("1")
    driver.time_out()
    assert "sound:vm-delete" in driver.media()
    assert "sound:vm-prev" not in driver.media()  # first message: no previous
    driver.time_out()
    driver.time_out()
    assert driver.media() == ("sound:vm-goodbye",)


def test_star_gives_help_and_hash_returns_to_main() -> None:
    driver = Driver()
    driver.login()
    driver.press("1*")
    assert driver.media()[-1] == "sound:vm-helpexit"
    driver.press("#")
    assert driver.session.state == "main"
    assert driver.media()[-1] == "sound:vm-opts"
    driver.press("#")
    assert driver.media() == ("sound:vm-goodbye",)


def test_when_deleting_then_store_deletes_and_next_message_plays() -> None:
    driver = Driver()
    driver.login()
    driver.press("17")
    assert driver.request is not None
    assert driver.request.action == DeleteMessage("12")
    assert driver.press("7777") == []  # the store is busy: keys are dropped
    driver.answer(True)
    assert driver.media()[0] == "sound:vm-deleted"
    assert driver.media()[-1] == "voicemail:13"
    assert [m.message_id for m in driver.session.messages] == ["13", "11"]


def test_when_deleting_the_last_message_then_back_to_main() -> None:
    driver = Driver()
    driver.login(messages=(MessageInfo("7", is_new=True),))
    driver.press("17")
    driver.answer(True)
    assert driver.session.state == "main"
    assert driver.media()[:5] == (
        "sound:vm-deleted",
        "sound:vm-nomore",
        "sound:vm-youhave",
        "sound:vm-no",
        "sound:vm-messages",
    )


def test_when_delete_fails_then_sorry_and_message_stays() -> None:
    driver = Driver()
    driver.login()
    driver.press("17")
    driver.answer(False)
    assert driver.media()[0] == "sound:vm-sorry"
    assert len(driver.session.messages) == 3


def test_when_saving_then_store_saves_and_it_moves_on() -> None:
    driver = Driver()
    driver.login()
    driver.press("19")
    assert driver.request is not None
    assert driver.request.action == SaveMessage("12")
    driver.answer(True)
    assert driver.media()[0] == "sound:vm-msgsaved"
    assert driver.media()[-1] == "voicemail:13"


def test_when_forwarding_then_box_is_collected_and_sent() -> None:
    driver = Driver()
    driver.login()
    driver.press("18")
    assert driver.media() == ("sound:vm-extension", "sound:vm-then-pound")
    driver.press("5001#")
    assert driver.request is not None
    assert driver.request.action == ForwardMessage("12", "5001")
    driver.answer(True)
    assert driver.media()[0] == "sound:vm-msgforwarded"
    assert driver.session.state == "message"


def test_when_forwarding_to_unknown_box_then_it_asks_again_and_star_cancels() -> None:
    driver = Driver()
    driver.login()
    driver.press("18")
    driver.press("9999#")
    driver.answer(False)
    assert driver.media() == ("sound:pbx-invalid", "sound:vm-extension")
    driver.press("*")
    assert driver.session.state == "message"
    assert driver.request is None


def test_when_calling_back_an_outside_number_then_to_pstn() -> None:
    driver = Driver()
    driver.login()
    driver.press("13")
    assert driver.media() == ("sound:vm-tocallback", "sound:vm-starmain")
    driver.press("2")
    assert driver.request is not None
    assert driver.request.action == CheckCallBack("5551234", "to-pstn")
    commands = driver.answer(True)
    assert commands[-1] == CallBack("5551234", "to-pstn")
    assert driver.session.finished
    assert driver.playing is None and driver.timer is None
    assert driver.press("1") == []


def test_when_calling_back_an_agent_then_agents_context() -> None:
    driver = Driver()
    driver.login()
    driver.press("2")  # old message from 1001
    driver.press("32")
    assert driver.request is not None
    assert driver.request.action == CheckCallBack("1001", "hotline-agents")
    assert driver.answer(True)[-1] == CallBack("1001", "hotline-agents")


@pytest.mark.security
@pytest.mark.parametrize(
    ("error", "heard"),
    [
        ("refused_prefix", "sound:cannot-complete-as-dialed"),
        ("not_national", "sound:cannot-complete-as-dialed"),
        (OVER_LIMIT, "sound:please-try-call-later"),
    ],
)
def test_given_refused_call_back_then_caller_hears_why_and_stays_in_the_message_menu(
    error: str, heard: str
) -> None:
    """A spoofed caller ID of a premium or international number is never dialled."""
    driver = Driver()
    driver.login()
    driver.press("132")
    assert driver.request is not None
    assert isinstance(driver.request.action, CheckCallBack)
    commands = driver.answer(False, error=error)
    assert not any(isinstance(command, CallBack) for command in commands)
    assert driver.media()[0] == heard
    assert driver.session.state == "message"
    assert not driver.session.finished


def test_when_caller_id_is_unknown_then_no_call_back() -> None:
    driver = Driver()
    driver.login()
    driver.press("16")  # message 13 has no caller id
    driver.press("32")
    assert driver.media()[0] == "sound:vm-nonumber"
    assert not driver.session.finished


# -- main menu errors --------------------------------------------------------------------
def test_when_invalid_keys_then_sorry_and_third_says_goodbye() -> None:
    driver = Driver()
    driver.login()
    driver.press("7")
    assert driver.media()[0] == "sound:vm-sorry"
    driver.press("8")
    assert driver.media()[0] == "sound:vm-sorry"
    driver.press("A")
    assert driver.media() == ("sound:vm-goodbye",)


# -- greetings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "kind", "prompt", "max_s"),
    [
        ("1", "unavailable", "sound:vm-rec-unv", 60),
        ("2", "busy", "sound:vm-rec-busy", 60),
        ("3", "name", "sound:vm-rec-name", 10),
    ],
)
def test_when_recording_a_greeting_then_it_is_stored(
    key: str, kind: str, prompt: str, max_s: int
) -> None:
    driver = Driver()
    driver.login()
    driver.press("0")
    assert driver.media() == ("sound:vm-options",)
    driver.press(key)
    assert driver.media() == (prompt,)
    driver.press("5")  # ignored: the instructions play to the end
    commands = driver.play_out()
    assert len(commands) == 1 and isinstance(commands[0], StartRecording)
    assert commands[0].max_duration_s == max_s
    assert driver.press("123") == []  # recording: keys are the caller's business
    driver.send(RecordingDone(commands[0].recording_id, 4.2))
    assert driver.request is not None
    assert driver.request.action == SetGreeting("5000", kind, commands[0].recording_id)
    driver.answer(True)
    assert driver.media() == ("sound:vm-msgsaved", "sound:vm-options")


def test_when_greeting_is_too_short_then_it_is_discarded() -> None:
    driver = Driver()
    driver.login()
    driver.press("01#")  # '#' skips the instructions
    assert driver.recording is not None
    recording_id = driver.recording
    commands = driver.send(RecordingDone(recording_id, 0.4))
    assert commands[0] == DiscardRecording(recording_id)
    assert driver.media() == ("sound:vm-tooshort", "sound:vm-options")
    assert driver.request is None


def test_when_star_during_recording_then_it_is_cancelled() -> None:
    driver = Driver()
    driver.login()
    driver.press("01#")
    recording_id = driver.recording
    commands = driver.press("*")
    assert commands[0] == CancelRecording(recording_id or "")
    assert driver.session.state == "options"
    assert driver.send(RecordingDone(recording_id or "", 5.0)) == []  # stale


def test_when_recording_fails_then_sorry() -> None:
    driver = Driver()
    driver.login()
    driver.press("02#")
    driver.send(RecordingFailed(driver.recording or ""))
    assert driver.media() == ("sound:vm-sorry", "sound:vm-options")


def test_when_hanging_up_while_recording_then_greeting_is_salvaged() -> None:
    driver = Driver()
    driver.login()
    driver.press("01#")
    recording_id = driver.recording or ""
    commands = driver.send(HungUp())
    assert commands == [SalvageGreeting(recording_id, "5000", "unavailable", 1.0)]
    assert driver.session.finished


# -- PIN change --------------------------------------------------------------------------
def test_when_changing_pin_then_it_is_entered_twice() -> None:
    driver = Driver()
    driver.login()
    driver.press("05")
    assert driver.media() == ("sound:vm-newpassword",)
    driver.press("246801#")
    assert driver.media() == ("sound:vm-reenterpassword",)
    driver.press("246801#")
    assert driver.request is not None
    assert driver.request.action == ChangePin("5000", "246801")
    driver.answer(True)
    assert driver.media() == ("sound:vm-passchanged", "sound:vm-options")


@pytest.mark.security
@pytest.mark.parametrize("first", ["12#", "1234#", "12345#", "12A456#", "#"])
def test_when_new_pin_is_too_short_or_not_digits_then_refused(first: str) -> None:
    driver = Driver()
    driver.login()
    driver.press("05" + first)
    assert driver.media() == ("sound:vm-invalid-password", "sound:vm-newpassword")
    assert driver.request is None


def test_minimum_pin_length_is_six_digits() -> None:
    assert MIN_PIN_DIGITS == 6


def test_when_pins_differ_then_mismatch_and_third_returns_to_options() -> None:
    driver = Driver()
    driver.login()
    driver.press("05")
    driver.press("111111#222222#")
    assert driver.media() == ("sound:vm-mismatch", "sound:vm-newpassword")
    driver.press("111111#222222#")
    driver.press("111111#222222#")
    assert driver.media() == ("sound:vm-mismatch", "sound:vm-options")
    assert not any(
        isinstance(c, StoreRequest) and isinstance(c.action, ChangePin) for c in driver.log
    )


def test_when_star_during_pin_entry_then_cancelled() -> None:
    driver = Driver()
    driver.login()
    driver.press("0512*")
    assert driver.session.state == "options"


def test_temporary_greeting_key_is_not_offered() -> None:
    driver = Driver()
    driver.login()
    driver.press("04")
    assert driver.media() == ("sound:vm-sorry", "sound:vm-options")


# -- hang-up and stale events ------------------------------------------------------------
@pytest.mark.parametrize("keys", ["", "12", "1", "18", "13", "05", "0", "17", "01"])
def test_when_caller_hangs_up_anywhere_then_nothing_more_is_emitted(keys: str) -> None:
    driver = Driver()
    driver.login()
    driver.press(keys)
    driver.send(HungUp())
    assert driver.session.finished
    assert driver.press("123#") == []
    if driver.request is not None:
        assert driver.answer(True) == []
    assert driver.send(TimerFired("s-tm-1")) == []


def test_stale_events_are_ignored() -> None:
    driver = Driver()
    stale = driver.media()
    driver.press("1")  # stops the prompt
    assert driver.send(PlaybackDone("s-pb-1")) == []
    assert driver.send(TimerFired("nope")) == []
    assert driver.send(StoreAnswered("nope", True)) == []
    assert driver.send(DigitPressed("x")) == []
    assert stale == ("sound:vm-password",)


def test_start_twice_is_refused() -> None:
    session = AccessSession("x")
    with pytest.raises(RuntimeError):
        session.handle(HungUp())
    session.start("5000")
    with pytest.raises(RuntimeError):
        session.start("5000")
