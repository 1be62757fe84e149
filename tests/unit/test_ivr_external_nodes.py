"""time_condition, queue and http_lookup nodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ari_apps.acd.nodes import VOICEMAIL_SERVICE
from ari_apps.ivr.commands import (
    CancelTimer,
    EnterQueue,
    Hangup,
    HttpLookup,
    InputRecorded,
    NodeEntered,
    RunCallService,
    StartTimer,
)
from ari_apps.ivr.events import CallServiceFinished, HttpLookupCompleted, QueueExited
from ari_apps.ivr.testing import ScriptedCall
from ari_apps.ivr.validation import ValidationIssue, validate_flow
from vm.nodes import SERVICE_NAME as VM_SERVICE_NAME

END_NODES: dict[str, Any] = {
    name: {"kind": "hangup", "reason": name}
    for name in ("open", "closed", "holiday", "next", "failure", "overflow", "timeout", "rescue")
}


def graph(start: str, node: dict[str, Any]) -> dict[str, Any]:
    return {"start": start, "nodes": {start: node, **END_NODES}}


def office_hours(**overrides: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "kind": "time_condition",
        "timezone": "Europe/Paris",
        "hours": [
            {"days": "mon-fri", "from": "08:00", "to": "18:00"},
            {"days": ["sat"], "from": "09:00", "to": "12:00"},
        ],
        "holidays": ["2026-12-25"],
        "open": "open",
        "closed": "closed",
        "holiday": "holiday",
    }
    node.update(overrides)
    return graph("hours", node)


@pytest.mark.parametrize(
    ("utc_instant", "expected"),
    [
        (datetime(2026, 3, 2, 7, 0, tzinfo=UTC), "open"),  # Monday 08:00 Paris (UTC+1)
        (datetime(2026, 3, 2, 6, 59, tzinfo=UTC), "closed"),  # Monday 07:59 Paris
        (datetime(2026, 3, 2, 17, 0, tzinfo=UTC), "closed"),  # Monday 18:00 Paris, end exclusive
        (datetime(2026, 7, 6, 15, 30, tzinfo=UTC), "open"),  # Monday 17:30 Paris in summer (UTC+2)
        (datetime(2026, 3, 7, 10, 0, tzinfo=UTC), "open"),  # Saturday 11:00 Paris
        (datetime(2026, 3, 8, 10, 0, tzinfo=UTC), "closed"),  # Sunday
        (datetime(2026, 12, 25, 10, 0, tzinfo=UTC), "holiday"),  # Friday, but Christmas
    ],
)
def test_given_business_hours_when_call_arrives_at_instant_then_matching_branch(
    utc_instant: datetime, expected: str
) -> None:
    call = ScriptedCall(office_hours(), now=utc_instant)

    commands = call.start()

    assert InputRecorded("hours", "time_condition", expected) in commands
    assert commands[-1] == Hangup(expected)


def test_given_no_holiday_branch_when_holiday_then_closed_branch_is_taken() -> None:
    call = ScriptedCall(office_hours(holiday=None), now=datetime(2026, 12, 25, 10, tzinfo=UTC))

    assert call.start()[-1] == Hangup("closed")


def test_given_range_to_midnight_when_late_evening_then_open() -> None:
    flow = office_hours(hours=[{"days": "mon,tue", "from": "20:00", "to": "24:00"}])
    call = ScriptedCall(flow, now=datetime(2026, 3, 3, 22, 59, tzinfo=UTC))  # Tue 23:59 Paris

    assert call.start()[-1] == Hangup("open")


def queue_flow(**overrides: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "kind": "queue",
        "queue": "support",
        "priority": "${vip}",
        "max_wait_s": 120,
        "options": {"moh_class": "calm", "skills": "french:2"},
        "on_overflow": "overflow",
        "on_timeout": "timeout",
    }
    node.update(overrides)
    return graph("q", node)


def test_given_queue_node_when_entered_then_enter_queue_with_priority_from_variable() -> None:
    call = ScriptedCall(queue_flow(), variables={"vip": "7"})

    commands = call.start()

    assert commands == [
        NodeEntered("q", "queue"),
        EnterQueue("support", 7, 120, {"moh_class": "calm", "skills": "french:2"}),
    ]
    assert not call.session.finished


def test_given_priority_variable_not_numeric_when_entered_then_priority_zero() -> None:
    call = ScriptedCall(queue_flow(), variables={"vip": "gold"})

    assert call.start()[-1] == EnterQueue(
        "support", 0, 120, {"moh_class": "calm", "skills": "french:2"}
    )


def test_given_caller_in_queue_when_answered_then_flow_finishes_silently() -> None:
    call = ScriptedCall(queue_flow(priority=3))
    call.start()

    commands = call.leave_queue("answered")

    assert commands == [InputRecorded("q", "queue_exit", "answered")]
    assert call.session.finished
    assert call.leave_queue("overflow") == []


@pytest.mark.parametrize(
    ("outcome", "goto_node", "expected_end"),
    [
        ("overflow", None, "overflow"),
        ("timed_out", None, "timeout"),
        ("overflow", "rescue", "rescue"),
        ("timed_out", "no-such-node", "timeout"),
    ],
)
def test_given_caller_in_queue_when_queue_exits_then_flow_resumes_at_right_node(
    outcome: str, goto_node: str | None, expected_end: str
) -> None:
    call = ScriptedCall(queue_flow())
    call.start()

    commands = call.leave_queue(outcome, goto_node)

    assert commands[-1] == Hangup(expected_end)


def test_given_queue_without_overflow_branch_when_overflow_then_call_hangs_up() -> None:
    call = ScriptedCall(queue_flow(on_overflow=None, on_timeout=None))
    call.start()

    assert call.leave_queue("overflow")[-1] == Hangup("queue_overflow")


def queue_issues(flow: dict[str, Any]) -> list[ValidationIssue]:
    # The test graph's end nodes are not all reachable; only the queue node matters.
    return [issue for issue in validate_flow(flow) if issue.node_id == "q"]


@pytest.mark.parametrize(
    ("options", "option", "reason"),
    [
        ({"music_class": "default"}, "music_class", "not an option the ACD can honour"),
        ({"priority": 3}, "priority", "it takes announce_every_s, moh_class, skills"),
        ({"skills": "french:9"}, "skills", "outside 1..5"),
        ({"announce_every_s": True}, "announce_every_s", "whole seconds"),
        ({"moh_class": "my class"}, "moh_class", "music-on-hold class name"),
    ],
)
def test_given_queue_option_the_acd_cannot_honour_then_validation_names_node_and_option(
    options: dict[str, Any], option: str, reason: str
) -> None:
    [issue] = queue_issues(queue_flow(priority=2, options=options))
    assert (issue.node_id, issue.code) == ("q", "invalid_config")
    assert issue.message.startswith(f"'options.{option}': ")
    assert reason in issue.message


def test_given_queue_options_the_acd_honours_then_the_flow_is_valid() -> None:
    options = {"skills": "french:3, billing", "moh_class": "calm", "announce_every_s": 0}
    assert queue_issues(queue_flow(priority=2, options=options)) == []
    bad = queue_issues(queue_flow(priority=2, max_wait_s=0))
    assert bad == [
        ValidationIssue("q", "invalid_config", "'max_wait_s' must be between 1 and 86400")
    ]


def test_given_voicemail_overflow_when_queue_exits_then_message_left_in_that_box() -> None:
    call = ScriptedCall(queue_flow())
    call.start()

    commands = call.send(QueueExited("overflow", voicemail_box="5000"))

    assert commands[0] == InputRecorded("q", "queue_exit", "overflow")
    [service] = [c for c in commands if isinstance(c, RunCallService)]
    assert service.service == VOICEMAIL_SERVICE
    assert service.params == {"box": "5000", "greeting": "unavailable", "operator": False}
    assert call.session.current_node == "q"  # not the flow's own overflow branch

    done = call.send(CallServiceFinished(service.request_id, "recorded"))
    assert done == [
        InputRecorded("q", "voicemail", "recorded"),
        Hangup("queue_voicemail_recorded"),
    ]
    assert call.session.finished


def test_given_voicemail_overflow_fails_then_the_flow_takes_its_overflow_branch() -> None:
    call = ScriptedCall(queue_flow())
    call.start()
    [service] = [
        c
        for c in call.send(QueueExited("overflow", voicemail_box="5999"))
        if isinstance(c, RunCallService)
    ]

    commands = call.send(CallServiceFinished(service.request_id, "failed"))

    assert commands[0] == InputRecorded("q", "voicemail", "failed")
    assert commands[-1] == Hangup("overflow")


def test_queue_node_names_the_voicemail_plugins_call_service() -> None:
    assert VOICEMAIL_SERVICE == VM_SERVICE_NAME


def test_given_caller_not_in_queue_when_queue_exited_arrives_then_it_is_ignored() -> None:
    call = ScriptedCall(graph("p", {"kind": "play", "media": ["sound:beep"], "next": "next"}))
    call.start()

    assert call.send(QueueExited("overflow", "rescue")) == []
    assert call.session.current_node == "p"


def lookup_flow(**overrides: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "kind": "http_lookup",
        "method": "GET",
        "url": "https://crm.example/accounts?phone=${caller_id}",
        "timeout_s": 2,
        "assign": {"balance": "account.balance", "first_item": "items.0.id"},
        "next": "next",
        "on_failure": "failure",
    }
    node.update(overrides)
    return graph("lookup", node)


def test_given_lookup_node_when_entered_then_request_with_encoded_url_and_guard_timer() -> None:
    call = ScriptedCall(lookup_flow(), variables={"caller_id": "+33 1&x=2"})

    commands = call.start()

    assert commands[1:] == [
        HttpLookup(
            "call-rq-1",
            "GET",
            "https://crm.example/accounts?phone=%2B33%201%26x%3D2",
            None,
            2.0,
        ),
        StartTimer("call-tm-2", 4.0),
    ]


def test_given_post_lookup_when_entered_then_body_templates_are_expanded() -> None:
    flow = lookup_flow(method="POST", body={"phone": "${caller_id}"})
    call = ScriptedCall(flow, variables={"caller_id": "100"})

    request = call.start()[1]

    assert isinstance(request, HttpLookup)
    assert request.json_body == {"phone": "100"}


def test_given_lookup_when_answer_has_fields_then_variables_set_and_next() -> None:
    call = ScriptedCall(lookup_flow())
    call.start()
    body = json.dumps({"account": {"balance": 12.5}, "items": [{"id": "A1"}]})

    commands = call.answer_lookup(200, body)

    assert call.session.variables["balance"] == "12.5"
    assert call.session.variables["first_item"] == "A1"
    assert commands[0] == CancelTimer("call-tm-2")
    assert commands[-1] == Hangup("next")


@pytest.mark.parametrize(
    ("status", "body", "error", "reason"),
    [
        (None, None, "timeout", "error: timeout"),
        (503, "{}", None, "status 503"),
        (200, "not json", None, "bad json"),
        (200, json.dumps({"account": {}}), None, "missing field account.balance"),
        (200, json.dumps({"account": {"balance": [1]}, "items": []}), None, "not a scalar"),
    ],
)
def test_given_lookup_when_answer_unusable_then_on_failure_with_reason(
    status: int | None, body: str | None, error: str | None, reason: str
) -> None:
    call = ScriptedCall(lookup_flow())
    call.start()

    commands = call.answer_lookup(status, body, error)

    recorded = [c for c in commands if isinstance(c, InputRecorded)]
    assert recorded[0].kind == "lookup_failed"
    assert reason in recorded[0].value
    assert commands[-1] == Hangup("failure")
    assert "balance" not in call.session.variables


def test_given_lookup_when_adapter_never_answers_then_guard_timer_takes_failure_branch() -> None:
    call = ScriptedCall(lookup_flow())
    call.start()

    commands = call.expire_timer()
    late = call.send(HttpLookupCompleted("call-rq-1", 200, "{}", None))

    assert InputRecorded("lookup", "lookup_failed", "no_response") in commands
    assert commands[-1] == Hangup("failure")
    assert late == []
