"""The RunCallService / CallServiceFinished contract node kinds such as
voicemail and fax build on: the flow waits, takes the outcome's variables,
and ignores answers it no longer waits for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Self

import pytest

from ari_apps.ivr.commands import Hangup, NodeEntered, Play, RunCallService
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished, DtmfReceived
from ari_apps.ivr.registry import (
    NODE_KINDS,
    Activation,
    NodeContext,
    NodeSpec,
    Step,
    register_node_kind,
)
from ari_apps.ivr.testing import ScriptedCall


@dataclass(frozen=True, kw_only=True)
class _BorrowNode(NodeSpec):
    next: str
    on_failure: str

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        return cls(
            node_id=config.node_id,
            next=config.node_ref("next"),
            on_failure=config.node_ref("on_failure"),
        )

    def edges(self) -> Mapping[str, str]:
        return {"next": self.next, "on_failure": self.on_failure}

    def activate(self, context: NodeContext) -> Activation:
        return _BorrowActivation(self, context)


class _BorrowActivation(Activation):
    def __init__(self, spec: _BorrowNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context

    def start(self) -> Step:
        return Step.stay(RunCallService(self.context.new_request_id(), "demo", {"box": "5000"}))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        return Step.go(self.spec.next if event.outcome == "done" else self.spec.on_failure)


@pytest.fixture(autouse=True)
def borrow_kind() -> Iterator[None]:
    register_node_kind("test_borrow")(_BorrowNode)
    yield
    NODE_KINDS.pop("test_borrow")


FLOW: dict[str, Any] = {
    "start": "borrow",
    "nodes": {
        "borrow": {"kind": "test_borrow", "next": "after", "on_failure": "bye"},
        "after": {"kind": "play", "media": ["sound:${greeting}"], "next": "bye"},
        "bye": {"kind": "hangup"},
    },
}


def test_service_outcome_routes_the_flow_and_sets_variables() -> None:
    call = ScriptedCall(FLOW)
    started = call.start()
    assert started == [
        NodeEntered("borrow", "test_borrow"),
        RunCallService("call-rq-1", "demo", {"box": "5000"}),
    ]

    commands = call.send(CallServiceFinished("call-rq-1", "done", {"greeting": "hello-world"}))

    assert commands[0] == NodeEntered("after", "play")
    play = commands[1]
    assert isinstance(play, Play)
    assert play.media == ("sound:hello-world",)
    assert call.session.variables["greeting"] == "hello-world"


def test_failure_outcome_takes_the_failure_branch() -> None:
    call = ScriptedCall(FLOW)
    call.start()
    commands = call.send(CallServiceFinished("call-rq-1", "failed"))
    assert NodeEntered("bye", "hangup") in commands
    assert any(isinstance(c, Hangup) for c in commands)


def test_digits_and_stale_answers_do_not_move_a_waiting_node() -> None:
    call = ScriptedCall(FLOW)
    call.start()
    assert call.send(DtmfReceived("5")) == []
    assert call.send(CallServiceFinished("call-rq-99", "done")) == []
    assert call.session.current_node == "borrow"
