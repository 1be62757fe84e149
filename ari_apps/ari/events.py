"""A light typed view of ARI websocket events.

We keep the full JSON in ``raw`` and lift out only the fields the apps route
and branch on.  ``channel_id`` is also the routing key: events that concern a
channel (including playbacks and recordings whose ``target_uri`` is
``channel:<id>``) go to that channel's ordered queue; all others are global.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

STASIS_START: Final = "StasisStart"
STASIS_END: Final = "StasisEnd"
CHANNEL_DESTROYED: Final = "ChannelDestroyed"
CHANNEL_DTMF_RECEIVED: Final = "ChannelDtmfReceived"
CHANNEL_STATE_CHANGE: Final = "ChannelStateChange"
CHANNEL_HANGUP_REQUEST: Final = "ChannelHangupRequest"
CHANNEL_ENTERED_BRIDGE: Final = "ChannelEnteredBridge"
CHANNEL_LEFT_BRIDGE: Final = "ChannelLeftBridge"
PLAYBACK_STARTED: Final = "PlaybackStarted"
PLAYBACK_FINISHED: Final = "PlaybackFinished"
RECORDING_STARTED: Final = "RecordingStarted"
RECORDING_FINISHED: Final = "RecordingFinished"
RECORDING_FAILED: Final = "RecordingFailed"
BRIDGE_CREATED: Final = "BridgeCreated"
BRIDGE_DESTROYED: Final = "BridgeDestroyed"
DEVICE_STATE_CHANGED: Final = "DeviceStateChanged"
PEER_STATUS_CHANGE: Final = "PeerStatusChange"
DIAL: Final = "Dial"

# What the apps branch on; ``AriClient(event_types=...)`` asks Asterisk to
# send only these.  A new handler for another type must add it here, or it
# will never see its event (a unit test scans the apps for that).  Types the
# apps do not branch on stay out: each call otherwise brings a dozen more
# (state changes, bridge entries, Dial progress, PlaybackStarted) that would
# be parsed and dispatched for nothing (``make bench``).
HANDLED_EVENT_TYPES: Final = frozenset(
    {
        STASIS_START,
        STASIS_END,
        CHANNEL_DESTROYED,
        CHANNEL_DTMF_RECEIVED,
        PLAYBACK_FINISHED,
        RECORDING_FINISHED,
        RECORDING_FAILED,
        # Not EndpointStateChange: Asterisk (main/endpoints.c) sends that on
        # every change of an endpoint's snapshot, which lists its channels,
        # so every agent call brought two or three of them, each parsed and
        # dropped.  PJSIP publishes PeerStatusChange exactly when an
        # endpoint goes online or offline (res_pjsip/pjsip_configuration.c,
        # persistent_endpoint_update_state), with the new state in its
        # endpoint snapshot: the registration change the ACD needs.
        PEER_STATUS_CHANGE,
    }
)

# After one of these, a channel's Stasis session is over: its worker may end
# once the queue is drained.  (A channel can re-enter Stasis later; a new
# StasisStart then simply starts a new worker.)
CHANNEL_FINAL_EVENTS: Final = frozenset({STASIS_END, CHANNEL_DESTROYED})


@dataclass(frozen=True, slots=True)
class AriEvent:
    type: str
    raw: Mapping[str, Any]
    application: str | None = None
    timestamp: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    channel_state: str | None = None
    caller_number: str | None = None
    bridge_id: str | None = None
    playback_id: str | None = None
    playback_state: str | None = None
    recording_name: str | None = None
    digit: str | None = None
    duration_ms: int | None = None
    cause: int | None = None
    args: tuple[str, ...] = ()
    device_name: str | None = None
    device_state: str | None = None
    endpoint: str | None = None  # "PJSIP/1001"
    endpoint_state: str | None = None
    dial_status: str | None = None

    @property
    def is_channel_final(self) -> bool:
        return self.type in CHANNEL_FINAL_EVENTS


# What a missing or oddly typed object reads as.
_NONE: Final[Mapping[str, Any]] = MappingProxyType({})


def _obj(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if value.__class__ is dict:
        # What orjson gives: no need to ask the Mapping ABC, which is the
        # slow part of an isinstance check (every event asks seven times).
        return value
    return value if value is not None and isinstance(value, Mapping) else _NONE


def _str(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) else None


def _int(mapping: Mapping[str, Any], key: str) -> int | None:
    value = mapping.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _split_target(target_uri: str | None) -> tuple[str | None, str | None]:
    """``channel:abc`` -> (channel id, None); ``bridge:xyz`` -> (None, bridge id)."""
    if not target_uri:
        return None, None
    kind, _, ident = target_uri.partition(":")
    if kind == "channel":
        return ident or None, None
    if kind == "bridge":
        return None, ident or None
    return None, None


def channel_variable(event: AriEvent, name: str) -> str:
    """A variable ari.conf's ``channelvars`` lists, as the event's channel
    snapshot shows it; "" when unset (or not listed there)."""
    variables = _obj(_obj(event.raw, "channel"), "channelvars")
    value = variables.get(name)
    return value if isinstance(value, str) else ""


def parse_event(payload: Mapping[str, Any]) -> AriEvent:
    """Build an ``AriEvent`` from one decoded websocket message; never raises on
    missing or oddly typed fields (Asterisk versions differ in what they send)."""
    # Every event of every call comes through here (about ten a call under
    # ``make bench``): the objects an event type does not carry are skipped
    # whole rather than asked for each of their fields.
    event_type = _str(payload, "type") or "Unknown"
    # For Dial, the channel being dialled is the subject.
    channel = _obj(payload, "peer" if event_type == DIAL else "channel")
    playback = _obj(payload, "playback")
    recording = _obj(payload, "recording")
    endpoint = _obj(payload, "endpoint")
    device = _obj(payload, "device_state")

    channel_id = _str(channel, "id") if channel else None
    bridge_id = _str(_obj(payload, "bridge"), "id")
    target = (_str(playback, "target_uri") if playback else None) or (
        _str(recording, "target_uri") if recording else None
    )
    if target:
        target_channel, target_bridge = _split_target(target)
        channel_id = channel_id or target_channel
        bridge_id = bridge_id or target_bridge

    raw_args = payload.get("args")
    args = tuple(str(a) for a in raw_args) if isinstance(raw_args, list) else ()
    event_endpoint = endpoint_state = None
    if endpoint:
        technology, resource = _str(endpoint, "technology"), _str(endpoint, "resource")
        event_endpoint = f"{technology}/{resource}" if technology and resource else None
        endpoint_state = _str(endpoint, "state")
    return AriEvent(
        type=event_type,
        raw=payload,
        application=_str(payload, "application"),
        timestamp=_str(payload, "timestamp"),
        channel_id=channel_id,
        channel_name=_str(channel, "name") if channel else None,
        channel_state=_str(channel, "state") if channel else None,
        caller_number=_str(_obj(channel, "caller"), "number") if channel else None,
        bridge_id=bridge_id,
        playback_id=_str(playback, "id") if playback else None,
        playback_state=_str(playback, "state") if playback else None,
        recording_name=_str(recording, "name") if recording else None,
        digit=_str(payload, "digit"),
        duration_ms=_int(payload, "duration_ms"),
        cause=_int(payload, "cause"),
        args=args,
        device_name=_str(device, "name") if device else None,
        device_state=_str(device, "state") if device else None,
        endpoint=event_endpoint,
        endpoint_state=endpoint_state,
        dial_status=_str(payload, "dialstatus"),
    )
