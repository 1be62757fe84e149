"""AriEvent parsing and the per-channel ordered EventDispatcher (no network)."""

from __future__ import annotations

import asyncio
from typing import Any

from ari_apps.ari import AriEvent, EventDispatcher, parse_event


def channel_event(event_type: str, channel_id: str, **extra: Any) -> AriEvent:
    return parse_event(
        {
            "type": event_type,
            "application": "hotline",
            "channel": {"id": channel_id, "name": f"PJSIP/{channel_id}", "state": "Up"},
            **extra,
        }
    )


def global_event(device: str, state: str) -> AriEvent:
    return parse_event(
        {"type": "DeviceStateChanged", "device_state": {"name": device, "state": state}}
    )


class Recorder:
    def __init__(self) -> None:
        self.handled: list[tuple[str | None, str]] = []

    async def __call__(self, event: AriEvent) -> None:
        self.handled.append((event.channel_id or event.device_name, event.type))


def test_given_stasis_start_then_channel_caller_and_args_are_lifted() -> None:
    event = parse_event(
        {
            "type": "StasisStart",
            "application": "hotline",
            "timestamp": "2025-01-01T10:00:00.000+0000",
            "args": ["ivr", "main-menu"],
            "channel": {
                "id": "1700000000.12",
                "name": "PJSIP/trunk-0000000c",
                "state": "Ring",
                "caller": {"name": "Alice", "number": "+3312345678"},
            },
        }
    )
    assert event.type == "StasisStart"
    assert event.channel_id == "1700000000.12"
    assert event.channel_state == "Ring"
    assert event.caller_number == "+3312345678"
    assert event.args == ("ivr", "main-menu")
    assert event.application == "hotline"
    assert event.raw["channel"]["caller"]["name"] == "Alice"
    assert not event.is_channel_final


def test_given_dtmf_then_digit_and_duration() -> None:
    event = channel_event("ChannelDtmfReceived", "c1", digit="#", duration_ms=120)
    assert (event.channel_id, event.digit, event.duration_ms) == ("c1", "#", 120)


def test_given_channel_playback_finished_then_it_routes_to_the_channel() -> None:
    event = parse_event(
        {
            "type": "PlaybackFinished",
            "playback": {"id": "pb-3", "target_uri": "channel:c9", "state": "done"},
        }
    )
    assert (event.channel_id, event.bridge_id, event.playback_id) == ("c9", None, "pb-3")
    assert event.playback_state == "done"


def test_given_bridge_playback_then_it_is_global_with_bridge_id() -> None:
    event = parse_event(
        {"type": "PlaybackStarted", "playback": {"id": "pb-4", "target_uri": "bridge:br-1"}}
    )
    assert (event.channel_id, event.bridge_id) == (None, "br-1")


def test_given_recording_finished_on_channel_then_name_and_channel() -> None:
    event = parse_event(
        {
            "type": "RecordingFinished",
            "recording": {"name": "vm-1", "target_uri": "channel:c2", "state": "done"},
        }
    )
    assert (event.channel_id, event.recording_name) == ("c2", "vm-1")


def test_given_endpoint_device_bridge_and_dial_events_then_fields_are_lifted() -> None:
    endpoint = parse_event(
        {
            "type": "EndpointStateChange",
            "endpoint": {"technology": "PJSIP", "resource": "1001", "state": "online"},
        }
    )
    device = global_event("PJSIP/1001", "NOT_INUSE")
    bridge = parse_event({"type": "BridgeDestroyed", "bridge": {"id": "br-2"}})
    dial = parse_event(
        {"type": "Dial", "peer": {"id": "agent-leg"}, "dialstatus": "ANSWER", "dialstring": "1001"}
    )
    hangup = channel_event("ChannelHangupRequest", "c3", cause=16)
    assert (endpoint.endpoint, endpoint.endpoint_state, endpoint.channel_id) == (
        "PJSIP/1001",
        "online",
        None,
    )
    assert (device.device_name, device.device_state) == ("PJSIP/1001", "NOT_INUSE")
    assert (bridge.bridge_id, bridge.channel_id) == ("br-2", None)
    assert (dial.channel_id, dial.dial_status) == ("agent-leg", "ANSWER")
    assert hangup.cause == 16


def test_given_odd_payload_then_parsing_does_not_raise() -> None:
    event = parse_event({"channel": "not-an-object", "args": "x", "duration_ms": True})
    assert event.type == "Unknown"
    assert (event.channel_id, event.args, event.duration_ms) == (None, (), None)


async def test_given_slow_handler_on_one_channel_then_other_channel_progresses() -> None:
    release_a = asyncio.Event()
    handled: list[tuple[str | None, str]] = []

    async def handler(event: AriEvent) -> None:
        if event.channel_id == "A" and event.type == "PlaybackStarted":
            await release_a.wait()  # like awaiting PlaybackFinished
        handled.append((event.channel_id, event.type))

    dispatcher = EventDispatcher(channel_handler=handler)
    for event in [
        channel_event("StasisStart", "A"),
        channel_event("PlaybackStarted", "A"),
        channel_event("ChannelDtmfReceived", "A", digit="1"),
        channel_event("StasisStart", "B"),
        channel_event("ChannelDtmfReceived", "B", digit="2"),
        channel_event("StasisEnd", "B"),
    ]:
        dispatcher.dispatch(event)
    for _ in range(50):
        if ("B", "StasisEnd") in handled:
            break
        await asyncio.sleep(0.001)
    assert handled == [
        ("A", "StasisStart"),
        ("B", "StasisStart"),
        ("B", "ChannelDtmfReceived"),
        ("B", "StasisEnd"),
    ]
    assert dispatcher.active_channel_ids == frozenset({"A"})
    release_a.set()
    dispatcher.dispatch(channel_event("StasisEnd", "A"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    a_events = [t for c, t in handled if c == "A"]
    assert a_events == ["StasisStart", "PlaybackStarted", "ChannelDtmfReceived", "StasisEnd"]
    await asyncio.sleep(0)
    assert dispatcher.active_channel_ids == frozenset()
    await dispatcher.close()


async def test_given_handler_raises_then_error_reported_and_next_event_handled() -> None:
    reported: list[tuple[str, str]] = []
    handled: list[str] = []

    async def handler(event: AriEvent) -> None:
        if event.digit == "9":
            raise RuntimeError("boom on 9")
        handled.append(event.digit or event.type)

    async def on_error(event: AriEvent, exc: BaseException) -> None:
        reported.append((event.digit or "", str(exc)))

    dispatcher = EventDispatcher(channel_handler=handler, on_handler_error=on_error)
    dispatcher.dispatch(channel_event("ChannelDtmfReceived", "c", digit="1"))
    dispatcher.dispatch(channel_event("ChannelDtmfReceived", "c", digit="9"))
    dispatcher.dispatch(channel_event("ChannelDtmfReceived", "c", digit="2"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    assert handled == ["1", "2"]
    assert reported == [("9", "boom on 9")]
    await dispatcher.close()


async def test_given_handler_awaits_something_cancelled_then_worker_survives() -> None:
    reported: list[str] = []
    handled: list[str] = []

    async def handler(event: AriEvent) -> None:
        if event.digit == "1":
            doomed = asyncio.create_task(asyncio.sleep(10))
            doomed.cancel()
            await doomed
        handled.append(event.digit or "")

    async def on_error(event: AriEvent, exc: BaseException) -> None:
        reported.append(type(exc).__name__)

    dispatcher = EventDispatcher(channel_handler=handler, on_handler_error=on_error)
    dispatcher.dispatch(channel_event("ChannelDtmfReceived", "c", digit="1"))
    dispatcher.dispatch(channel_event("ChannelDtmfReceived", "c", digit="2"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    assert handled == ["2"]
    assert reported == ["CancelledError"]
    await dispatcher.close()


async def test_given_global_events_then_they_go_in_order_to_the_global_handler() -> None:
    channel_recorder, global_recorder = Recorder(), Recorder()
    dispatcher = EventDispatcher(channel_handler=channel_recorder, global_handler=global_recorder)
    dispatcher.dispatch(global_event("PJSIP/1001", "RINGING"))
    dispatcher.dispatch(channel_event("StasisStart", "c"))
    dispatcher.dispatch(global_event("PJSIP/1001", "INUSE"))
    dispatcher.dispatch(parse_event({"type": "BridgeDestroyed", "bridge": {"id": "b"}}))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    assert global_recorder.handled == [
        ("PJSIP/1001", "DeviceStateChanged"),
        ("PJSIP/1001", "DeviceStateChanged"),
        (None, "BridgeDestroyed"),
    ]
    assert channel_recorder.handled == [("c", "StasisStart")]
    await dispatcher.close()


async def test_given_event_after_stasis_end_then_it_is_handled_and_no_worker_lingers() -> None:
    recorder = Recorder()
    dispatcher = EventDispatcher(channel_handler=recorder)
    dispatcher.dispatch(channel_event("StasisStart", "c"))
    dispatcher.dispatch(channel_event("StasisEnd", "c"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    await asyncio.sleep(0)
    assert dispatcher.active_channel_ids == frozenset()
    dispatcher.dispatch(channel_event("ChannelDestroyed", "c", cause=16))
    dispatcher.dispatch(channel_event("ChannelVarset", "c"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    await asyncio.sleep(0)
    assert [t for _, t in recorder.handled] == [
        "StasisStart",
        "StasisEnd",
        "ChannelDestroyed",
        "ChannelVarset",
    ]
    assert dispatcher.active_channel_ids == frozenset()
    await dispatcher.close()


async def test_given_channel_reenters_stasis_then_its_new_worker_waits_for_events() -> None:
    recorder = Recorder()
    dispatcher = EventDispatcher(channel_handler=recorder)
    dispatcher.dispatch(channel_event("StasisStart", "c"))
    dispatcher.dispatch(channel_event("StasisEnd", "c"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    dispatcher.dispatch(channel_event("StasisStart", "c"))
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    await asyncio.sleep(0)
    assert dispatcher.active_channel_ids == frozenset({"c"})
    await dispatcher.close()
    assert dispatcher.active_channel_ids == frozenset()


async def test_given_blocked_handlers_when_closing_then_all_workers_end_without_leaks() -> None:
    never = asyncio.Event()

    async def blocked(event: AriEvent) -> None:
        await never.wait()

    tasks_before = asyncio.all_tasks()
    dispatcher = EventDispatcher(channel_handler=blocked, global_handler=blocked)
    for channel_id in ("a", "b", "c"):
        dispatcher.dispatch(channel_event("StasisStart", channel_id))
    dispatcher.dispatch(global_event("PJSIP/1", "INUSE"))
    await asyncio.sleep(0.01)
    assert len(asyncio.all_tasks() - tasks_before) == 4
    await asyncio.wait_for(dispatcher.close(), 1.0)
    assert asyncio.all_tasks() - tasks_before == set()
    dispatcher.dispatch(channel_event("StasisStart", "late"))
    assert dispatcher.active_channel_ids == frozenset()


async def test_given_forgotten_channel_then_its_blocked_worker_is_cancelled() -> None:
    never = asyncio.Event()

    async def blocked(event: AriEvent) -> None:
        await never.wait()

    dispatcher = EventDispatcher(channel_handler=blocked)
    dispatcher.dispatch(channel_event("StasisStart", "stale"))
    dispatcher.dispatch(channel_event("ChannelDtmfReceived", "stale", digit="5"))
    await asyncio.sleep(0.01)
    dispatcher.forget_channel("stale")
    await asyncio.wait_for(dispatcher.wait_idle(), 1.0)
    assert dispatcher.active_channel_ids == frozenset()
    await dispatcher.close()
