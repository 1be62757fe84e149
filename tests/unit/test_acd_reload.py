"""A queue deleted in the database leaves the running ACD on the next
``reload_config()`` (what the admin UI calls after every change, and SIGHUP).

Runs the real CallCenter on the seeded database against the in-process ARI
stand-in; calls through a real Asterisk are the integration tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ari_apps.acd.exits import QueueExit
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import CannedResponse, FakeAriServer, RecordedRequest
from hotline import calls
from hotline.models import Agent, Queue, QueueMember, Tenant
from hotline.settings import Settings
from hotline.writer import WRITER


@pytest.fixture
async def center(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    tenant = await Tenant.first()
    billing = await Queue.create(tenant=tenant, name="billing")
    await QueueMember.create(queue=billing, agent=await Agent.get(extension="1001"))
    await call_center.reload_config()
    yield call_center
    await WRITER.flush()


async def delete_billing() -> None:
    """What ari_apps.acd.queue_removal.delete_queue does to the database."""
    billing = await Queue.get(name="billing")
    await QueueMember.filter(queue=billing).delete()
    await billing.delete()


async def test_given_queue_deleted_when_config_reloaded_then_it_leaves_the_live_acd(
    center: CallCenter,
) -> None:
    assert "billing" in center.queue_names()
    status = center.agent_status("1001")
    assert status is not None and "billing" in status["queues"]

    await delete_billing()
    await center.reload_config()

    assert center.queue_names() == ["support"]
    assert center.queue_status("billing") is None
    status = center.agent_status("1001")
    assert status is not None and status["queues"] == ["support"]


async def test_given_caller_waiting_when_their_queue_is_deleted_then_their_flow_gets_them_back(
    ari: FakeAriServer, center: CallCenter
) -> None:
    # The web refuses such a deletion; this is a caller who arrived meanwhile.
    told: list[QueueExit] = []
    heard = asyncio.Event()

    async def on_exit(queue_exit: QueueExit) -> None:
        told.append(queue_exit)
        heard.set()

    ari.respond("GET", "/bridges/hl-q-c1", status=404, body={"message": "Bridge not found"})
    # Every caller comes from a flow that opened their call record.
    await calls.open_record(
        "c1", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    await center.acd.enqueue("c1", "c1", "billing", 0, "5550100", on_exit=on_exit)
    assert center.acd.acd.call_state("c1") == "waiting"  # no phone registered here

    await delete_billing()
    await center.reload_config()

    await asyncio.wait_for(heard.wait(), 3.0)
    assert told == [QueueExit("c1", "overflow")]  # the queue node's on_overflow
    assert center.acd.acd.call_state("c1") is None
    assert "billing" not in center.queue_names()


async def test_given_the_callers_old_bridge_still_leaving_when_queued_again_then_it_is_made_anew(
    ari: FakeAriServer, center: CallCenter
) -> None:
    # Seen in CI on a transfer nobody took: the requeue's DELETE of the
    # caller's bridge was answered, its POST of the same id got 409, and a
    # GET a moment later 404: Asterisk was still tearing the old one down.
    posts = 0

    def still_leaving(request: RecordedRequest) -> CannedResponse | None:
        nonlocal posts
        if request.method == "POST" and request.path == "/bridges":
            posts += 1
            if posts == 1:
                return CannedResponse(409, {"message": "Bridge with id already exists"})
            return CannedResponse(200, {"id": "hl-q-c2"})
        if request.method == "GET" and request.path == "/bridges/hl-q-c2":
            return CannedResponse(404, {"message": "Bridge not found"})
        return None

    ari.responder = still_leaving
    await calls.open_record(
        "c2", did="8000", caller_id="5550102", tenant_id=None, flow_version_id=None
    )
    await center.acd.enqueue("c2", "c2", "billing", 0, "5550102")
    assert posts == 2
    assert center.acd.acd.call_state("c2") == "waiting"
    added = [r for r in ari.requests if r.path == "/bridges/hl-q-c2/addChannel"]
    assert [r.query.get("channel") for r in added] == ["c2"]
