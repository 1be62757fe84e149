"""Commands a FlowSession asks the ARI adapter to execute.

Playback, timer and request ids are generated deterministically by the
session (``{call_id}-pb-{n}``, ``{call_id}-tm-{n}``, ``{call_id}-rq-{n}``) and
come back in the matching events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

TRANSFER_EXTENSION: Final = "extension"
TRANSFER_EXTERNAL: Final = "external"


@dataclass(frozen=True, slots=True)
class Play:
    """Play the media URIs in order as one ARI playback.

    URIs are ``sound:``, ``digits:``, ``number:`` (native ARI) and ``prompt:NAME``
    which the adapter resolves through the prompt catalogue.
    """

    playback_id: str
    media: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPlayback:
    playback_id: str


@dataclass(frozen=True, slots=True)
class StartTimer:
    timer_id: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    timer_id: str


@dataclass(frozen=True, slots=True)
class HttpLookup:
    """Perform an HTTP request; answer with HttpLookupCompleted(request_id, ...)."""

    request_id: str
    method: str
    url: str
    json_body: Mapping[str, Any] | None
    timeout_s: float


@dataclass(frozen=True, slots=True)
class EnterQueue:
    """Put the caller into an ACD queue; answer later with QueueExited."""

    queue: str
    priority: int
    max_wait_s: int | None = None
    options: Mapping[str, str | int | bool] = field(default_factory=dict)
    # "*" asks for a call back keeping the place (LeaveQueueForCallback);
    # the queue's announcements say so.
    offer_callback: bool = False
    # Re-entering a queue at the place kept (QueueExited.place_since).
    joined_at: float | None = None


@dataclass(frozen=True, slots=True)
class LeaveQueueForCallback:
    """The caller asked to be called back keeping their place: take them out
    of the queue; the queue answers with QueueExited "callback" and the place."""


@dataclass(frozen=True, slots=True)
class RunCallService:
    """Lend the channel to a named call service (voicemail, fax, ...).

    The service talks to the caller itself (plays, records, collects digits)
    and answers with CallServiceFinished(request_id, outcome, variables).
    While it runs the flow only waits; a service that hands the channel to
    the dialplan ends the flow there.
    """

    request_id: str
    service: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Transfer:
    """Hand the call over; ``kind`` is "extension" or "external". Ends the flow."""

    target: str
    kind: str


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str


@dataclass(frozen=True, slots=True)
class NodeEntered:
    """Timeline entry for the call record."""

    node_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class InputRecorded:
    """Timeline entry: what the caller (or a lookup) provided at a node.

    ``kind`` examples: "dtmf", "invalid", "timeout", "digits", "lookup".
    """

    node_id: str
    kind: str
    value: str


Command = (
    Play
    | StopPlayback
    | StartTimer
    | CancelTimer
    | HttpLookup
    | EnterQueue
    | LeaveQueueForCallback
    | RunCallService
    | Transfer
    | Hangup
    | NodeEntered
    | InputRecorded
)
