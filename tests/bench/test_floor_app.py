"""The floor app's decisions, events in and requests out (no Asterisk).

Its CPU figure under ``make bench`` is a floor for Hotline's only while it
makes the requests Hotline makes for the bench's call (HOTLINE_CALL, which
an integration test checks against Hotline's own requests in Asterisk).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ari_apps.ari.rest_base import Query
from tests.bench.floor_app import FloorApp, parse_agents
from tests.bench.hotline_call import HOTLINE_CALL, request_shape
from tests.bench.run_bench import floor_steps, parse_args, print_report
from tests.bench.stats import CallOutcome, StepResult

CALLER = "bench-floor-00001;2"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Query | None]] = []

    async def __call__(self, method: str, path: str, params: Query | None) -> Any:
        self.sent.append((method, path, params))
        return None

    def templates(self) -> list[tuple[str, str]]:
        return [
            request_shape(method, path, lambda channel: channel.startswith("floor-agent-"))
            for method, path, _ in self.sent
        ]


def channel_event(kind: str, channel_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "channel": {"id": channel_id}, **extra}


async def settle(floor: FloorApp) -> None:
    while floor.tasks:
        await asyncio.gather(*list(floor.tasks))


async def call_until_agent_rings(floor: FloorApp) -> None:
    floor.on_event(channel_event("StasisStart", CALLER, args=["inbound", "8000"]))
    await settle(floor)
    floor.on_event(channel_event("ChannelDtmfReceived", CALLER, digit="1"))
    await settle(floor)
    floor.on_event({"type": "PlaybackFinished", "playback": {"id": f"{CALLER}-pb-1"}})
    floor.on_event({"type": "PlaybackFinished", "playback": {"id": f"{CALLER}-pb-2"}})
    await settle(floor)


def test_a_call_makes_the_requests_hotline_makes() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder()
        floor = FloorApp(recorder, "hotline", ["4001"], wrap_up_s=0.01)
        await call_until_agent_rings(floor)
        (leg,) = floor.agent_legs
        floor.on_event(channel_event("StasisStart", leg, args=["agent", CALLER, "4001"]))
        await settle(floor)
        floor.on_event(channel_event("StasisEnd", CALLER))
        await settle(floor)
        # The agent's own end, and the endpoint subscription's second copy.
        floor.on_event(channel_event("StasisEnd", leg))
        floor.on_event(channel_event("ChannelDestroyed", leg))
        await settle(floor)
        assert not floor.free_agents  # wrap-up
        await asyncio.sleep(0.05)
        assert list(floor.free_agents) == ["4001"]
        return recorder

    recorder = asyncio.run(scenario())
    assert recorder.templates() == HOTLINE_CALL
    originate = recorder.sent[7][2]
    assert originate is not None
    assert originate["endpoint"] == "PJSIP/4001"
    assert originate["appArgs"] == f"agent,{CALLER},4001"


def test_a_failed_agent_leg_rests_that_agent_and_rings_the_next() -> None:
    async def scenario() -> tuple[Recorder, FloorApp]:
        recorder = Recorder()
        floor = FloorApp(recorder, "hotline", ["4001", "4002"], wrap_up_s=60)
        await call_until_agent_rings(floor)
        (leg,) = floor.agent_legs
        floor.on_event(channel_event("ChannelDestroyed", leg))
        await settle(floor)
        return recorder, floor

    recorder, floor = asyncio.run(scenario())
    endpoints = [p["endpoint"] for m, path, p in recorder.sent if path == "/channels" and p]
    assert endpoints == ["PJSIP/4001", "PJSIP/4002"]
    assert not floor.free_agents


def test_a_caller_waits_for_a_free_agent_and_a_gone_caller_is_skipped() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder()
        floor = FloorApp(recorder, "hotline", [], wrap_up_s=60)
        await call_until_agent_rings(floor)
        assert [c.channel_id for c in floor.waiting] == [CALLER]
        floor.agent_free("4007")
        await settle(floor)
        floor.on_event(channel_event("StasisEnd", CALLER))
        await settle(floor)
        other = "bench-floor-00002;2"
        floor.on_event(channel_event("StasisStart", other, args=["inbound", "8000"]))
        floor.on_event(channel_event("ChannelDtmfReceived", other, digit="1"))
        await settle(floor)
        floor.on_event({"type": "PlaybackFinished", "playback": {"id": f"{other}-pb-2"}})
        await settle(floor)
        floor.on_event(channel_event("StasisEnd", other))
        await settle(floor)
        assert [c.channel_id for c in floor.waiting] == [other]  # 4007 is in wrap-up
        floor.agent_free("4008")  # the one who waited has hung up: no ring
        await settle(floor)
        assert list(floor.free_agents) == ["4008"]
        return recorder

    recorder = asyncio.run(scenario())
    endpoints = [p["endpoint"] for m, path, p in recorder.sent if path == "/channels" and p]
    assert endpoints == ["PJSIP/4007"]


def test_other_digits_do_not_queue_the_caller() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder()
        floor = FloorApp(recorder, "hotline", ["4001"], wrap_up_s=0)
        floor.on_event(channel_event("StasisStart", CALLER, args=["inbound", "8000"]))
        floor.on_event(channel_event("ChannelDtmfReceived", CALLER, digit="2"))
        await settle(floor)
        return recorder

    assert [m for m, _, _ in asyncio.run(scenario()).sent] == ["POST", "POST"]


def test_parse_agents() -> None:
    assert parse_agents("4001-4003") == ["4001", "4002", "4003"]
    assert parse_agents("4001") == ["4001"]
    with pytest.raises(ValueError, match="4003-4001"):
        parse_agents("4003-4001")
    with pytest.raises(ValueError, match="FIRST-LAST"):
        parse_agents("agents")


def bench_step(concurrency: int, calls: int, failed: int, app_cpu_s: float) -> StepResult:
    outcomes = [CallOutcome(f"c{i}", "", 10.0, 100.0, 2.0) for i in range(calls - failed)]
    outcomes += [CallOutcome(f"f{i}", "no_agent_tone") for i in range(failed)]
    return StepResult(concurrency, tuple(outcomes), 10.0, app_cpu_s, 20.0)


def test_the_floor_runs_the_steps_hotline_passed() -> None:
    hotline = [
        bench_step(25, 100, 0, 1.0),
        bench_step(50, 200, 0, 1.0),
        bench_step(75, 300, 9, 1.0),
    ]
    assert floor_steps((25, 50, 75, 100), hotline) == (25, 50)
    # Hotline passed nothing: the floor still gives its first step's figure.
    assert floor_steps((25, 50), [bench_step(25, 100, 5, 1.0)]) == (25,)


def test_the_report_compares_the_floor_over_hotlines_steps_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = parse_args(["--steps", "25,50"])
    results = {
        "native": [bench_step(25, 100, 0, 0.0), bench_step(50, 200, 0, 0.0)],
        "hotline": [bench_step(25, 100, 0, 0.8), bench_step(50, 200, 0, 1.6)],
        # A floor step that failed must not shrink native's and Hotline's
        # comparison; the floor's figure covers the same steps as Hotline's.
        "floor": [bench_step(25, 100, 0, 0.3), bench_step(50, 200, 50, 0.45)],
    }
    print_report(results, options)
    out = capsys.readouterr().out
    assert "capacity_ratio=1.00" in out
    assert "latency compared over steps up to                   50              50" in out
    assert "hotline_cpu_ms_per_call=8.0 (target <= 4.0, floor 3.0)" in out
