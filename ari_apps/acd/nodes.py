"""The flow node kind ``queue``: the ACD's plug-in to the flow engine.

Registered like voicemail's and fax's nodes (``ari_apps.ivr.nodes``
imports the plug-ins), so the flow engine never imports the ACD: the node
emits ``EnterQueue``, the adapter hands it to the ACD through the flow
engine's ``QueuePort`` (``ari_apps/acd/stasis.py`` implements it), and the
ACD answers with ``QueueExited``.  The node's options are the ACD's own
(``caller_options.py``), so a flow is refused what the ACD cannot honour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Self

from ari_apps.acd.caller_options import parse_flow_options
from ari_apps.acd.exceptions import InvalidConfigError
from ari_apps.ivr.commands import (
    EnterQueue,
    Hangup,
    InputRecorded,
    LeaveQueueForCallback,
    RunCallService,
)
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import (
    QUEUE_ABANDONED,
    QUEUE_ANSWERED,
    QUEUE_CALLBACK,
    QUEUE_TIMED_OUT,
    CallServiceFinished,
    QueueExited,
)
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import VARIABLE_RE, expand

_PRIORITY_RANGE: Final = (0, 1000)
# The voicemail plugin's call service (vm.nodes.SERVICE_NAME; a unit test
# keeps them equal). Named here because features do not import each other.
VOICEMAIL_SERVICE: Final = "voicemail.leave"
VOICEMAIL_RECORDED: Final = "recorded"
VOICEMAIL_NO_MESSAGE: Final = "no_message"
# The callbacks plugin's call service that takes a caller's number for a call
# back keeping their place (ari_apps.callbacks.keep_place; a unit test keeps
# them equal), and its outcome when the request is stored.
KEEP_PLACE_SERVICE: Final = "callbacks.keep_place"
KEEP_PLACE_REQUESTED: Final = "requested"
CALLBACK_KEY: Final = "*"


@register_node_kind("queue")
@dataclass(frozen=True, kw_only=True)
class QueueNode(NodeSpec):
    """Enter an ACD queue and wait for QueueExited.

    ``priority`` is an int or a ``${var}`` template (non-numeric values fall
    back to 0). ``max_wait_s`` bounds this caller's whole wait in the ACD and
    ``options`` (``skills``, ``moh_class``, ``announce_every_s``) tune this
    call; the ACD defines both (``ari_apps/acd/caller_options.py``: the
    earlier of this bound and the queue's own max wait applies) and any
    other option is refused here, naming it. When this bound ends first
    the caller comes back "timed_out".

    On overflow/timed_out the event's ``goto_node`` wins when it names a
    node of this flow, then ``on_timeout`` (timed_out only), then
    ``on_overflow``, else the call is hung up. answered/abandoned end the
    flow. A queue's voicemail overflow (``voicemail_box``) leaves the
    message in that box here, through the voicemail call service, and then
    hangs up ("message saved" is the service's last word); only when that
    fails does the caller take ``on_overflow``.

    ``callback: true`` offers virtual hold: the announcements say "press *
    for a call back", and "*" takes the caller out of the queue keeping their
    place.  The callbacks service then confirms the number to call (the
    caller ID, or one keyed) and stores the request; the caller hangs up.
    Without a number the caller goes back into the queue at their place.
    """

    waits_for_caller = True

    queue: str
    priority: int | str = 0
    max_wait_s: int | None = None
    options: Mapping[str, str | int | bool] = field(default_factory=dict)
    on_overflow: str | None = None
    on_timeout: str | None = None
    callback: bool = False

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        priority = config.value("priority")
        if priority is None:
            priority = 0
        elif isinstance(priority, str):
            if not VARIABLE_RE.search(priority):
                config.fail("'priority' must be an integer or a ${variable} template")
        elif isinstance(priority, bool) or not isinstance(priority, int):
            config.fail("'priority' must be an integer or a ${variable} template")
        elif not _PRIORITY_RANGE[0] <= priority <= _PRIORITY_RANGE[1]:
            config.fail("'priority' must be between 0 and 1000")
        options: dict[str, str | int | bool] = {}
        for name, value in config.mapping("options").items():
            if not isinstance(value, str | int | bool):
                config.fail(f"'options': value of {name!r} must be a string, number or boolean")
            options[name] = value
        max_wait = config.value("max_wait_s")
        max_wait_s = None if max_wait is None else config.integer("max_wait_s", 0, 1, 86400)
        try:
            # Only to refuse what the ACD cannot honour; the adapter converts
            # the options again when the caller enters the queue.
            parse_flow_options(options, max_wait_s)
        except InvalidConfigError as error:
            config.fail(f"'options.{error.field}': {error.reason}")
        return cls(
            node_id=config.node_id,
            queue=config.text("queue"),
            priority=priority,
            max_wait_s=max_wait_s,
            options=options,
            on_overflow=config.optional_node_ref("on_overflow"),
            on_timeout=config.optional_node_ref("on_timeout"),
            callback=_flag(config, "callback"),
        )

    def edges(self) -> Mapping[str, str]:
        edges: dict[str, str] = {}
        if self.on_overflow is not None:
            edges["on_overflow"] = self.on_overflow
        if self.on_timeout is not None:
            edges["on_timeout"] = self.on_timeout
        return edges

    def templates(self) -> tuple[str, ...]:
        return (self.priority,) if isinstance(self.priority, str) else ()

    def queues(self) -> frozenset[str]:
        return frozenset({self.queue})

    def resolved_priority(self, variables: Mapping[str, str]) -> int:
        if isinstance(self.priority, int):
            return self.priority
        text = expand(self.priority, variables).strip()
        if not re.fullmatch(r"[0-9]{1,4}", text):
            return 0
        return min(int(text), _PRIORITY_RANGE[1])

    def activate(self, context: NodeContext) -> Activation:
        return _QueueActivation(self, context)


def _flag(config: ConfigReader, key: str) -> bool:
    value = config.value(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        config.fail(f"'{key}' must be true or false")
    return bool(value)


class _QueueActivation(Activation):
    def __init__(self, spec: QueueNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.queued = False
        self.leaving_for_callback = False
        self.voicemail_request_id: str | None = None
        self.keep_place_request_id: str | None = None
        self.kept: QueueExited | None = None

    def start(self) -> Step:
        priority = self.spec.resolved_priority(self.context.variables)
        return self._enter(priority, None)

    def _enter(self, priority: int, joined_at: float | None) -> Step:
        self.queued = True
        self.leaving_for_callback = False
        return Step.stay(
            EnterQueue(
                self.spec.queue,
                priority,
                self.spec.max_wait_s,
                self.spec.options,
                offer_callback=self.spec.callback,
                joined_at=joined_at,
            )
        )

    def on_dtmf(self, digit: str) -> Step:
        if digit != CALLBACK_KEY or not self.spec.callback or not self.queued:
            return Step()
        if self.leaving_for_callback:
            return Step()  # pressed again while the first one is handled
        self.leaving_for_callback = True
        return Step.stay(LeaveQueueForCallback())

    def on_queue_exited(self, event: QueueExited) -> Step:
        if not self.queued:
            return Step()
        self.queued = False
        recorded = InputRecorded(self.spec.node_id, "queue_exit", event.outcome)
        if event.outcome == QUEUE_CALLBACK:
            self.kept = event
            self.keep_place_request_id = self.context.new_request_id()
            params = {
                "queue": event.place_queue or self.spec.queue,
                "priority": event.place_priority,
                "place_since": event.place_since,
            }
            return Step.stay(
                recorded, RunCallService(self.keep_place_request_id, KEEP_PLACE_SERVICE, params)
            )
        if event.outcome in (QUEUE_ANSWERED, QUEUE_ABANDONED):
            # The call now belongs to an agent (or is gone): the flow is over.
            return Step.end(commands=[recorded])
        if event.voicemail_box is not None:
            self.voicemail_request_id = self.context.new_request_id()
            # As the voicemail node would, minus "0 for an operator": the
            # caller has just left the queue that was the operator.
            params = {"box": event.voicemail_box, "greeting": "unavailable", "operator": False}
            return Step.stay(
                recorded, RunCallService(self.voicemail_request_id, VOICEMAIL_SERVICE, params)
            )
        if event.goto_node is not None and self.context.has_node(event.goto_node):
            return Step.go(event.goto_node, recorded)
        branch = self.spec.on_overflow
        if event.outcome == QUEUE_TIMED_OUT and self.spec.on_timeout is not None:
            branch = self.spec.on_timeout
        return Step.go_or_hangup(branch, f"queue_{event.outcome}"[:40], recorded)

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id == self.keep_place_request_id and self.kept is not None:
            self.keep_place_request_id = None
            recorded = InputRecorded(self.spec.node_id, "callback", event.outcome[:64])
            if event.outcome == KEEP_PLACE_REQUESTED:
                return Step.end(Hangup("queue_callback_requested"), commands=[recorded])
            # No number to call back: back into the queue, at the place kept.
            step = self._enter(self.kept.place_priority, self.kept.place_since)
            return Step.stay(recorded, *step.commands)
        if event.request_id != self.voicemail_request_id:
            return Step()
        self.voicemail_request_id = None
        recorded = InputRecorded(self.spec.node_id, "voicemail", event.outcome[:64])
        if event.outcome in (VOICEMAIL_RECORDED, VOICEMAIL_NO_MESSAGE):
            return Step.end(Hangup(f"queue_voicemail_{event.outcome}"), commands=[recorded])
        # The box is gone or recording failed: the flow's overflow branch
        # still has the caller, never silence.
        return Step.go_or_hangup(self.spec.on_overflow, "queue_voicemail_failed", recorded)
