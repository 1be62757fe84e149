"""menu and collect nodes: barge-in, timers, retries, branches."""

from __future__ import annotations

from typing import Any

from ari_apps.ivr.commands import (
    CancelTimer,
    Hangup,
    InputRecorded,
    NodeEntered,
    Play,
    StartTimer,
    StopPlayback,
)
from ari_apps.ivr.events import TimerExpired
from ari_apps.ivr.testing import ScriptedCall


def menu_flow(**menu_overrides: Any) -> dict[str, Any]:
    menu: dict[str, Any] = {
        "kind": "menu",
        "prompt": ["sound:vm-press"],
        "options": {"1": "one", "2": "two"},
        "timeout_s": 4,
        "max_attempts": 2,
        "invalid_prompt": ["sound:pbx-invalid"],
        "timeout_prompt": ["sound:please-try-again"],
        "on_exhausted": "exhausted",
    }
    menu.update(menu_overrides)
    return {
        "start": "menu",
        "nodes": {
            "menu": menu,
            "one": {"kind": "hangup", "reason": "chose_one"},
            "two": {"kind": "hangup", "reason": "chose_two"},
            "exhausted": {"kind": "hangup", "reason": "exhausted"},
            "invalid_end": {"kind": "hangup", "reason": "invalid_end"},
        },
    }


def test_given_menu_when_prompt_finishes_then_the_answer_timer_starts() -> None:
    call = ScriptedCall(menu_flow())
    assert call.start() == [NodeEntered("menu", "menu"), Play("call-pb-1", ("sound:vm-press",))]

    assert call.finish_playback() == [StartTimer("call-tm-2", 4.0)]


def test_given_menu_waiting_when_valid_digit_then_timer_cancelled_and_option_taken() -> None:
    call = ScriptedCall(menu_flow())
    call.start()
    call.finish_playback()

    commands = call.press("2")

    assert commands == [
        CancelTimer("call-tm-2"),
        InputRecorded("menu", "dtmf", "2"),
        NodeEntered("two", "hangup"),
        Hangup("chose_two"),
    ]


def test_given_menu_prompt_playing_when_digit_pressed_then_playback_stops_and_digit_counts() -> (
    None
):
    call = ScriptedCall(menu_flow())
    call.start()

    commands = call.press("1")

    assert commands[0] == StopPlayback("call-pb-1")
    assert commands[-1] == Hangup("chose_one")


def test_given_menu_when_invalid_digit_then_invalid_prompt_and_menu_replay() -> None:
    call = ScriptedCall(menu_flow())
    call.start()
    call.finish_playback()

    commands = call.press("7")

    assert commands == [
        CancelTimer("call-tm-2"),
        InputRecorded("menu", "invalid", "7"),
        Play("call-pb-3", ("sound:pbx-invalid", "sound:vm-press")),
    ]


def test_given_menu_when_timer_expires_then_timeout_prompt_and_menu_replay() -> None:
    call = ScriptedCall(menu_flow())
    call.start()
    call.finish_playback()

    commands = call.expire_timer()

    assert commands == [
        InputRecorded("menu", "timeout", ""),
        Play("call-pb-3", ("sound:please-try-again", "sound:vm-press")),
    ]


def test_given_menu_when_invalid_then_timeout_reach_max_attempts_then_on_exhausted() -> None:
    call = ScriptedCall(menu_flow())
    call.start()
    call.press("7")
    call.finish_playback()

    commands = call.expire_timer()

    assert commands[-2:] == [NodeEntered("exhausted", "hangup"), Hangup("exhausted")]


def test_given_menu_with_on_invalid_when_exhausted_by_invalid_digit_then_on_invalid_wins() -> None:
    call = ScriptedCall(menu_flow(on_invalid="invalid_end", max_attempts=1))
    call.start()

    commands = call.press("#")

    assert commands[-1] == Hangup("invalid_end")


def test_given_menu_without_exhausted_branch_when_exhausted_then_call_hangs_up() -> None:
    call = ScriptedCall(menu_flow(on_exhausted=None, max_attempts=1))
    call.start()
    call.finish_playback()

    commands = call.expire_timer()

    assert commands[-1] == Hangup("menu_attempts_exhausted")


def test_given_menu_when_stale_timer_fires_after_digit_then_it_is_ignored() -> None:
    call = ScriptedCall(menu_flow())
    call.start()
    call.finish_playback()
    old_timer = call.timers[-1]
    call.press("9")  # invalid: timer cancelled, menu replays

    assert call.send(TimerExpired(old_timer)) == []
    assert call.session.current_node == "menu"


def collect_flow(**overrides: Any) -> dict[str, Any]:
    collect: dict[str, Any] = {
        "kind": "collect",
        "variable": "account",
        "prompt": ["sound:dir-usingkeypad"],
        "retry_prompt": ["sound:please-try-again"],
        "min_length": 3,
        "max_length": 6,
        "first_digit_timeout_s": 5,
        "inter_digit_timeout_s": 2,
        "pattern": "[0-9]+",
        "max_attempts": 2,
        "next": "done",
        "on_invalid": "failed",
    }
    collect.update(overrides)
    return {
        "start": "ask",
        "nodes": {
            "ask": collect,
            "done": {"kind": "hangup", "reason": "got_account"},
            "failed": {"kind": "hangup", "reason": "failed"},
        },
    }


def test_given_collect_when_digits_then_terminator_then_value_stored_and_next_taken() -> None:
    call = ScriptedCall(collect_flow())
    call.start()

    commands = call.press("1234#")

    assert call.session.variables["account"] == "1234"
    assert InputRecorded("ask", "digits", "1234") in commands
    assert call.session.current_node == "done"


def test_given_collect_when_max_length_reached_then_entry_completes_without_terminator() -> None:
    call = ScriptedCall(collect_flow())
    call.start()

    call.press("123456")

    assert call.session.variables["account"] == "123456"
    assert call.session.finished


def test_given_collect_when_each_digit_arrives_then_inter_digit_timer_restarts() -> None:
    call = ScriptedCall(collect_flow())
    call.start()
    call.press("1")

    commands = call.press("2")

    assert commands == [CancelTimer("call-tm-2"), StartTimer("call-tm-3", 2.0)]


def test_given_collect_with_enough_digits_when_inter_digit_timer_expires_then_entry_completes() -> (
    None
):
    call = ScriptedCall(collect_flow())
    call.start()
    call.press("987")

    call.expire_timer()

    assert call.session.variables["account"] == "987"


def test_given_collect_when_too_short_then_retry_prompt_and_collection_restarts() -> None:
    call = ScriptedCall(collect_flow())
    call.start()

    commands = call.press("12#")

    assert InputRecorded("ask", "invalid", "12") in commands
    assert commands[-1] == Play(
        call.playing[-1], ("sound:please-try-again", "sound:dir-usingkeypad")
    )
    call.press("555#")
    assert call.session.variables["account"] == "555"


def test_given_collect_with_pattern_when_entry_does_not_match_then_it_is_invalid() -> None:
    call = ScriptedCall(collect_flow(terminator="*"))
    call.start()

    commands = call.press("12#4*")

    assert InputRecorded("ask", "invalid", "12#4") in commands


def test_given_collect_when_no_digit_until_timeouts_then_on_invalid_after_retries() -> None:
    call = ScriptedCall(collect_flow())
    call.start()
    call.finish_playback()
    first = call.expire_timer()
    call.finish_playback()

    last = call.expire_timer()

    assert first[0] == InputRecorded("ask", "timeout", "")
    assert last[-1] == Hangup("failed")
    assert "account" not in call.session.variables


def test_given_sensitive_collect_when_pin_entered_then_timeline_masks_it() -> None:
    call = ScriptedCall(collect_flow(sensitive=True))
    call.start()

    commands = call.press("4321#")

    assert InputRecorded("ask", "digits", "****") in commands
    assert call.session.variables["account"] == "4321"


def test_given_collect_without_terminator_when_hash_pressed_then_it_is_a_digit() -> None:
    call = ScriptedCall(collect_flow(terminator=None, pattern=None, max_length=3))
    call.start()

    call.press("1#2")

    assert call.session.variables["account"] == "1#2"
