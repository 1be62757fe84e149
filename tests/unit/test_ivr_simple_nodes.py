"""play, goto, set_variable, hangup and transfer nodes."""

from __future__ import annotations

from typing import Any

from ari_apps.ivr.commands import (
    Hangup,
    InputRecorded,
    NodeEntered,
    Play,
    StopPlayback,
    Transfer,
)
from ari_apps.ivr.testing import ScriptedCall

BYE: dict[str, Any] = {"kind": "hangup"}


def graph(start: str, **nodes: dict[str, Any]) -> dict[str, Any]:
    return {"start": start, "nodes": nodes}


def test_given_play_node_when_started_then_it_plays_media_and_waits() -> None:
    call = ScriptedCall(
        graph("hi", hi={"kind": "play", "media": ["sound:hello-world"], "next": "bye"}, bye=BYE)
    )

    commands = call.start()

    assert commands == [
        NodeEntered("hi", "play"),
        Play("call-pb-1", ("sound:hello-world",)),
    ]
    assert call.session.current_node == "hi"
    assert not call.session.finished


def test_given_play_node_when_playback_finishes_then_it_goes_to_next() -> None:
    call = ScriptedCall(
        graph("hi", hi={"kind": "play", "media": ["sound:hello-world"], "next": "bye"}, bye=BYE)
    )
    call.start()

    commands = call.finish_playback()

    assert commands == [NodeEntered("bye", "hangup"), Hangup("flow_hangup")]
    assert call.session.finished


def test_given_non_interruptible_play_when_digit_pressed_then_it_is_ignored() -> None:
    call = ScriptedCall(
        graph("hi", hi={"kind": "play", "media": ["sound:hello-world"], "next": "bye"}, bye=BYE)
    )
    call.start()

    assert call.press("5") == []
    assert call.session.current_node == "hi"


def test_given_interruptible_play_when_digit_pressed_then_playback_stops_and_flow_moves_on() -> (
    None
):
    call = ScriptedCall(
        graph(
            "hi",
            hi={
                "kind": "play",
                "media": ["sound:hello-world"],
                "next": "bye",
                "interruptible": True,
            },
            bye=BYE,
        )
    )
    call.start()

    commands = call.press("5")

    assert commands == [
        StopPlayback("call-pb-1"),
        NodeEntered("bye", "hangup"),
        Hangup("flow_hangup"),
    ]


def test_given_media_with_variables_when_played_then_placeholders_are_expanded() -> None:
    call = ScriptedCall(
        graph(
            "hi",
            hi={"kind": "play", "media": ["digits:${caller_id}", "number:${count}"], "next": "bye"},
            bye=BYE,
        ),
        variables={"caller_id": "1234", "count": "not-a-number"},
    )

    commands = call.start()

    # number: with a non-numeric value is dropped instead of breaking the call.
    assert Play("call-pb-1", ("digits:1234",)) in commands


def test_given_media_that_expands_to_nothing_when_played_then_flow_moves_on_immediately() -> None:
    call = ScriptedCall(
        graph("hi", hi={"kind": "play", "media": ["digits:${missing}"], "next": "bye"}, bye=BYE)
    )

    commands = call.start()

    assert commands[-1] == Hangup("flow_hangup")


def test_given_goto_node_when_entered_then_it_jumps_to_target() -> None:
    call = ScriptedCall(graph("jump", jump={"kind": "goto", "target": "bye"}, bye=BYE))

    commands = call.start()

    assert commands == [
        NodeEntered("jump", "goto"),
        NodeEntered("bye", "hangup"),
        Hangup("flow_hangup"),
    ]


def test_given_set_variable_node_when_entered_then_variables_are_set_in_order() -> None:
    call = ScriptedCall(
        graph(
            "set",
            set={
                "kind": "set_variable",
                "set": {"greeting": "hi ${caller_id}", "copy": "${greeting}!"},
                "next": "bye",
            },
            bye=BYE,
        ),
        variables={"caller_id": "555"},
    )

    call.start()

    assert call.session.variables["greeting"] == "hi 555"
    assert call.session.variables["copy"] == "hi 555!"


def test_given_self_appending_variable_when_looped_then_value_stays_capped() -> None:
    call = ScriptedCall(
        graph(
            "grow",
            grow={"kind": "set_variable", "set": {"x": "${x}${x}a"}, "next": "ask"},
            ask={"kind": "menu", "prompt": ["sound:beep"], "options": {"1": "grow"}},
        )
    )
    call.start()

    for _ in range(20):
        call.press("1")

    assert 0 < len(call.session.variables["x"]) <= 2048


def test_given_hangup_node_with_media_when_entered_then_it_plays_goodbye_before_hanging_up() -> (
    None
):
    call = ScriptedCall(
        graph("bye", bye={"kind": "hangup", "media": ["sound:goodbye"], "reason": "done"})
    )

    assert call.start() == [NodeEntered("bye", "hangup"), Play("call-pb-1", ("sound:goodbye",))]
    assert not call.session.finished
    assert call.finish_playback() == [Hangup("done")]
    assert call.session.finished


def test_given_transfer_to_templated_extension_when_entered_then_transfer_command_ends_flow() -> (
    None
):
    call = ScriptedCall(
        graph("xfer", xfer={"kind": "transfer", "target": "${agent_ext}"}),
        variables={"agent_ext": "2001"},
    )

    commands = call.start()

    assert commands[-1] == Transfer("2001", "extension")
    assert call.session.finished


def test_given_external_transfer_with_injected_target_when_entered_then_on_failure_is_taken() -> (
    None
):
    call = ScriptedCall(
        graph(
            "xfer",
            xfer={
                "kind": "transfer",
                "target": "${number}",
                "target_kind": "external",
                "on_failure": "bye",
            },
            bye=BYE,
        ),
        variables={"number": "0612@other-context"},
    )

    commands = call.start()

    assert not any(isinstance(command, Transfer) for command in commands)
    assert InputRecorded("xfer", "invalid_transfer_target", "0612@other-context") in commands
    assert commands[-1] == Hangup("flow_hangup")


def test_given_transfer_without_failure_branch_when_target_empty_then_call_hangs_up() -> None:
    call = ScriptedCall(graph("xfer", xfer={"kind": "transfer", "target": "${unset}"}))

    commands = call.start()

    assert commands[-1] == Hangup("transfer_target_invalid")
