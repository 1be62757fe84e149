"""What the adapter does after connecting to ARI, against a stand-in of a cold Asterisk.

The stand-in keeps the one piece of Asterisk state the start-up depends on:
PJSIP objects created through dynamic configuration, and the quirk that the
technology-wide event source ``endpoint:PJSIP`` exists only once some PJSIP
endpoint does.  A cold sandbox (empty astdb) once left Hotline unhealthy for
ever with no phone provisioned; the real-call proof is
tests/integration/test_first_run.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from ari_apps.acd import CallerArrived
from ari_apps.acd.live import QueuedCall
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import CannedResponse, FakeAriServer, RecordedRequest
from hotline import calls
from hotline.models import Agent
from hotline.settings import Settings

DYNAMIC = "/asterisk/config/dynamic/res_pjsip/"
SUBSCRIBE = "/applications/hotline/subscription"


class ColdAsterisk:
    """Answers like an Asterisk whose astdb holds no PJSIP object yet."""

    def __init__(self) -> None:
        self.objects: dict[str, list[dict[str, str]]] = {}
        self.refuse_subscription = False
        self.channels: list[dict[str, object]] = []

    def respond(self, request: RecordedRequest) -> CannedResponse | None:
        if request.path.startswith(DYNAMIC):
            key = request.path.removeprefix(DYNAMIC)
            if request.method == "PUT":
                self.objects[key] = list(request.body["fields"])
            if key not in self.objects:
                return CannedResponse(404, {"message": "Object not found"})
            return CannedResponse(200, self.objects[key])
        if request.path == SUBSCRIBE and request.method == "POST":
            endpoints = [k for k in self.objects if k.startswith("endpoint/")]
            if self.refuse_subscription or not endpoints:
                return CannedResponse(422, {"message": "Event source does not exist"})
            return CannedResponse(200, {"name": "hotline"})
        if request.path.startswith("/endpoints/PJSIP/"):
            return CannedResponse(200, {"state": "offline", "channel_ids": []})
        if request.path == "/channels" and request.method == "GET":
            return CannedResponse(200, self.channels)
        if request.path in ("/channels", "/bridges"):
            return CannedResponse(200, [])
        return None


@pytest.fixture
async def cold(ari: FakeAriServer) -> ColdAsterisk:
    asterisk = ColdAsterisk()
    ari.responder = asterisk.respond
    return asterisk


@pytest.fixture
async def running(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    await call_center.start()
    yield call_center
    await call_center.stop()


async def _eventually(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def _paths(ari: FakeAriServer, method: str, prefix: str) -> list[int]:
    return [
        i for i, r in enumerate(ari.requests) if r.method == method and r.path.startswith(prefix)
    ]


async def test_given_cold_asterisk_when_connected_then_phones_are_provisioned_before_subscribing(
    ari: FakeAriServer, cold: ColdAsterisk, running: CallCenter
) -> None:
    await _eventually(lambda: running.ari_connected)
    assert running.asterisk_health().ok
    assert {"endpoint/1001", "aor/1001", "auth/1001", "endpoint/1002"} <= set(cold.objects)
    provisioned = _paths(ari, "PUT", DYNAMIC + "endpoint/")
    subscribed = _paths(ari, "POST", SUBSCRIBE)
    assert len(subscribed) == 1
    assert max(provisioned) < subscribed[0]
    assert ari.ws_connects == 1


async def test_given_a_start_up_step_fails_then_health_names_it_and_it_is_retried(
    ari: FakeAriServer, cold: ColdAsterisk, running: CallCenter
) -> None:
    cold.refuse_subscription = True
    await _eventually(lambda: ari.ws_connects >= 2)
    health = running.asterisk_health()
    assert not health.ok
    assert health.reason is not None
    assert "'subscribe to phone registrations'" in health.reason
    assert "422: Event source does not exist" in health.reason
    cold.refuse_subscription = False
    await _eventually(lambda: running.ari_connected, within_s=15)
    assert running.asterisk_health().ok


async def test_given_no_agent_at_all_then_start_up_completes_without_subscribing(
    ari: FakeAriServer, cold: ColdAsterisk, seeded: Settings, call_center: CallCenter
) -> None:
    await Agent.all().delete()
    await call_center.start()
    try:
        await _eventually(lambda: call_center.ari_connected)
        assert _paths(ari, "POST", SUBSCRIBE) == []
    finally:
        await call_center.stop()


async def test_given_asterisk_unreachable_then_health_gives_the_connection_error(
    ari: FakeAriServer, seeded: Settings, call_center: CallCenter
) -> None:
    await ari.stop()  # nothing listens on the ARI port any more
    assert call_center.asterisk_health().reason == "not connected yet"
    await call_center.start()
    try:
        await _eventually(lambda: call_center.ari.connect_attempts >= 2)
        health = call_center.asterisk_health()
        assert not health.ok
        assert health.reason is not None
        assert health.reason.startswith("ARI websocket: ClientConnectorError")
    finally:
        await call_center.stop()


async def test_given_a_call_that_vanished_during_an_outage_then_the_reconnect_completes(
    ari: FakeAriServer, cold: ColdAsterisk, running: CallCenter
) -> None:
    """Reconcile ends, under the start-up's hold of the ACD's lock, the calls
    whose channels Asterisk no longer has; that once waited for the same
    lock for ever, and Hotline never became healthy again."""
    await _eventually(lambda: running.ari_connected)
    await calls.open_record(
        "gone-1", did="8000", caller_id="5550130", tenant_id=None, flow_version_id=None
    )
    running.acd.adopt_caller(QueuedCall("gone-1", "gone-1", "support", "hl-q-gone-1", "5550130"))
    await running.acd.handle(CallerArrived(time.time(), "gone-1", "support", 0, "5550130"))
    assert running.acd.acd.call_state("gone-1") is not None

    await ari.drop_websockets()
    await ari.wait_for_ws_connects(2, timeout_s=10)
    await _eventually(lambda: running.ari_connected, within_s=10)
    assert "gone-1" not in running.acd.calls
    assert running.acd.acd.call_state("gone-1") is None


async def test_given_legs_still_ringing_from_before_a_restart_then_they_are_hung_up(
    ari: FakeAriServer, cold: ColdAsterisk, seeded: Settings, call_center: CallCenter
) -> None:
    """An agent's offer, a transfer and a consultation that had not been
    answered are in no Stasis app yet (no dialplan to read), so reconcile
    tells them by the ids Hotline gave them; a stranger's channel is left."""
    ringing = ["hl-agent-1001-1796650000-1", "hl-xfer-2-1796650000", "hl-cons-3-1796650000"]
    cold.channels = [
        {"id": channel_id, "name": "PJSIP/1001-00000001", "state": "Ringing", "dialplan": {}}
        for channel_id in [*ringing, "someone-elses"]
    ]
    await call_center.start()
    try:
        await _eventually(lambda: call_center.ari_connected)
        hung_up = [r.path for r in ari.requests if r.method == "DELETE"]
        assert [f"/channels/{c}" for c in ringing] == [
            p for p in hung_up if p.startswith("/channels/")
        ]
    finally:
        await call_center.stop()
