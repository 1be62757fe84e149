"""A queue deleted in the database leaves the running ACD on the next
``reload_config()`` (what the admin UI calls after every change, and SIGHUP).

Runs the real CallCenter on the seeded database against the in-process ARI
stand-in; calls through a real Asterisk are the integration tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ari_apps.acd.exits import QueueExit
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import FakeAriServer
from hotline import calls
from hotline.models import Agent, Queue, QueueMember, Tenant
from hotline.settings import Settings
from hotline.writer import WRITER
from tests.unit.test_acd_helpers import ExitsHeard


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
    on_exit = ExitsHeard()

    ari.respond("GET", "/bridges/hl-q-c1", status=404, body={"message": "Bridge not found"})
    # Every caller comes from a flow that opened their call record.
    await calls.open_record(
        "c1", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    await center.acd.enqueue("c1", "c1", "billing", 0, "5550100", on_exit=on_exit)
    assert center.acd.acd.call_state("c1") == "waiting"  # no phone registered here

    await delete_billing()
    await center.reload_config()

    await on_exit.first()
    assert on_exit.told == [QueueExit("c1", "overflow")]  # the queue node's on_overflow
    assert center.acd.acd.call_state("c1") is None
    assert "billing" not in center.queue_names()
