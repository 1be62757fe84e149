"""AriClient's events websocket: delivery, reconnect with back-off, no spin, clean close."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ari_apps.ari import AriClient, AriEvent
from ari_apps.ari import events as ari_events
from ari_apps.ari.fake_server import FakeAriServer
from hotline.settings import REPO_ROOT

# Where ARI event handlers live.
APP_PACKAGES = ("ari_apps", "vm", "fax", "agi_scripts", "hotline", "voice_prompts", "admin_ui")


class Probe:
    """Records callbacks and the back-off delays the client asked for."""

    def __init__(self) -> None:
        self.events: list[tuple[str | None, str]] = []
        self.connected = 0
        self.disconnected = 0
        self.delays: list[float] = []

    async def on_event(self, event: AriEvent) -> None:
        self.events.append((event.channel_id, event.type))

    async def on_connected(self) -> None:
        self.connected += 1

    async def on_disconnected(self) -> None:
        self.disconnected += 1

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(delay)


def make_client(base_url: str, probe: Probe, **options: Any) -> AriClient:
    settings: dict[str, Any] = {
        "on_channel_event": probe.on_event,
        "on_global_event": probe.on_event,
        "on_connected": probe.on_connected,
        "on_disconnected": probe.on_disconnected,
        "sleep": probe.sleep,
        "backoff_initial_s": 0.02,
        "backoff_max_s": 0.1,
        "heartbeat_s": None,
    }
    settings.update(options)
    return AriClient(base_url, "hotline", "secret", "hotline", **settings)


async def eventually(condition: Callable[[], bool], within_s: float = 2.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.005)


def start(client: AriClient) -> asyncio.Task[None]:
    return asyncio.create_task(client.run())


async def stop(client: AriClient, runner: asyncio.Task[None]) -> None:
    await asyncio.wait_for(client.close(), 2.0)
    await asyncio.wait_for(runner, 1.0)  # run() returns normally after close()


def stasis(event_type: str, channel_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": event_type, "application": "hotline", "channel": {"id": channel_id}, **extra}


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_given_attempts_then_backoff_doubles_up_to_cap_with_bounded_jitter() -> None:
    top = AriClient("http://x", "u", "p", "a", backoff_initial_s=0.5, backoff_max_s=5.0)
    top_delays = [top.backoff_delay(n) for n in range(7)]
    low = AriClient("http://x", "u", "p", "a", jitter=lambda: 0.0)
    high = AriClient("http://x", "u", "p", "a", jitter=lambda: 1.0)
    assert [high.backoff_delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert [low.backoff_delay(n) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.5, 2.5]
    assert all(0.25 <= d <= 5.0 for d in top_delays)


async def test_given_events_on_websocket_then_they_reach_handlers_after_on_connected(
    ari: FakeAriServer,
) -> None:
    probe = Probe()
    client = make_client(ari.base_url, probe)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    await eventually(lambda: probe.connected == 1)
    assert client.connected
    await ari.send_event(stasis("StasisStart", "c1", args=["ivr"]))
    await ari.send_text("this is not json")
    await ari.send_event(
        {"type": "DeviceStateChanged", "device_state": {"name": "d", "state": "X"}}
    )
    await ari.send_event(stasis("StasisEnd", "c1"))
    await eventually(lambda: len(probe.events) == 3)
    # Channel and global queues are independent; order holds within each.
    assert [e for e in probe.events if e[0] == "c1"] == [("c1", "StasisStart"), ("c1", "StasisEnd")]
    assert [e for e in probe.events if e[0] is None] == [(None, "DeviceStateChanged")]
    await stop(client, runner)
    assert not client.connected


async def test_given_event_types_when_connecting_then_asterisk_is_asked_for_only_those_each_time(
    ari: FakeAriServer,
) -> None:
    probe = Probe()
    client = make_client(ari.base_url, probe, event_types={"StasisStart", "StasisEnd"})
    runner = start(client)
    await eventually(lambda: probe.connected == 1)
    filters = [r for r in ari.requests if r.path == "/applications/hotline/eventFilter"]
    assert [(r.method, r.body) for r in filters] == [
        ("PUT", {"allowed": [{"type": "StasisEnd"}, {"type": "StasisStart"}]})
    ]
    # Asterisk forgets the filter with the application: set again on reconnect.
    await ari.drop_websockets()
    await eventually(lambda: probe.connected == 2)
    assert len([r for r in ari.requests if r.path.endswith("/eventFilter")]) == 2
    await stop(client, runner)


async def test_given_asterisk_without_event_filter_then_events_still_flow(
    ari: FakeAriServer,
) -> None:
    ari.respond("PUT", "/applications/hotline/eventFilter", status=404, body={"message": "x"})
    probe = Probe()
    client = make_client(ari.base_url, probe, event_types={"StasisStart"})
    runner = start(client)
    await eventually(lambda: probe.connected == 1)
    await ari.send_event(stasis("StasisStart", "c1"))
    await eventually(lambda: probe.events == [("c1", "StasisStart")])
    await stop(client, runner)


def test_given_the_call_center_then_every_event_type_it_branches_on_is_allowed() -> None:
    """A handler for a type left out of the filter would silently never run;
    a type in it that no app reads costs every call its parsing for nothing."""
    constants = {
        name: value
        for name, value in vars(ari_events).items()
        if name.isupper() and isinstance(value, str)
    }
    used: set[str] = set()
    for package in APP_PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            if path == Path(ari_events.__file__):
                continue
            source = path.read_text()
            used |= {name for name in constants if re.search(rf"\b{name}\b", source)}
    assert used, "the scan found no event constants at all"
    # Every type an app reads is allowed, and nothing no app reads is asked for.
    assert {constants[name] for name in used} == ari_events.HANDLED_EVENT_TYPES


async def test_given_slow_handler_then_websocket_reader_keeps_delivering_other_channels(
    ari: FakeAriServer,
) -> None:
    release = asyncio.Event()
    seen: list[tuple[str | None, str]] = []

    async def handler(event: AriEvent) -> None:
        if event.channel_id == "slow" and event.type == "PlaybackStarted":
            await release.wait()
        seen.append((event.channel_id, event.type))

    probe = Probe()
    client = make_client(ari.base_url, probe, on_channel_event=handler)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    await ari.send_event(stasis("PlaybackStarted", "slow"))
    await ari.send_event(stasis("ChannelDtmfReceived", "slow", digit="1"))
    for n in range(5):
        await ari.send_event(stasis("ChannelDtmfReceived", "fast", digit=str(n)))
    await eventually(lambda: len(seen) == 5)
    assert all(channel == "fast" for channel, _ in seen)
    release.set()
    await eventually(lambda: len(seen) == 7)
    assert seen[5:] == [("slow", "PlaybackStarted"), ("slow", "ChannelDtmfReceived")]
    await stop(client, runner)


async def test_given_websocket_drops_then_client_backs_off_reconnects_and_reconciles_again(
    ari: FakeAriServer,
) -> None:
    probe = Probe()
    client = make_client(ari.base_url, probe)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    await eventually(lambda: probe.connected == 1)
    await ari.drop_websockets()
    await ari.wait_for_ws_connects(2)
    await eventually(lambda: probe.connected == 2)
    assert probe.disconnected == 1
    assert len(probe.delays) == 1 and 0.01 <= probe.delays[0] <= 0.02
    await ari.send_event(stasis("StasisStart", "after-reconnect"))
    await eventually(lambda: probe.events == [("after-reconnect", "StasisStart")])
    await stop(client, runner)


async def test_given_nothing_listening_then_attempts_are_bounded_and_delays_grow() -> None:
    probe = Probe()
    client = make_client(f"http://127.0.0.1:{unused_port()}", probe)
    started = time.monotonic()
    runner = start(client)
    await eventually(lambda: client.connect_attempts >= 4, within_s=10)
    elapsed = time.monotonic() - started
    attempts = client.connect_attempts
    await stop(client, runner)
    # Every attempt after the first waited at least 0.01 s: no spinning,
    # however slow or loaded the machine is.
    assert attempts <= 1 + elapsed / 0.01
    assert probe.connected == 0
    assert all(d >= 0.01 for d in probe.delays)
    assert probe.delays[2] > probe.delays[0]


async def test_given_asterisk_flapping_then_each_accept_then_close_backs_off(
    ari: FakeAriServer,
) -> None:
    ari.close_websocket_at_once = True
    probe = Probe()
    client = make_client(ari.base_url, probe)
    runner = start(client)
    # Wait on the client's progress, not on the clock, nor on the server's
    # count: the server counts an accept before the client has seen it, so
    # under load (tests on both cores) the two differ at any one moment.
    await eventually(lambda: probe.disconnected >= 3, within_s=10)
    await stop(client, runner)
    # Each connection the client saw was closed and noticed; only the last
    # may have been cut short by the stop itself.
    assert probe.connected - probe.disconnected in (0, 1)
    assert ari.ws_connects >= probe.connected
    # Never spins: every reconnect after a drop waited a positive back-off.
    assert len(probe.delays) >= probe.disconnected
    assert all(delay > 0 for delay in probe.delays)


async def test_given_websocket_rejected_with_401_then_client_keeps_backing_off(
    ari: FakeAriServer, caplog: pytest.LogCaptureFixture
) -> None:
    ari.reject_websocket_status = 401
    probe = Probe()
    client = make_client(ari.base_url, probe)
    runner = start(client)
    await eventually(lambda: client.connect_attempts >= 3)
    await stop(client, runner)
    assert probe.connected == 0
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    # One line per finished attempt (close() may cut the last one short) ...
    assert client.connect_attempts - 1 <= len(failures) <= client.connect_attempts
    assert all("HTTP 401" in line for line in failures)
    # ... and never the credentials.
    assert not any("secret" in record.getMessage() for record in caplog.records)


async def test_given_on_connected_raises_then_socket_is_dropped_and_start_up_retried_with_backoff(
    ari: FakeAriServer,
) -> None:
    """A half-done start-up must never look connected (a cold sandbox once
    left Hotline reading events with no phone provisioned, for ever)."""
    probe = Probe()
    failures_left = 2

    async def flaky_start_up() -> None:
        nonlocal failures_left
        if failures_left:
            failures_left -= 1
            raise RuntimeError("database down")
        await probe.on_connected()

    client = make_client(ari.base_url, probe, on_connected=flaky_start_up)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    await eventually(lambda: client.connect_attempts >= 2)
    assert not client.connected
    assert client.last_failure == "start-up after connect failed: RuntimeError: database down"
    await eventually(lambda: probe.connected == 1)
    assert client.connected and client.last_failure is None
    # Each failed start-up was followed by a back-off, not a spin.
    assert len(probe.delays) == 2 and all(d > 0 for d in probe.delays)
    assert ari.ws_connects == 3
    await ari.send_event(stasis("StasisStart", "c"))
    await eventually(lambda: probe.events == [("c", "StasisStart")])
    await stop(client, runner)


async def test_given_nothing_listening_then_last_failure_says_why() -> None:
    client = make_client(f"http://127.0.0.1:{unused_port()}", Probe())
    assert client.last_failure == "not connected yet"
    runner = start(client)
    await eventually(lambda: client.connect_attempts >= 2, within_s=10)
    await stop(client, runner)
    assert client.last_failure is not None
    assert client.last_failure.startswith("ARI websocket: ClientConnectorError")


async def test_given_handler_error_then_on_handler_error_gets_event_and_exception(
    ari: FakeAriServer,
) -> None:
    reported: list[tuple[str, str]] = []

    async def broken(event: AriEvent) -> None:
        raise ValueError(f"cannot handle {event.type}")

    async def on_handler_error(event: AriEvent, exc: BaseException) -> None:
        reported.append((event.type, str(exc)))

    probe = Probe()
    client = make_client(
        ari.base_url, probe, on_channel_event=broken, on_handler_error=on_handler_error
    )
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    await ari.send_event(stasis("StasisStart", "c"))
    await ari.send_event(stasis("StasisEnd", "c"))
    await eventually(lambda: len(reported) == 2)
    assert reported == [
        ("StasisStart", "cannot handle StasisStart"),
        ("StasisEnd", "cannot handle StasisEnd"),
    ]
    assert client.connected
    await stop(client, runner)


async def test_given_busy_client_when_closed_then_no_task_leaks_and_session_closed(
    ari: FakeAriServer,
) -> None:
    never = asyncio.Event()

    async def stuck(event: AriEvent) -> None:
        await never.wait()

    tasks_before = asyncio.all_tasks()
    probe = Probe()
    client = make_client(ari.base_url, probe, on_channel_event=stuck)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    for channel_id in ("a", "b"):
        await ari.send_event(stasis("StasisStart", channel_id))
    await eventually(lambda: client.dispatcher.active_channel_ids == frozenset({"a", "b"}))
    await stop(client, runner)
    await eventually(lambda: not ari.websockets)
    assert asyncio.all_tasks() - tasks_before == set()


async def test_given_run_awaited_by_caller_when_caller_cancels_then_cancellation_propagates(
    ari: FakeAriServer,
) -> None:
    probe = Probe()
    client = make_client(ari.base_url, probe)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    await client.close()
    assert not client.connected


async def run_briefly(coro: Awaitable[None]) -> None:
    await asyncio.wait_for(coro, 1.0)


async def test_given_run_called_twice_then_second_call_is_refused(ari: FakeAriServer) -> None:
    probe = Probe()
    client = make_client(ari.base_url, probe)
    runner = start(client)
    await ari.wait_for_ws_connects(1)
    with pytest.raises(RuntimeError, match="already running"):
        await run_briefly(client.run())
    await stop(client, runner)
