"""Events the ARI adapter feeds into a FlowSession.

Ids in events are the ids the session itself put into commands; an event
whose id the session no longer waits for (stopped playback, cancelled timer,
abandoned HTTP request) is stale and silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

DTMF_DIGITS: Final = frozenset("0123456789*#ABCD")

# QueueExited.outcome values.
QUEUE_ANSWERED: Final = "answered"
QUEUE_ABANDONED: Final = "abandoned"
QUEUE_OVERFLOW: Final = "overflow"
QUEUE_TIMED_OUT: Final = "timed_out"
QUEUE_CALLBACK: Final = "callback"


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    digit: str


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    playback_id: str


@dataclass(frozen=True, slots=True)
class TimerExpired:
    timer_id: str


@dataclass(frozen=True, slots=True)
class HttpLookupCompleted:
    """Result of an HttpLookup command.

    ``status`` is the HTTP status (None when no response arrived), ``body`` the
    response text (the adapter should cap its size), ``error`` a short reason
    when the request failed before a response (timeout, connection refused).
    """

    request_id: str
    status: int | None
    body: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class QueueExited:
    """The caller left the queue entered by an EnterQueue command.

    ``outcome`` is one of answered/abandoned/overflow/timed_out. ``goto_node``
    lets the queue's own overflow rule name the flow node to resume at;
    ``voicemail_box`` is the box a queue's voicemail overflow leaves the
    message in.  A "callback" exit carries the place the caller keeps: their
    queue, priority and original arrival (epoch seconds).
    """

    outcome: str
    goto_node: str | None = None
    voicemail_box: str | None = None
    place_queue: str | None = None
    place_priority: int = 0
    place_since: float | None = None


@dataclass(frozen=True, slots=True)
class CallServiceFinished:
    """A call service started by RunCallService gave the channel back.

    ``outcome`` is the service's own word ("recorded", "operator", "sent",
    "failed", ...); ``variables`` are stored as flow variables.
    """

    request_id: str
    outcome: str
    variables: Mapping[str, str] = field(default_factory=dict)


Event = (
    DtmfReceived
    | PlaybackFinished
    | TimerExpired
    | HttpLookupCompleted
    | QueueExited
    | CallServiceFinished
)
