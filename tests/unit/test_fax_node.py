"""The fax_on_demand node kind: parsing and its branches (pure, no services run)."""

from __future__ import annotations

from typing import Any

import pytest

import fax.nodes  # registers the node kind (and names its services)
from ari_apps.ivr.commands import Hangup, InputRecorded, Play, RunCallService
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.testing import ScriptedCall


def flow(**config: Any) -> dict[str, Any]:
    node = {"kind": "fax_on_demand", "next": "after", "on_invalid": "bye", **config}
    return {
        "start": "fax",
        "nodes": {
            "fax": node,
            "after": {"kind": "play", "media": ["sound:vm-goodbye"], "next": "bye"},
            "bye": {"kind": "hangup"},
        },
    }


def last_service(call: ScriptedCall) -> RunCallService:
    found = [c for c in call.history if isinstance(c, RunCallService)]
    assert found, call.history
    return found[-1]


def answer(call: ScriptedCall, outcome: str, **variables: str) -> list[Any]:
    return call.send(CallServiceFinished(last_service(call).request_id, outcome, variables))


def keyed_document(call: ScriptedCall, digits: str = "1#") -> None:
    call.start()
    call.finish_playback()  # document prompt
    call.press(digits)


def test_given_document_and_this_call_then_start_prompt_then_send_here() -> None:
    call = ScriptedCall(flow())
    keyed_document(call)
    assert last_service(call).service == "fax.check_document"
    assert last_service(call).params == {"document": "1"}
    answer(call, "found", fax_document="1")
    call.finish_playback()  # choice prompt
    call.press("1")
    assert isinstance(call.history[-1], Play)  # "press start"
    call.finish_playback()
    assert last_service(call).service == "fax.send_here"
    assert last_service(call).params == {"document": "1"}


def test_given_fax_back_then_number_is_queued_and_flow_goes_on() -> None:
    call = ScriptedCall(flow())
    keyed_document(call, "12#")
    answer(call, "found")
    call.finish_playback()
    call.press("2")
    call.finish_playback()  # number prompt
    call.press("5559000#")
    request = last_service(call)
    assert (request.service, request.params) == (
        "fax.check_destination",
        {"number": "5559000"},
    )
    assert call.session.variables["fax_number"] == "5559000"
    answer(call, "allowed")
    request = last_service(call)
    assert (request.service, request.params) == (
        "fax.queue_back",
        {"document": "12", "number": "5559000"},
    )
    answer(call, "queued", fax_job="7")
    commands = call.finish_playback()  # "your fax will be sent"
    assert call.session.current_node == "after"
    assert call.session.variables["fax_job"] == "7"
    assert commands


def test_given_unknown_document_then_reprompt_until_attempts_then_on_invalid() -> None:
    call = ScriptedCall(flow(max_attempts=2))
    keyed_document(call, "99#")
    commands = answer(call, "unknown")
    replay = [c for c in commands if isinstance(c, Play)]
    assert replay and replay[0].media[0] == "sound:pbx-invalid"
    call.finish_playback()
    call.press("98#")
    answer(call, "unknown")
    assert call.session.current_node == "bye"
    assert any(isinstance(c, Hangup) for c in call.history)
    invalid = [c for c in call.history if isinstance(c, InputRecorded) and c.kind == "invalid"]
    assert [c.value for c in invalid] == ["99", "98"]


def test_given_mode_same_call_then_no_choice_is_asked() -> None:
    call = ScriptedCall(flow(mode="same_call"))
    keyed_document(call)
    answer(call, "found")
    call.finish_playback()  # start prompt
    assert last_service(call).service == "fax.send_here"


def test_given_send_here_comes_back_then_failure_branch() -> None:
    call = ScriptedCall(flow(mode="same_call", on_failure="after"))
    keyed_document(call)
    answer(call, "found")
    call.finish_playback()
    answer(call, "failed")
    assert call.session.current_node == "after"


def test_given_silence_then_timeouts_lead_to_on_invalid() -> None:
    call = ScriptedCall(flow())
    call.start()
    for _ in range(3):
        call.finish_playback()
        call.expire_timer()
    assert call.session.current_node == "bye"


def test_given_unknown_mode_then_definition_error_names_it() -> None:
    with pytest.raises(FlowDefinitionError, match="mode"):
        FlowDefinition.from_json(flow(mode="telepathy"))


def keyed_fax_number(call: ScriptedCall, number: str) -> None:
    keyed_document(call)
    answer(call, "found")
    call.finish_playback()  # choice prompt
    call.press("2")
    call.finish_playback()  # number prompt
    call.press(f"{number}#")


@pytest.mark.security
def test_given_number_the_rules_refuse_then_refusal_heard_and_nothing_queued() -> None:
    """International and premium-rate numbers are never queued: the caller
    hears the refusal and may key another number, then the flow gives up."""
    call = ScriptedCall(flow(max_attempts=2, on_failure="after"))
    keyed_fax_number(call, "0044900123456")
    assert last_service(call).service == "fax.check_destination"
    commands = answer(call, "refused", fax_refusal="refused_prefix")
    plays = [c for c in commands if isinstance(c, Play)]
    assert plays and plays[0].media[0] == "sound:cannot-complete-as-dialed"
    call.finish_playback()
    call.press("0900123456#")
    answer(call, "refused", fax_refusal="refused_prefix")
    assert call.history[-1] == Play(call.playing[-1], ("sound:cannot-complete-as-dialed",))
    call.finish_playback()
    assert call.session.current_node == "after"
    services = [c.service for c in call.history if isinstance(c, RunCallService)]
    assert "fax.queue_back" not in services
    refused = [c for c in call.history if isinstance(c, InputRecorded)]
    assert [c.value for c in refused if c.kind == "fax_back_refused"] == ["refused_prefix"] * 2


@pytest.mark.security
def test_given_caller_over_the_daily_limit_then_try_later_and_failure_branch() -> None:
    call = ScriptedCall(flow(on_failure="after"))
    keyed_fax_number(call, "5559000")
    commands = answer(call, "limited", fax_refusal="caller_limit")
    plays = [c for c in commands if isinstance(c, Play)]
    assert plays and plays[0].media == ("sound:please-try-call-later",)
    call.finish_playback()
    assert call.session.current_node == "after"
    assert "fax.queue_back" not in [
        c.service for c in call.history if isinstance(c, RunCallService)
    ]


def test_the_node_names_the_service_fax_guard_registers() -> None:
    from ari_apps.call_services import CALL_SERVICES
    from fax import guard

    assert guard.CheckDestination.name == fax.nodes.CHECK_DESTINATION_SERVICE
    assert CALL_SERVICES[fax.nodes.CHECK_DESTINATION_SERVICE].name == "fax.check_destination"
