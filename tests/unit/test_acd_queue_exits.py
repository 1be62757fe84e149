"""How a caller leaves the ACD, as their flow hears it: the overflow's flow
node or voicemail box must reach the flow (``ari_apps/acd/exits.py``).

The pure mapping is tested with the core's own commands; the last tests run
the real AcdService against the in-process ARI stand-in, which pins what the
flow is told, not Asterisk's behaviour (real calls: tests/integration).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from ari_apps.acd import (
    Acd,
    AgentLoggedOut,
    AgentNotReady,
    CallerAbandoned,
    CallerArrived,
    OfferAnswered,
    OverflowTarget,
    QueueConfig,
    Tick,
)
from ari_apps.acd.exits import QueueExit, queue_exits
from ari_apps.acd.services import AcdService
from ari_apps.ari import AriClient
from ari_apps.ari.fake_server import FakeAriServer
from hotline import calls
from hotline.bus import EventBus
from hotline.settings import Settings
from hotline.writer import WRITER
from tests.unit.test_acd_helpers import T0, ExitsHeard, agent, bring_online, queue


def waiting_acd(config: QueueConfig) -> Acd:
    acd = Acd([config, queue("backup")], [agent("a", queues=("sales", "backup"))])
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    return acd


def test_given_voicemail_overflow_on_max_wait_then_the_exit_carries_the_box() -> None:
    acd = waiting_acd(queue(max_wait_s=60, overflow=OverflowTarget("voicemail", "5000")))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    commands = acd.handle(Tick(T0 + 60))
    assert queue_exits(commands) == [QueueExit("c1", "overflow", voicemail_box="5000")]


def test_given_voicemail_overflow_on_leave_empty_then_the_exit_carries_the_box() -> None:
    acd = waiting_acd(queue(leave_empty=True, overflow=OverflowTarget("voicemail", "5000")))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    commands = acd.handle(AgentLoggedOut(T0 + 1, "a"))
    assert queue_exits(commands) == [QueueExit("c1", "overflow", voicemail_box="5000")]


def test_given_flow_node_overflow_then_the_exit_names_the_node() -> None:
    acd = waiting_acd(queue(max_wait_s=60, overflow=OverflowTarget("flow_node", "after-hours")))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    commands = acd.handle(Tick(T0 + 60))
    assert queue_exits(commands) == [QueueExit("c1", "overflow", goto_node="after-hours")]


def test_given_overflow_into_another_queue_then_no_exit_yet() -> None:
    acd = waiting_acd(queue(max_wait_s=60, overflow=OverflowTarget("queue", "backup")))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert queue_exits(acd.handle(Tick(T0 + 60))) == []


def test_given_plain_exits_then_outcomes_in_the_flow_words() -> None:
    acd = Acd([queue(max_wait_s=60, join_empty=True)], [agent("a")])
    bring_online(acd, "a")
    answered = acd.handle(CallerArrived(T0, "c1", "sales"))
    answered += acd.handle(OfferAnswered(T0 + 1, "c1", "a"))
    acd.handle(CallerArrived(T0 + 2, "c2", "sales"))
    abandoned = acd.handle(CallerAbandoned(T0 + 3, "c2"))
    acd.handle(CallerArrived(T0 + 4, "c3", "sales"))
    timed_out = acd.handle(Tick(T0 + 64))
    assert queue_exits(answered) == [QueueExit("c1", "answered")]
    assert queue_exits(abandoned) == [QueueExit("c2", "abandoned")]
    assert queue_exits(timed_out) == [QueueExit("c3", "timed_out")]


# -- the adapter: what the flow is told ---------------------------------------------


@pytest.fixture
async def ari_client(seeded: Settings, ari: FakeAriServer) -> AsyncIterator[AriClient]:
    client = AriClient(ari.base_url, ari.user, ari.password, ari.app)
    yield client
    await WRITER.flush()
    await client.close()


async def overflow_once(
    ari: FakeAriServer, service: AcdService, target: OverflowTarget, **enqueue: object
) -> None:
    service.acd = Acd([queue(max_wait_s=60, overflow=target)], [])
    # The caller's bridge is gone by the time the adapter looks for it.
    ari.respond("GET", "/bridges/hl-q-c1", status=404, body={"message": "Bridge not found"})
    # Every caller comes from a flow that opened their call record.
    await calls.open_record(
        "c1", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    await service.enqueue("c1", "c1", "sales", 0, "5550100", **enqueue)  # type: ignore[arg-type]
    await service.handle(Tick(time.time() + 61))


async def test_given_flow_node_overflow_then_the_flow_is_told_that_node(
    ari: FakeAriServer, ari_client: AriClient
) -> None:
    told: list[tuple[str, str, str | None]] = []
    heard = asyncio.Event()

    async def on_queue_exit(call_id: str, outcome: str, goto_node: str | None) -> None:
        told.append((call_id, outcome, goto_node))
        heard.set()

    service = AcdService(ari_client, EventBus(), "hotline", on_queue_exit)
    await overflow_once(ari, service, OverflowTarget("flow_node", "after-hours"))
    await asyncio.wait_for(heard.wait(), 3.0)
    assert told == [("c1", "overflow", "after-hours")]


async def test_given_voicemail_overflow_then_the_callers_flow_is_told_the_box(
    ari: FakeAriServer, ari_client: AriClient
) -> None:
    on_exit = ExitsHeard()

    async def not_this_one(call_id: str, outcome: str, goto_node: str | None) -> None:
        raise AssertionError("the caller's own listener must hear it")

    service = AcdService(ari_client, EventBus(), "hotline", not_this_one)
    await overflow_once(ari, service, OverflowTarget("voicemail", "5000"), on_exit=on_exit)
    await on_exit.first()
    assert on_exit.told == [QueueExit("c1", "overflow", voicemail_box="5000")]
    # Out of its queue bridge before the flow talks to the caller again.
    paths = [(r.method, r.path) for r in ari.requests]
    assert ("POST", "/bridges/hl-q-c1/removeChannel") in paths


async def test_given_a_started_service_when_the_max_wait_passes_then_its_own_tick_lets_go(
    ari: FakeAriServer, ari_client: AriClient
) -> None:
    # No test sends a Tick here: the service's timer must, at the deadline.
    told: list[tuple[str, str, str | None]] = []
    heard = asyncio.Event()

    async def on_queue_exit(call_id: str, outcome: str, goto_node: str | None) -> None:
        told.append((call_id, outcome, goto_node))
        heard.set()

    service = AcdService(ari_client, EventBus(), "hotline", on_queue_exit)
    service.acd = Acd(
        [queue(max_wait_s=1, overflow=OverflowTarget("flow_node", "after-hours"))], []
    )
    ari.respond("GET", "/bridges/hl-q-c1", status=404, body={"message": "Bridge not found"})
    await calls.open_record(
        "c1", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    service.start()
    try:
        await service.enqueue("c1", "c1", "sales", 0, "5550100")
        await asyncio.wait_for(heard.wait(), 10.0)
    finally:
        await service.stop()
    assert told == [("c1", "overflow", "after-hours")]
