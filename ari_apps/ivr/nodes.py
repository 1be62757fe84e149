"""Built-in node kinds: the simple ones live here, the others in node_*.py.

Importing this module registers every built-in kind in ``NODE_KINDS``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Self

from ari_apps.ivr import node_external, node_input, node_time
from ari_apps.ivr.commands import (
    TRANSFER_EXTENSION,
    TRANSFER_EXTERNAL,
    Hangup,
    InputRecorded,
    StopPlayback,
    Transfer,
)
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import DtmfReceived
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import READ_ONLY_VARIABLES

BUILTIN_KIND_MODULES: Final = (node_external, node_input, node_time)


@register_node_kind("play")
@dataclass(frozen=True, kw_only=True)
class PlayNode(NodeSpec):
    """Play media, then go to ``next``. ``interruptible``: a digit skips the
    rest and is handed to the next node (type-ahead into a following menu)."""

    media_items: tuple[str, ...]
    next: str
    interruptible: bool = False

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        return cls(
            node_id=config.node_id,
            media_items=config.media("media", required=True),
            next=config.node_ref("next"),
            interruptible=config.boolean("interruptible", False),
        )

    def edges(self) -> Mapping[str, str]:
        return {"next": self.next}

    def media(self) -> tuple[str, ...]:
        return self.media_items

    def activate(self, context: NodeContext) -> Activation:
        return _PlayActivation(self, context)


class _PlayActivation(Activation):
    def __init__(self, spec: PlayNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.playback_id: str | None = None

    def start(self) -> Step:
        play = self.context.play(self.spec.media_items)
        if play is None:
            return Step.go(self.spec.next)
        self.playback_id = play.playback_id
        return Step.stay(play)

    def on_playback_finished(self, playback_id: str) -> Step:
        if playback_id != self.playback_id:
            return Step()
        return Step.go(self.spec.next)

    def on_dtmf(self, digit: str) -> Step:
        if not self.spec.interruptible or self.playback_id is None:
            return Step()
        stop = StopPlayback(self.playback_id)
        return Step.go(self.spec.next, stop, replay=DtmfReceived(digit))


@register_node_kind("goto")
@dataclass(frozen=True, kw_only=True)
class GotoNode(NodeSpec):
    target: str

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        return cls(node_id=config.node_id, target=config.node_ref("target"))

    def edges(self) -> Mapping[str, str]:
        return {"target": self.target}

    def activate(self, context: NodeContext) -> Activation:
        return _JumpActivation(self.target)


class _JumpActivation(Activation):
    def __init__(self, target: str) -> None:
        self.target = target

    def start(self) -> Step:
        return Step.go(self.target)


@register_node_kind("set_variable")
@dataclass(frozen=True, kw_only=True)
class SetVariableNode(NodeSpec):
    """Set variables in the listed order; later values may use earlier ones."""

    assignments: tuple[tuple[str, str], ...]
    next: str

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        assignments: list[tuple[str, str]] = []
        for name, template in config.mapping("set", required=True).items():
            config.variable_name(name, "'set'")
            if name in READ_ONLY_VARIABLES:
                config.fail(f"'set': {name!r} is read-only")
            if not isinstance(template, str):
                config.fail(f"'set': value of {name!r} must be a string")
            assignments.append((name, template))
        return cls(
            node_id=config.node_id, assignments=tuple(assignments), next=config.node_ref("next")
        )

    def edges(self) -> Mapping[str, str]:
        return {"next": self.next}

    def templates(self) -> tuple[str, ...]:
        return tuple(template for _, template in self.assignments)

    def variables_set(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.assignments)

    def activate(self, context: NodeContext) -> Activation:
        return _SetVariableActivation(self, context)


class _SetVariableActivation(Activation):
    def __init__(self, spec: SetVariableNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context

    def start(self) -> Step:
        for name, template in self.spec.assignments:
            self.context.set_variable(name, self.context.expand(template))
        return Step.go(self.spec.next)


@register_node_kind("hangup")
@dataclass(frozen=True, kw_only=True)
class HangupNode(NodeSpec):
    """Optionally play goodbye media, then hang up with ``reason``."""

    media_items: tuple[str, ...] = ()
    reason: str = "flow_hangup"

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        return cls(
            node_id=config.node_id,
            media_items=config.media("media"),
            reason=config.optional_text("reason") or "flow_hangup",
        )

    def edges(self) -> Mapping[str, str]:
        return {}

    def media(self) -> tuple[str, ...]:
        return self.media_items

    def activate(self, context: NodeContext) -> Activation:
        return _HangupActivation(self, context)


class _HangupActivation(Activation):
    def __init__(self, spec: HangupNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.playback_id: str | None = None

    def start(self) -> Step:
        play = self.context.play(self.spec.media_items)
        if play is None:
            return Step.end(Hangup(self.spec.reason))
        self.playback_id = play.playback_id
        return Step.stay(play)

    def on_playback_finished(self, playback_id: str) -> Step:
        if playback_id != self.playback_id:
            return Step()
        return Step.end(Hangup(self.spec.reason))


_TRANSFER_TARGET_RE: Final = {
    # No '@', '/', ',' or spaces: an expanded variable must not be able to
    # pick another dialplan context or channel technology.
    TRANSFER_EXTENSION: re.compile(r"[A-Za-z0-9*#+_-]{1,40}"),
    TRANSFER_EXTERNAL: re.compile(r"\+?[0-9]{2,20}"),
}


@register_node_kind("transfer")
@dataclass(frozen=True, kw_only=True)
class TransferNode(NodeSpec):
    """Hand the call to an extension or an external number; ends the flow.

    ``on_failure`` is taken when the expanded target is not a valid number.
    """

    target: str
    target_kind: str = TRANSFER_EXTENSION
    on_failure: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        target_kind = config.optional_text("target_kind") or TRANSFER_EXTENSION
        if target_kind not in _TRANSFER_TARGET_RE:
            config.fail("'target_kind' must be 'extension' or 'external'")
        return cls(
            node_id=config.node_id,
            target=config.text("target"),
            target_kind=target_kind,
            on_failure=config.optional_node_ref("on_failure"),
        )

    def edges(self) -> Mapping[str, str]:
        return {} if self.on_failure is None else {"on_failure": self.on_failure}

    def templates(self) -> tuple[str, ...]:
        return (self.target,)

    def activate(self, context: NodeContext) -> Activation:
        return _TransferActivation(self, context)


class _TransferActivation(Activation):
    def __init__(self, spec: TransferNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context

    def start(self) -> Step:
        target = self.context.expand(self.spec.target)
        if _TRANSFER_TARGET_RE[self.spec.target_kind].fullmatch(target):
            return Step.end(Transfer(target, self.spec.target_kind))
        rejected = InputRecorded(self.spec.node_id, "invalid_transfer_target", target[:64])
        return Step.go_or_hangup(self.spec.on_failure, "transfer_target_invalid", rejected)


# Feature packages that add node kinds (voicemail, fax, ...). They import the
# registry, which is fully loaded by now, and register on import.
PLUGIN_KIND_MODULES: Final[tuple[str, ...]] = (
    "ari_apps.acd.nodes",
    "ari_apps.campaigns.nodes",
    "ari_apps.cases.nodes",
    "ari_apps.customers.nodes",
    "ari_apps.knowledge.nodes",
    "fax.nodes",
    "vm.nodes",
)
for _module in PLUGIN_KIND_MODULES:
    importlib.import_module(_module)
