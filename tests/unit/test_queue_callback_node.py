"""The queue node's virtual hold: "*" leaves the queue keeping the place,
the callbacks service settles the number, and without one the caller goes
back in at the place kept."""

from __future__ import annotations

from typing import Any

import pytest

from ari_apps.acd.nodes import KEEP_PLACE_REQUESTED, KEEP_PLACE_SERVICE
from ari_apps.callbacks.keep_place import OUTCOME_REQUESTED, SERVICE_NAME
from ari_apps.ivr.commands import (
    EnterQueue,
    Hangup,
    InputRecorded,
    LeaveQueueForCallback,
    RunCallService,
)
from ari_apps.ivr.events import CallServiceFinished, QueueExited
from ari_apps.ivr.testing import ScriptedCall
from ari_apps.ivr.validation import validate_flow
from tests.unit.test_ivr_external_nodes import queue_flow

PLACE_SINCE = 1_700_000_000.5


def _queued(**overrides: Any) -> ScriptedCall:
    call = ScriptedCall(queue_flow(callback=True, **overrides), variables={"vip": "3"})
    call.start()
    return call


def test_given_callback_offered_then_the_queue_is_told_to_announce_it() -> None:
    call = ScriptedCall(queue_flow(callback=True), variables={"vip": "3"})

    enter = call.start()[-1]

    assert isinstance(enter, EnterQueue)
    assert enter.offer_callback
    assert enter.joined_at is None


def test_given_a_queued_caller_when_star_is_pressed_then_they_leave_for_a_callback_once() -> None:
    call = _queued()

    assert call.press("*") == [LeaveQueueForCallback()]
    # A flood of stars while the first is handled asks nothing more.
    assert call.press("***") == []
    # Other keys mean nothing in a queue.
    assert call.press("1#") == []


def test_given_no_callback_offered_then_star_does_nothing() -> None:
    call = ScriptedCall(queue_flow(), variables={"vip": "3"})
    call.start()

    assert call.press("*") == []


def test_given_the_callback_exit_then_the_number_is_settled_with_the_place_kept() -> None:
    call = _queued()
    call.press("*")

    commands = call.send(
        QueueExited("callback", place_queue="support", place_priority=3, place_since=PLACE_SINCE)
    )

    assert commands[0] == InputRecorded("q", "queue_exit", "callback")
    [service] = [c for c in commands if isinstance(c, RunCallService)]
    assert service.service == KEEP_PLACE_SERVICE
    assert service.params == {"queue": "support", "priority": 3, "place_since": PLACE_SINCE}

    done = call.send(CallServiceFinished(service.request_id, KEEP_PLACE_REQUESTED))
    assert done == [InputRecorded("q", "callback", "requested"), Hangup("queue_callback_requested")]
    assert call.session.finished


@pytest.mark.parametrize("outcome", ["no_number", "failed"])
def test_given_no_number_to_call_back_then_the_caller_goes_back_in_at_their_place(
    outcome: str,
) -> None:
    call = _queued()
    call.press("*")
    [service] = [
        c
        for c in call.send(
            QueueExited(
                "callback", place_queue="support", place_priority=3, place_since=PLACE_SINCE
            )
        )
        if isinstance(c, RunCallService)
    ]

    commands = call.send(CallServiceFinished(service.request_id, outcome))

    assert commands[0] == InputRecorded("q", "callback", outcome)
    [enter] = [c for c in commands if isinstance(c, EnterQueue)]
    assert (enter.queue, enter.priority, enter.joined_at) == ("support", 3, PLACE_SINCE)
    assert not call.session.finished
    # Back in the queue, "*" works again.
    assert call.press("*") == [LeaveQueueForCallback()]


def test_given_callback_not_a_boolean_then_validation_names_the_node_and_field() -> None:
    issues = validate_flow(queue_flow(callback="yes"))

    assert any(issue.node_id == "q" and "'callback'" in issue.message for issue in issues)


def test_the_queue_node_names_the_callbacks_plugins_call_service() -> None:
    assert (KEEP_PLACE_SERVICE, KEEP_PLACE_REQUESTED) == (SERVICE_NAME, OUTCOME_REQUESTED)
