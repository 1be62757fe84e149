"""The IVR flow engine: one call through one published flow version.

Pure: events in, commands out. The ARI adapter executes the commands and
feeds back the events; ``now`` always comes in from the caller.

Flow JSON (one version)::

    {"start": "greet",
     "nodes": {
       "greet": {"kind": "play", "media": ["sound:hello-world"], "next": "menu",
                 "interruptible": true},
       "menu":  {"kind": "menu", "prompt": ["prompt:main-menu"],
                 "options": {"1": "support", "9": "menu"}, "timeout_s": 5,
                 "max_attempts": 3, "invalid_prompt": ["sound:pbx-invalid"],
                 "timeout_prompt": ["sound:please-try-again"], "on_exhausted": "bye"},
       "support": {"kind": "queue", "queue": "support", "priority": "${vip_level}"},
       "bye": {"kind": "hangup", "media": ["sound:vm-goodbye"]}}}

Every node has ``kind`` plus its own fields; ``label``, ``description`` and
``ui`` (editor layout) are allowed everywhere and ignored by the engine;
any other unknown field is an error. Node kinds and their fields are
documented on their classes: play, goto, set_variable, hangup, transfer
(nodes.py), menu, collect (node_input.py), http_lookup (node_external.py),
time_condition (node_time.py); features plug in more: queue
(ari_apps/acd/nodes.py), voicemail, voicemail_access (vm/nodes.py),
fax_on_demand (fax/nodes.py). Media items are
``sound:NAME``, ``prompt:NAME`` (prompt catalogue), ``digits:123`` or
``number:5``, and may contain ``${var}`` placeholders (templates.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Final

from ari_apps.ivr.commands import (
    CancelTimer,
    Command,
    Hangup,
    HttpLookup,
    NodeEntered,
    Play,
    RunCallService,
    StartTimer,
    StopPlayback,
)
from ari_apps.ivr.events import (
    DTMF_DIGITS,
    CallServiceFinished,
    DtmfReceived,
    Event,
    HttpLookupCompleted,
    PlaybackFinished,
    QueueExited,
    TimerExpired,
)
from ari_apps.ivr.exceptions import SessionUsageError
from ari_apps.ivr.flow import FlowDefinition, load_flow_document
from ari_apps.ivr.registry import Activation, Step
from ari_apps.ivr.templates import READ_ONLY_VARIABLES, cap_value, expand, expand_media

__all__ = ["DEFAULT_MAX_TRANSITIONS", "FlowDefinition", "FlowSession", "load_flow_document"]

DEFAULT_MAX_TRANSITIONS: Final = 50


class _NodeContext:
    """The session as seen by one node activation (implements NodeContext)."""

    def __init__(self, session: FlowSession, node_id: str) -> None:
        self._session = session
        self.node_id = node_id

    @property
    def now(self) -> datetime:
        return self._session.now

    @property
    def variables(self) -> Mapping[str, str]:
        return self._session.variables

    def set_variable(self, name: str, value: str) -> None:
        self._session.set_variable(name, value)

    def expand(self, template: str) -> str:
        return cap_value(expand(template, self._session.variables))

    def play(self, media: Sequence[str]) -> Play | None:
        expanded = expand_media(media, self._session.variables)
        return Play(self._session.new_id("pb"), expanded) if expanded else None

    def start_timer(self, seconds: float) -> StartTimer:
        return StartTimer(self._session.new_id("tm"), seconds)

    def new_request_id(self) -> str:
        return self._session.new_id("rq")

    def has_node(self, node_id: str) -> bool:
        return node_id in self._session.flow.nodes


class FlowSession:
    """Runs one call through ``flow``. Not thread-safe; one per call.

    ``start`` once, then ``handle`` each event. Both return the commands to
    execute in order. Stale or unknown events return no commands; after the
    flow finished (Hangup, Transfer, queue answered/abandoned) nothing more
    is emitted. More than ``max_transitions`` node changes without waiting
    for an event hang the call up with reason "runaway_flow".

    Leaving a node stops its playback and cancels its timers (StopPlayback /
    CancelTimer come before the next node's commands). A digit that skips an
    interruptible play is handed on to the next waiting node (type-ahead).
    """

    def __init__(
        self,
        flow: FlowDefinition,
        call_id: str,
        variables: Mapping[str, str] | None = None,
        *,
        max_transitions: int = DEFAULT_MAX_TRANSITIONS,
    ) -> None:
        self.flow = flow
        self.call_id = call_id
        self.max_transitions = max_transitions
        self._variables: dict[str, str] = {"caller_id": "", "dialed_number": "", "language": "en"}
        for name, value in (variables or {}).items():
            self._variables[name] = cap_value(str(value))
        self._variables["call_id"] = call_id
        self._id_counter = 0
        self._now: datetime | None = None
        self._current_node: str | None = None
        self._activation: Activation | None = None
        # Ids the current node still waits for: id -> "pb" | "tm" | "rq".
        self._awaited: dict[str, str] = {}
        self._started = False
        self._finished = False

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def current_node(self) -> str | None:
        return self._current_node

    @property
    def variables(self) -> Mapping[str, str]:
        return MappingProxyType(self._variables)

    @property
    def awaited_ids(self) -> frozenset[str]:
        """Playback, timer and request ids whose end event is still expected."""
        return frozenset(self._awaited)

    @property
    def now(self) -> datetime:
        if self._now is None:
            raise SessionUsageError("the session has not been started")
        return self._now

    def set_variable(self, name: str, value: str) -> None:
        if name not in READ_ONLY_VARIABLES:
            self._variables[name] = cap_value(value)

    def new_id(self, prefix: str) -> str:
        self._id_counter += 1
        return f"{self.call_id}-{prefix}-{self._id_counter}"

    def start(self, now: datetime) -> list[Command]:
        if self._started:
            raise SessionUsageError("start() called twice")
        self._set_now(now)
        self._started = True
        commands: list[Command] = []
        self._run(Step.go(self.flow.start), commands)
        return _without_cancelled_pairs(commands)

    def handle(self, event: Event, now: datetime) -> list[Command]:
        if not self._started:
            raise SessionUsageError("handle() called before start()")
        self._set_now(now)
        commands: list[Command] = []
        if not self._finished:
            step = self._dispatch(event)
            if step is not None:
                self._run(step, commands)
        return _without_cancelled_pairs(commands)

    def _set_now(self, now: datetime) -> None:
        if now.tzinfo is None or now.utcoffset() is None:
            raise SessionUsageError("now must be timezone-aware")
        self._now = now

    def _is_awaited(self, awaited_id: str, kind: str) -> bool:
        if self._awaited.get(awaited_id) != kind:
            return False
        del self._awaited[awaited_id]
        return True

    def _dispatch(self, event: object) -> Step | None:
        """Route an event to the current node, or None when it is stale."""
        activation = self._activation
        if activation is None:
            return None
        if isinstance(event, DtmfReceived):
            return activation.on_dtmf(event.digit) if event.digit in DTMF_DIGITS else None
        if isinstance(event, PlaybackFinished):
            if self._is_awaited(event.playback_id, "pb"):
                return activation.on_playback_finished(event.playback_id)
        elif isinstance(event, TimerExpired):
            if self._is_awaited(event.timer_id, "tm"):
                return activation.on_timer(event.timer_id)
        elif isinstance(event, HttpLookupCompleted):
            if self._is_awaited(event.request_id, "rq"):
                return activation.on_http_completed(event)
        elif isinstance(event, QueueExited):
            return activation.on_queue_exited(event)
        elif isinstance(event, CallServiceFinished) and self._is_awaited(event.request_id, "sv"):
            for name, value in event.variables.items():
                self._variables[name] = cap_value(value)
            return activation.on_service_finished(event)
        return None

    def _run(self, step: Step, out: list[Command]) -> None:
        transitions = 0
        replay: object | None = None
        while True:
            self._emit(step.commands, out)
            if step.finish is not None:
                self._finish(step.finish, out)
                return
            if step.goto is None:
                if replay is None:
                    return
                # A barge-in digit from the previous node reaches the node
                # that finally waits (type-ahead); delivered once.
                pending, replay = replay, None
                step = self._dispatch(pending) or Step()
                continue
            replay = step.replay or replay
            transitions += 1
            if transitions > self.max_transitions:
                self._finish((Hangup("runaway_flow"),), out)
                return
            step = self._enter(step.goto, out)

    def _enter(self, node_id: str, out: list[Command]) -> Step:
        spec = self.flow.nodes.get(node_id)
        if spec is None:  # only reachable through a bad QueueExited.goto_node
            return Step.end(Hangup("unknown_node"))
        self._cleanup(out)
        self._current_node = node_id
        out.append(NodeEntered(node_id, spec.kind))
        self._activation = spec.activate(_NodeContext(self, node_id))
        return self._activation.start()

    def _emit(self, commands: Sequence[Command], out: list[Command]) -> None:
        for command in commands:
            if isinstance(command, Play):
                self._awaited[command.playback_id] = "pb"
            elif isinstance(command, StartTimer):
                self._awaited[command.timer_id] = "tm"
            elif isinstance(command, HttpLookup):
                self._awaited[command.request_id] = "rq"
            elif isinstance(command, RunCallService):
                self._awaited[command.request_id] = "sv"
            elif isinstance(command, StopPlayback):
                self._awaited.pop(command.playback_id, None)
            elif isinstance(command, CancelTimer):
                self._awaited.pop(command.timer_id, None)
            out.append(command)

    def _cleanup(self, out: list[Command]) -> None:
        """Stop what the node being left still has running."""
        for awaited_id, kind in self._awaited.items():
            if kind == "pb":
                out.append(StopPlayback(awaited_id))
            elif kind == "tm":
                out.append(CancelTimer(awaited_id))
            # "rq"/"sv": HTTP requests and call services cannot be cancelled
            # from here; their answer becomes stale.
        self._awaited.clear()

    def _finish(self, final: Sequence[Command], out: list[Command]) -> None:
        self._cleanup(out)
        out.extend(final)
        self._finished = True
        self._activation = None


def _without_cancelled_pairs(commands: list[Command]) -> list[Command]:
    """Drop a Play/StartTimer that is stopped/cancelled within the same batch.

    This happens with type-ahead (a digit pressed during the greeting reaches
    the menu, whose prompt is stopped at once); the adapter need not start it.
    """
    started = {c.playback_id for c in commands if isinstance(c, Play)}
    started |= {c.timer_id for c in commands if isinstance(c, StartTimer)}
    stopped = {c.playback_id for c in commands if isinstance(c, StopPlayback)}
    stopped |= {c.timer_id for c in commands if isinstance(c, CancelTimer)}
    moot = started & stopped
    if not moot:
        return commands
    return [command for command in commands if _command_id(command) not in moot]


def _command_id(command: Command) -> str | None:
    if isinstance(command, Play | StopPlayback):
        return command.playback_id
    if isinstance(command, StartTimer | CancelTimer):
        return command.timer_id
    return None
