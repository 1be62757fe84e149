"""The demo tenant's "Main menu" flow on DID 8000."""

from __future__ import annotations

from pathlib import Path

from ari_apps.ivr import (
    EnterQueue,
    FlowDefinition,
    Hangup,
    InputRecorded,
    NodeEntered,
    Play,
    ValidationContext,
    validate_flow,
)
from ari_apps.ivr.commands import RunCallService
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.testing import ScriptedCall

SOUNDS_LIST = Path("/tmp/asterisk-sounds.txt")
# The sounds the demo relies on, so the test also runs where the sandbox list is absent.
DEMO_SOUNDS = frozenset(
    {
        "hello-world",
        "vm-press",
        "pbx-invalid",
        "please-try-again",
        "one-moment-please",
        "feature-not-avail-line",
        "vm-goodbye",
        # fax_on_demand's default prompts
        "dir-pls-enter",
        "number",
        "astcc-followed-by-the-pound-key",
        "vm-enter-num-to-call",
        "auth-thankyou",
        # ... and its refusals of a fax-back number (toll-fraud rules)
        "cannot-complete-as-dialed",
        "please-try-call-later",
    }
)


def demo_call() -> ScriptedCall:
    return ScriptedCall(MAIN_MENU, variables={"caller_id": "1001", "dialed_number": "8000"})


def known_sounds() -> frozenset[str]:
    if SOUNDS_LIST.exists():
        return frozenset(SOUNDS_LIST.read_text(encoding="utf-8").split())
    return DEMO_SOUNDS


def test_given_demo_flow_when_validated_against_sandbox_catalogue_then_no_issue() -> None:
    context = ValidationContext(known_sounds=known_sounds(), known_queues=frozenset({"support"}))

    assert validate_flow(MAIN_MENU, context) == []


def test_given_demo_flow_when_queue_unknown_then_validation_flags_it() -> None:
    context = ValidationContext(known_sounds=known_sounds(), known_queues=frozenset())

    issues = validate_flow(MAIN_MENU, context)

    assert [(issue.node_id, issue.code) for issue in issues] == [("support_queue", "unknown_queue")]


def test_given_caller_on_demo_when_call_starts_then_greeting_plays() -> None:
    call = demo_call()

    assert call.start() == [NodeEntered("greet", "play"), Play("call-pb-1", ("sound:hello-world",))]


def test_given_caller_in_demo_menu_when_pressing_1_then_enters_support_queue() -> None:
    call = demo_call()
    call.start()
    call.finish_playback()  # greeting
    call.finish_playback()  # menu prompt

    call.press("1")
    commands = call.finish_playback()  # "one moment please"

    assert commands == [
        NodeEntered("support_queue", "queue"),
        EnterQueue("support", 0, 600, {}),
    ]
    assert InputRecorded("menu", "dtmf", "1") in call.history


def test_given_caller_during_greeting_when_pressing_1_then_goes_straight_to_support() -> None:
    call = demo_call()
    call.start()

    call.press("1")
    call.finish_playback()

    assert call.history[-1] == EnterQueue("support", 0, 600, {})


def test_given_caller_in_demo_menu_when_pressing_9_then_menu_replays() -> None:
    call = demo_call()
    call.start()
    call.finish_playback()
    first_prompt = call.history[-1]

    commands = call.press("9")

    assert isinstance(first_prompt, Play)
    assert NodeEntered("menu", "menu") in commands
    replay = commands[-1]
    assert isinstance(replay, Play)
    assert replay.media == first_prompt.media
    assert replay.playback_id != first_prompt.playback_id


def test_given_caller_in_demo_menu_when_pressing_2_then_voicemail_box_5000_records() -> None:
    call = demo_call()
    call.start()
    call.finish_playback()

    commands = call.press("2")
    request = commands[-1]
    assert isinstance(request, RunCallService)

    assert commands[-2:] == [
        NodeEntered("voicemail", "voicemail"),
        RunCallService(
            request.request_id,
            "voicemail.leave",
            {
                "box": "5000",
                "greeting": "unavailable",
                "max_length_s": 120,
                "silence_s": 5,
                "operator": True,
            },
        ),
    ]
    done = call.send(CallServiceFinished(request.request_id, "recorded", {"vm_message_id": "7"}))
    assert NodeEntered("voicemail_done", "hangup") in done
    assert call.session.variables["vm_message_id"] == "7"


def test_given_caller_leaving_voicemail_when_pressing_0_then_support_queue() -> None:
    call = demo_call()
    call.start()
    call.finish_playback()
    request = call.press("2")[-1]
    assert isinstance(request, RunCallService)

    commands = call.send(CallServiceFinished(request.request_id, "operator"))

    assert NodeEntered("support_hold", "play") in commands


def test_given_caller_in_demo_menu_when_three_invalid_entries_then_goodbye_and_hangup() -> None:
    call = demo_call()
    call.start()
    call.finish_playback()

    call.press("5")
    call.press("7")
    commands = call.press("*")

    assert commands[-2:] == [
        NodeEntered("goodbye", "hangup"),
        Play(call.playing[-1], ("sound:vm-goodbye",)),
    ]
    assert call.finish_playback() == [Hangup("menu_exhausted")]
    assert call.session.finished


def test_given_silent_caller_in_demo_menu_when_three_timeouts_then_goodbye_and_hangup() -> None:
    call = demo_call()
    call.start()
    call.finish_playback()  # greeting

    for _ in range(3):
        call.finish_playback()  # menu prompt (possibly after "please try again")
        call.expire_timer()
    call.finish_playback()  # goodbye

    timeouts = [c for c in call.history if isinstance(c, InputRecorded) and c.kind == "timeout"]
    assert len(timeouts) == 3
    assert call.history[-1] == Hangup("menu_exhausted")


def test_given_demo_flow_when_parsed_then_every_node_is_reachable_from_greeting() -> None:
    flow = FlowDefinition.from_json(MAIN_MENU)

    assert flow.start == "greet"
    assert set(flow.nodes) == {
        "greet",
        "menu",
        "support_hold",
        "support_queue",
        "voicemail",
        "voicemail_done",
        "fax_on_demand",
        "goodbye",
    }
