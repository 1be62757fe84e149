"""FlowSession mechanics and FlowDefinition parsing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from ari_apps.ivr import (
    NODE_KINDS,
    DtmfReceived,
    FlowDefinition,
    FlowDefinitionError,
    FlowSession,
    Hangup,
    InputRecorded,
    NodeEntered,
    NodeSpec,
    Play,
    PlaybackFinished,
    SessionUsageError,
    StartTimer,
    StopPlayback,
    TimerExpired,
    register_node_kind,
    validate_flow,
)
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.registry import Activation, NodeContext, Step
from ari_apps.ivr.testing import ScriptedCall

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def greeting_then_menu() -> dict[str, Any]:
    return {
        "start": "greet",
        "nodes": {
            "greet": {
                "kind": "play",
                "media": ["sound:hello-world"],
                "next": "menu",
                "interruptible": True,
            },
            "menu": {
                "kind": "menu",
                "prompt": ["sound:vm-press"],
                "options": {"1": "bye"},
                "on_exhausted": "bye",
            },
            "bye": {"kind": "hangup"},
        },
    }


def test_given_builtin_kinds_when_module_imported_then_all_are_registered() -> None:
    expected = {
        "play",
        "menu",
        "collect",
        "time_condition",
        "queue",
        "transfer",
        "http_lookup",
        "set_variable",
        "goto",
        "hangup",
    }
    assert expected <= set(NODE_KINDS)


def test_given_call_when_session_created_then_builtin_variables_are_present() -> None:
    flow = FlowDefinition.from_json(greeting_then_menu())

    session = FlowSession(
        flow, "c7", {"caller_id": "0612", "dialed_number": "8000", "call_id": "x"}
    )

    assert session.variables["call_id"] == "c7"
    assert session.variables["caller_id"] == "0612"
    assert session.variables["dialed_number"] == "8000"
    assert session.variables["language"] == "en"


def test_given_greeting_when_digit_pressed_then_digit_reaches_menu_as_type_ahead() -> None:
    call = ScriptedCall(greeting_then_menu())
    call.start()

    commands = call.press("1")

    # The menu prompt is never started: the digit already answered it.
    assert commands[0] == StopPlayback("call-pb-1")
    assert not any(isinstance(command, Play) for command in commands)
    assert commands[-1] == Hangup("flow_hangup")


def test_given_session_when_ids_generated_then_they_are_deterministic() -> None:
    first = ScriptedCall(greeting_then_menu(), call_id="abc")
    second = ScriptedCall(greeting_then_menu(), call_id="abc")

    assert first.start() == second.start()
    assert first.finish_playback() == second.finish_playback()
    assert first.finish_playback() == second.finish_playback()
    assert first.history[-1] == StartTimer("abc-tm-3", 5.0)


def test_given_stale_playback_id_when_finished_event_arrives_then_nothing_happens() -> None:
    call = ScriptedCall(greeting_then_menu())
    call.start()
    call.finish_playback()  # greeting done, menu prompt call-pb-2 playing

    assert call.send(PlaybackFinished("call-pb-1")) == []
    assert call.send(PlaybackFinished("somebody-else")) == []
    assert call.send(TimerExpired("call-tm-99")) == []
    assert call.session.current_node == "menu"


def test_given_invalid_digit_value_when_received_then_it_is_ignored() -> None:
    call = ScriptedCall(greeting_then_menu())
    call.start()

    assert call.send(DtmfReceived("x")) == []
    assert call.send(DtmfReceived("12")) == []


def test_given_node_left_with_running_prompt_and_timer_when_leaving_then_they_are_cleaned_up() -> (
    None
):
    flow = {
        "start": "m",
        "nodes": {
            "m": {"kind": "menu", "prompt": ["sound:beep"], "options": {"1": "m2"}},
            "m2": {"kind": "menu", "prompt": ["sound:beep"], "options": {"1": "m"}},
        },
    }
    call = ScriptedCall(flow)
    call.start()

    commands = call.press("1")

    assert commands[:1] == [StopPlayback("call-pb-1")]
    assert NodeEntered("m2", "menu") in commands


def test_given_loop_without_waiting_when_run_then_runaway_guard_hangs_up() -> None:
    flow = {
        "start": "a",
        "nodes": {"a": {"kind": "goto", "target": "b"}, "b": {"kind": "goto", "target": "a"}},
    }
    session = FlowSession(FlowDefinition.from_json(flow), "c1", max_transitions=10)

    commands = session.start(NOW)

    assert commands[-1] == Hangup("runaway_flow")
    assert len(commands) == 11  # ten NodeEntered, then the hangup
    assert session.finished
    assert session.handle(DtmfReceived("1"), NOW) == []


def test_given_session_when_misused_then_domain_error_with_stable_id() -> None:
    session = FlowSession(FlowDefinition.from_json(greeting_then_menu()), "c1")

    with pytest.raises(SessionUsageError) as not_started:
        session.handle(DtmfReceived("1"), NOW)
    with pytest.raises(SessionUsageError):
        session.start(datetime(2026, 1, 1))  # naive
    session.start(NOW)
    with pytest.raises(SessionUsageError):
        session.start(NOW)

    assert not_started.value.error_id == "ivr-session-misuse"


@pytest.mark.parametrize(
    ("document", "node_id", "code"),
    [
        ({"start": "a", "nodes": {"a": {"kind": "teleport"}}}, "a", "unknown_kind"),
        ({"start": "a", "nodes": {"a": {"kind": "goto"}}}, "a", "invalid_config"),
        ({"start": "a", "nodes": {"a": {"kind": "goto", "target": "zz"}}}, "a", "dangling_edge"),
        ({"start": "q", "nodes": {"a": {"kind": "hangup"}}}, None, "missing_start"),
        ({"start": "a", "nodes": {}}, None, "invalid_flow"),
        (
            {"start": "a", "nodes": {"a": {"kind": "hangup", "tiemout_s": 3}}},
            "a",
            "invalid_config",
        ),
    ],
)
def test_given_malformed_flow_when_parsed_then_error_names_node_and_reason(
    document: dict[str, Any], node_id: str | None, code: str
) -> None:
    with pytest.raises(FlowDefinitionError) as raised:
        FlowDefinition.from_json(document)

    assert raised.value.node_id == node_id
    assert raised.value.code == code
    assert raised.value.error_id == "ivr-flow-invalid"
    assert raised.value.status_code == 422
    assert raised.value.details == {"node_id": node_id, "code": code}


def test_given_flow_as_json_text_when_parsed_then_same_definition() -> None:
    text = '{"start": "a", "nodes": {"a": {"kind": "hangup", "ui": {"x": 10}}}}'

    flow = FlowDefinition.from_json(text)

    assert flow.start == "a"
    assert flow.nodes["a"].kind == "hangup"


def test_given_dtmf_flood_when_handled_then_state_and_output_stay_bounded() -> None:
    call = ScriptedCall(greeting_then_menu())
    call.start()
    call.finish_playback()

    for n in range(5000):
        commands = call.send(DtmfReceived("0123456789*#"[n % 12]))
        assert len(commands) <= 10
        assert len(call.session.awaited_ids) <= 2

    assert call.session.finished


@dataclass(frozen=True, kw_only=True)
class _SurveyQuestion(NodeSpec):
    """A minimal plug-in kind: asks nothing, records a fixed answer."""

    answer: str
    next: str

    @classmethod
    def parse(cls, config: ConfigReader) -> _SurveyQuestion:
        return cls(
            node_id=config.node_id, answer=config.text("answer"), next=config.node_ref("next")
        )

    def edges(self) -> Mapping[str, str]:
        return {"next": self.next}

    def activate(self, context: NodeContext) -> Activation:
        spec = self

        class _Answer(Activation):
            def start(self) -> Step:
                return Step.go(spec.next, InputRecorded(spec.node_id, "survey", spec.answer))

        return _Answer()


@pytest.fixture
def survey_kind() -> Iterator[None]:
    register_node_kind("test_survey")(_SurveyQuestion)
    yield
    del NODE_KINDS["test_survey"]


@pytest.mark.usefixtures("survey_kind")
def test_given_plugged_in_node_kind_when_flow_uses_it_then_engine_and_validator_accept_it() -> None:
    flow = {
        "start": "s",
        "nodes": {
            "s": {"kind": "test_survey", "answer": "5", "next": "bye"},
            "bye": {"kind": "hangup"},
        },
    }
    call = ScriptedCall(flow)

    commands = call.start()

    assert InputRecorded("s", "survey", "5") in commands
    assert commands[-1] == Hangup("flow_hangup")
    assert validate_flow(flow) == []
