"""The node-kind registry and the contract every node kind implements.

A node kind is a frozen dataclass subclassing :class:`NodeSpec`, registered
with ``@register_node_kind("name")``. It supplies:

* ``parse``: turn the raw JSON config into the spec (raising
  ``FlowDefinitionError`` naming the node and the reason);
* static facts used by validation: ``edges``, ``media``, ``templates``,
  ``variables_set``, ``queues`` and ``waits_for_caller``;
* ``activate``: the runtime behaviour, an :class:`Activation` that lives
  while the call sits on the node.

New kinds (voicemail, fax, survey) plug in by registering; the engine and
the validator only talk to this contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final, Protocol, Self, TypeVar

from ari_apps.ivr.commands import Command, Hangup, Play, StartTimer
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished, HttpLookupCompleted, QueueExited

# Keys every node may carry besides its own config; "ui" holds editor layout.
COMMON_KEYS: Final = frozenset({"kind", "label", "description", "ui"})


class NodeContext(Protocol):
    """What a node activation may ask of the session it runs in."""

    @property
    def node_id(self) -> str: ...

    @property
    def now(self) -> datetime: ...

    @property
    def variables(self) -> Mapping[str, str]: ...

    def set_variable(self, name: str, value: str) -> None: ...

    def expand(self, template: str) -> str: ...

    def play(self, media: Sequence[str]) -> Play | None:
        """A Play command with a fresh id, or None when nothing is playable."""
        ...

    def start_timer(self, seconds: float) -> StartTimer: ...

    def new_request_id(self) -> str: ...

    def has_node(self, node_id: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Step:
    """What an activation wants after handling something.

    ``goto`` leaves the node; ``finish`` (even empty) ends the flow, and its
    commands are emitted after the session has cleaned up timers/playbacks;
    ``replay`` re-delivers an event (a barge-in digit) to the next node.
    """

    commands: tuple[Command, ...] = ()
    goto: str | None = None
    finish: tuple[Command, ...] | None = None
    replay: object | None = None

    @staticmethod
    def stay(*commands: Command | None) -> Step:
        return Step(commands=_present(commands))

    @staticmethod
    def go(target: str, *commands: Command | None, replay: object | None = None) -> Step:
        return Step(commands=_present(commands), goto=target, replay=replay)

    @staticmethod
    def end(*final: Command, commands: Sequence[Command | None] = ()) -> Step:
        return Step(commands=_present(commands), finish=tuple(final))

    @staticmethod
    def go_or_hangup(target: str | None, reason: str, *commands: Command | None) -> Step:
        """Follow an optional branch; an unset branch ends the call politely."""
        if target is None:
            return Step.end(Hangup(reason), commands=commands)
        return Step.go(target, *commands)


def _present(commands: Sequence[Command | None]) -> tuple[Command, ...]:
    return tuple(command for command in commands if command is not None)


class Activation(ABC):
    """Runtime state of one visit of a node. Unhandled events are ignored."""

    @abstractmethod
    def start(self) -> Step: ...

    def on_dtmf(self, digit: str) -> Step:
        return Step()

    def on_playback_finished(self, playback_id: str) -> Step:
        return Step()

    def on_timer(self, timer_id: str) -> Step:
        return Step()

    def on_http_completed(self, event: HttpLookupCompleted) -> Step:
        return Step()

    def on_queue_exited(self, event: QueueExited) -> Step:
        return Step()

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        return Step()


@dataclass(frozen=True, kw_only=True)
class NodeSpec(ABC):
    node_id: str

    kind: ClassVar[str] = ""
    # True when the node always waits for the caller (digits, queue) before
    # moving on: a cycle through such a node cannot spin without input.
    waits_for_caller: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def parse(cls, config: ConfigReader) -> Self: ...

    @abstractmethod
    def edges(self) -> Mapping[str, str]:
        """Outgoing edges as branch label -> target node id (unset ones omitted)."""

    @abstractmethod
    def activate(self, context: NodeContext) -> Activation: ...

    def media(self) -> tuple[str, ...]:
        return ()

    def templates(self) -> tuple[str, ...]:
        """Every string of the config that may contain ``${var}`` (media included)."""
        return self.media()

    def variables_set(self) -> frozenset[str]:
        return frozenset()

    def queues(self) -> frozenset[str]:
        return frozenset()


NODE_KINDS: dict[str, type[NodeSpec]] = {}

SpecT = TypeVar("SpecT", bound=type[NodeSpec])


def register_node_kind(kind: str) -> Callable[[SpecT], SpecT]:
    """Class decorator adding a node kind to ``NODE_KINDS`` under ``kind``."""

    def decorator(spec_class: SpecT) -> SpecT:
        if kind in NODE_KINDS and NODE_KINDS[kind] is not spec_class:
            raise ValueError(f"node kind {kind!r} is already registered")
        spec_class.kind = kind
        NODE_KINDS[kind] = spec_class
        return spec_class

    return decorator


def parse_node(node_id: str, raw: Any) -> NodeSpec:
    """Parse one raw node through its registered kind."""
    reader = ConfigReader(node_id, raw, COMMON_KEYS)
    kind = reader.kind()
    spec_class = NODE_KINDS.get(kind)
    if spec_class is None:
        reader.fail(f"unknown node kind {kind!r}", code="unknown_kind")
    spec = spec_class.parse(reader)
    reader.reject_unknown_keys()
    return spec
