"""The voicemail node kind: parsing, validation naming the node, and its branches
(pure: the call service is answered by the test)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import vm.nodes  # noqa: F401  (registers the node kind)
from admin_ui.flows.node_forms import apply_values, fields_for, form_values
from ari_apps.ivr.commands import (
    TRANSFER_EXTENSION,
    Hangup,
    InputRecorded,
    NodeEntered,
    RunCallService,
    Transfer,
)
from ari_apps.ivr.events import CallServiceFinished, DtmfReceived
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.testing import ScriptedCall


def flow(**config: Any) -> dict[str, Any]:
    node = {"kind": "voicemail", "box": "5000", "next": "thanks", **config}
    return {
        "start": "vm",
        "nodes": {
            "vm": node,
            "thanks": {"kind": "play", "media": ["sound:vm-goodbye"], "next": "bye"},
            "nothing": {"kind": "play", "media": ["sound:vm-nomore"], "next": "bye"},
            "operator": {"kind": "play", "media": ["sound:pls-hold-while-try"], "next": "bye"},
            "sorry": {"kind": "play", "media": ["sound:an-error-has-occurred"], "next": "bye"},
            "bye": {"kind": "hangup"},
        },
    }


def started_service(call: ScriptedCall) -> RunCallService:
    commands = call.start()
    services = [c for c in commands if isinstance(c, RunCallService)]
    assert len(services) == 1, commands
    return services[0]


def answer(call: ScriptedCall, request: RunCallService, outcome: str) -> list[Any]:
    return call.send(CallServiceFinished(request.request_id, outcome, {}))


def test_given_node_then_the_leave_service_gets_the_box_and_limits() -> None:
    call = ScriptedCall(flow(max_length_s=60, silence_s=3, greeting="busy", operator="operator"))
    request = started_service(call)
    assert request.service == "voicemail.leave"
    assert request.params == {
        "box": "5000",
        "greeting": "busy",
        "max_length_s": 60,
        "silence_s": 3,
        "operator": True,
    }


def test_given_box_template_then_it_is_expanded_from_the_variables() -> None:
    definition = flow(box="${agent_box}")
    call = ScriptedCall(definition, variables={"agent_box": "1001"})
    assert started_service(call).params["box"] == "1001"


def test_given_box_template_that_expands_to_garbage_then_failure_branch() -> None:
    call = ScriptedCall(flow(box="${agent_box}", on_failure="sorry"), variables={"agent_box": "x"})
    commands = call.start()
    assert not any(isinstance(c, RunCallService) for c in commands)
    assert InputRecorded("vm", "invalid_box", "x") in commands
    assert NodeEntered("sorry", "play") in commands


def test_given_recorded_then_next() -> None:
    call = ScriptedCall(flow(on_no_message="nothing"))
    commands = answer(call, started_service(call), "recorded")
    assert InputRecorded("vm", "voicemail", "recorded") in commands
    assert NodeEntered("thanks", "play") in commands


def test_given_no_message_then_on_no_message_or_else_next() -> None:
    call = ScriptedCall(flow(on_no_message="nothing"))
    assert NodeEntered("nothing", "play") in answer(call, started_service(call), "no_message")
    call = ScriptedCall(flow())
    assert NodeEntered("thanks", "play") in answer(call, started_service(call), "no_message")


def test_given_operator_node_when_caller_presses_0_then_operator_node() -> None:
    call = ScriptedCall(flow(operator="operator"))
    assert NodeEntered("operator", "play") in answer(call, started_service(call), "operator")


def test_given_operator_extension_when_caller_presses_0_then_transfer() -> None:
    call = ScriptedCall(flow(operator_extension="1001"))
    assert started_service(call).params["operator"] is True
    call = ScriptedCall(flow(operator_extension="1001"))
    commands = answer(call, started_service(call), "operator")
    assert Transfer("1001", TRANSFER_EXTENSION) in commands


def test_given_failed_without_on_failure_then_polite_hangup() -> None:
    call = ScriptedCall(flow())
    commands = answer(call, started_service(call), "failed")
    assert any(isinstance(c, Hangup) for c in commands)


def test_given_failed_with_on_failure_then_that_branch() -> None:
    call = ScriptedCall(flow(on_failure="sorry"))
    assert NodeEntered("sorry", "play") in answer(call, started_service(call), "failed")


def test_while_recording_digits_and_stale_answers_do_not_move_the_flow() -> None:
    call = ScriptedCall(flow())
    request = started_service(call)
    assert call.send(DtmfReceived("0")) == []
    assert call.send(CallServiceFinished("someone-else", "recorded", {})) == []
    assert call.session.current_node == "vm"
    assert NodeEntered("thanks", "play") in answer(call, request, "recorded")


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"box": "5"}, "'box'"),
        ({"box": "abc"}, "'box'"),
        ({"greeting": "angry"}, "'greeting'"),
        ({"max_length_s": 2}, "max_length_s"),
        ({"max_length_s": 100000}, "max_length_s"),
        ({"silence_s": -1}, "silence_s"),
        ({"operator": "operator", "operator_extension": "1001"}, "not both"),
        ({"operator_extension": "10 01"}, "operator_extension"),
        ({"next": "nowhere"}, "nowhere"),
    ],
)
def test_given_bad_config_then_validation_names_the_node_and_field(
    config: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(FlowDefinitionError) as raised:
        FlowDefinition.from_json(flow(**config))
    text = str(raised.value)
    assert "vm" in text and complaint in text, text


@given(st.text(alphabet="0123456789", min_size=2, max_size=10))
def test_any_box_number_of_2_to_10_digits_is_accepted(box: str) -> None:
    assert started_service(ScriptedCall(flow(box=box))).params["box"] == box


def test_flow_editor_form_offers_every_voicemail_field_and_builds_the_node() -> None:
    names = [field.name for field in fields_for("voicemail")]
    for wanted in ("box", "greeting", "max_length_s", "silence_s", "operator", "next"):
        assert wanted in names
    typed = {"box": "5000", "greeting": "busy", "max_length_s": "90", "next": "thanks"}
    node, errors = apply_values({}, "voicemail", form_values("voicemail", typed))
    assert errors == {}
    assert node == {
        "kind": "voicemail",
        "box": "5000",
        "greeting": "busy",
        "max_length_s": 90,
        "next": "thanks",
    }
    definition = flow()
    definition["nodes"]["vm"] = node
    FlowDefinition.from_json(definition)


# -- voicemail_access: a tenant's own retrieval number --------------------------------
def access_flow(**config: Any) -> dict[str, Any]:
    nodes = flow()["nodes"]
    nodes["vm"] = {"kind": "voicemail_access", "next": "thanks", **config}
    return {"start": "vm", "nodes": nodes}


def test_given_access_node_then_the_retrieval_service_runs_without_a_box() -> None:
    call = ScriptedCall(access_flow())
    request = started_service(call)
    assert (request.service, request.params) == ("voicemail.access", {})


def test_given_access_goodbye_then_next() -> None:
    call = ScriptedCall(access_flow(on_failure="sorry"))
    commands = answer(call, started_service(call), "goodbye")
    assert NodeEntered("thanks", "play") in commands


def test_given_access_failed_then_on_failure_or_a_hangup() -> None:
    with_branch = ScriptedCall(access_flow(on_failure="sorry"))
    assert NodeEntered("sorry", "play") in answer(
        with_branch, started_service(with_branch), "failed"
    )
    without = ScriptedCall(access_flow())
    assert any(isinstance(c, Hangup) for c in answer(without, started_service(without), "failed"))


def test_given_access_node_with_an_unknown_next_then_refused_naming_the_node() -> None:
    with pytest.raises(FlowDefinitionError, match="vm"):
        FlowDefinition.from_json(access_flow(next="nowhere"))
