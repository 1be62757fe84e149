"""Flow node kind "voicemail": the caller leaves a message in a box.

Config::

    {"kind": "voicemail", "box": "5000" | "${var}", "greeting": "unavailable" | "busy",
     "max_length_s": 180, "silence_s": 5, "operator": "<node id>" (or
     "operator_extension": "<extension>"), "next": "<node id>",
     "on_no_message": "<node id>", "on_failure": "<node id>"}

The node lends the channel to the "voicemail.leave" call service and waits.
Outcomes: ``recorded`` → ``next``; ``no_message`` (nothing worth keeping) →
``on_no_message`` or else ``next``; ``operator`` (the caller pressed 0) →
the ``operator`` node, or a transfer to ``operator_extension``; anything
else (``failed``) → ``on_failure``, or a polite hangup when unset.  ``0``
only works when an operator target is configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Self

from ari_apps.ivr.commands import TRANSFER_EXTENSION, InputRecorded, RunCallService, Transfer
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import VARIABLE_RE, expand

SERVICE_NAME: Final = "voicemail.leave"
OUTCOME_RECORDED: Final = "recorded"
OUTCOME_NO_MESSAGE: Final = "no_message"
OUTCOME_OPERATOR: Final = "operator"
GREETINGS: Final = ("unavailable", "busy")
MAX_LENGTH_RANGE: Final = (5, 3600)
SILENCE_RANGE: Final = (0, 60)
_BOX_RE: Final = re.compile(r"[0-9]{2,10}")
_EXTENSION_RE: Final = re.compile(r"[A-Za-z0-9*#+_-]{1,40}")


@register_node_kind("voicemail")
@dataclass(frozen=True, kw_only=True)
class VoicemailNode(NodeSpec):
    waits_for_caller = True

    box: str
    greeting: str = "unavailable"
    max_length_s: int = 180
    silence_s: int = 5
    operator: str | None = None
    operator_extension: str | None = None
    next: str
    on_no_message: str | None = None
    on_failure: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        box = config.text("box").strip()
        if not _BOX_RE.fullmatch(box) and not VARIABLE_RE.search(box):
            config.fail("'box' must be a box number (2 to 10 digits) or a ${variable} template")
        greeting = config.optional_text("greeting") or "unavailable"
        if greeting not in GREETINGS:
            config.fail(f"'greeting' must be one of {', '.join(GREETINGS)}")
        operator = config.optional_node_ref("operator")
        extension = config.optional_text("operator_extension")
        if operator is not None and extension is not None:
            config.fail("set either 'operator' (a node) or 'operator_extension', not both")
        if extension is not None and not _EXTENSION_RE.fullmatch(extension):
            config.fail("'operator_extension' is not a valid extension")
        return cls(
            node_id=config.node_id,
            box=box,
            greeting=greeting,
            max_length_s=config.integer("max_length_s", 180, *MAX_LENGTH_RANGE),
            silence_s=config.integer("silence_s", 5, *SILENCE_RANGE),
            operator=operator,
            operator_extension=extension,
            next=config.node_ref("next"),
            on_no_message=config.optional_node_ref("on_no_message"),
            on_failure=config.optional_node_ref("on_failure"),
        )

    def edges(self) -> Mapping[str, str]:
        edges = {"next": self.next}
        for label, target in (
            ("operator", self.operator),
            ("on_no_message", self.on_no_message),
            ("on_failure", self.on_failure),
        ):
            if target is not None:
                edges[label] = target
        return edges

    def templates(self) -> tuple[str, ...]:
        return (self.box,)

    @property
    def has_operator(self) -> bool:
        return self.operator is not None or self.operator_extension is not None

    def activate(self, context: NodeContext) -> Activation:
        return _VoicemailActivation(self, context)


class _VoicemailActivation(Activation):
    def __init__(self, spec: VoicemailNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None

    def start(self) -> Step:
        box = expand(self.spec.box, self.context.variables).strip()
        if not _BOX_RE.fullmatch(box):
            rejected = InputRecorded(self.spec.node_id, "invalid_box", box[:64])
            return Step.go_or_hangup(self.spec.on_failure, "voicemail_box_invalid", rejected)
        self.request_id = self.context.new_request_id()
        params = {
            "box": box,
            "greeting": self.spec.greeting,
            "max_length_s": self.spec.max_length_s,
            "silence_s": self.spec.silence_s,
            "operator": self.spec.has_operator,
        }
        return Step.stay(RunCallService(self.request_id, SERVICE_NAME, params))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        recorded = InputRecorded(self.spec.node_id, "voicemail", event.outcome[:64])
        if event.outcome == OUTCOME_RECORDED:
            return Step.go(self.spec.next, recorded)
        if event.outcome == OUTCOME_NO_MESSAGE:
            return Step.go(self.spec.on_no_message or self.spec.next, recorded)
        if event.outcome == OUTCOME_OPERATOR:
            if self.spec.operator is not None:
                return Step.go(self.spec.operator, recorded)
            if self.spec.operator_extension is not None:
                return Step.end(
                    Transfer(self.spec.operator_extension, TRANSFER_EXTENSION),
                    commands=[recorded],
                )
        return Step.go_or_hangup(self.spec.on_failure, "voicemail_failed", recorded)


ACCESS_SERVICE_NAME: Final = "voicemail.access"
ACCESS_OUTCOME_GOODBYE: Final = "goodbye"


@register_node_kind("voicemail_access")
@dataclass(frozen=True, kw_only=True)
class VoicemailAccessNode(NodeSpec):
    """Box owners retrieve their messages: box number, PIN, then the menu.

    Config::

        {"kind": "voicemail_access", "next": "<node id>", "on_failure": "<node id>"}

    The flow's tenant is the call's: only its boxes open, so each tenant can
    offer retrieval on a DID of its own (DID 8500 serves the first tenant).
    The "voicemail.access" call service has the channel until the owner says
    goodbye (→ ``next``), hangs up, or has a caller called back (the channel
    then leaves for the dialplan and the flow ends).  Anything else →
    ``on_failure``, or a polite hangup when unset.
    """

    waits_for_caller = True

    next: str
    on_failure: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        return cls(
            node_id=config.node_id,
            next=config.node_ref("next"),
            on_failure=config.optional_node_ref("on_failure"),
        )

    def edges(self) -> Mapping[str, str]:
        edges = {"next": self.next}
        if self.on_failure is not None:
            edges["on_failure"] = self.on_failure
        return edges

    def activate(self, context: NodeContext) -> Activation:
        return _VoicemailAccessActivation(self, context)


class _VoicemailAccessActivation(Activation):
    def __init__(self, spec: VoicemailAccessNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None

    def start(self) -> Step:
        self.request_id = self.context.new_request_id()
        return Step.stay(RunCallService(self.request_id, ACCESS_SERVICE_NAME, {}))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        recorded = InputRecorded(self.spec.node_id, "voicemail_access", event.outcome[:64])
        if event.outcome == ACCESS_OUTCOME_GOODBYE:
            return Step.go(self.spec.next, recorded)
        return Step.go_or_hangup(self.spec.on_failure, "voicemail_access_failed", recorded)
