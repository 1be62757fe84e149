"""After a restart: an adopted call whose agent had it on hold (or was
consulting) brings the agent back to the caller, and if Asterisk refuses,
the call stays on hold where the desk's Resume can try again; a transfer
found talking is followed again, and one cut while it rang puts the caller
back in their queue ahead of the others.

Runs the real CallCenter on the seeded database against the in-process ARI
stand-in: this pins which ARI requests are made, not Asterisk's behaviour
(tests/integration/test_call_control.py restarts Hotline on real calls).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from ari_apps.acd import CallRestored
from ari_apps.acd.call_control import FALLBACK_PRIORITY
from ari_apps.acd.live import AgentLeg, QueuedCall
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import FakeAriServer
from hotline import calls
from hotline.models import CallEvent, CallRecord, WaitingCaller
from hotline.settings import Settings
from hotline.writer import WRITER


@pytest.fixture
async def center(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    await call_center.reload_config()  # the demo's queue "support", agents 1001 and 1002
    yield call_center
    await WRITER.flush()


async def _adopted(center: CallCenter, call_id: str) -> tuple[QueuedCall, AgentLeg]:
    """1001 talks with ``call_id``, set up as a restart's reconcile adopts a call."""
    await calls.open_record(
        call_id, did="8000", caller_id="5550110", tenant_id=None, flow_version_id=None
    )
    queued = QueuedCall(call_id, call_id, "support", f"hl-q-{call_id}", "5550110")
    leg = AgentLeg(f"leg-{call_id}", call_id, "1001", "1001", "support", answered=True)
    queued.connected_leg = leg
    center.acd.adopt_caller(queued)
    center.acd.track_leg(leg)
    await center.acd.handle(CallRestored(time.time(), call_id, "1001", "support", time.time()))
    return queued, leg


def _requests(ari: FakeAriServer) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in ari.requests]


async def _rejoin_asks(
    ari: FakeAriServer, center: CallCenter, call_id: str, leg_bridge_id: str | None
) -> list[tuple[str, str]]:
    """What the rejoin of an adopted call asks of Asterisk, in order."""
    queued, leg = await _adopted(center, call_id)
    before = len(ari.requests)
    await center.acd.control.rejoin_after_restart(queued, leg, leg_bridge_id)
    return _requests(ari)[before:]


async def test_given_the_agent_in_the_calls_bridge_then_nothing_is_asked_of_asterisk(
    ari: FakeAriServer, center: CallCenter
) -> None:
    asked = await _rejoin_asks(ari, center, "r1", "hl-q-r1")
    assert asked == []
    assert not center.acd.control.is_held("1001")


async def test_given_the_agent_was_consulting_then_the_consult_bridge_goes_and_they_rejoin(
    ari: FakeAriServer, center: CallCenter
) -> None:
    asked = await _rejoin_asks(ari, center, "r2", "hl-cb-1-1796650000")
    assert asked == [
        ("DELETE", "/bridges/hl-cb-1-1796650000"),
        ("DELETE", "/bridges/hl-q-r2/moh"),
        ("POST", "/bridges/hl-q-r2/addChannel"),
    ]
    assert not center.acd.control.is_held("1001")
    await WRITER.flush()
    assert [e.kind for e in await CallEvent.filter(call_id="r2")][-1] == "resumed"


async def test_given_the_agent_in_a_bridge_not_ours_then_they_are_taken_out_of_it(
    ari: FakeAriServer, center: CallCenter
) -> None:
    asked = await _rejoin_asks(ari, center, "r3", "someone-elses")
    assert asked[0] == ("POST", "/bridges/someone-elses/removeChannel")
    assert ("POST", "/bridges/hl-q-r3/addChannel") in asked


async def test_given_asterisk_refuses_the_rejoin_then_the_call_stays_on_hold(
    ari: FakeAriServer, center: CallCenter
) -> None:
    queued, leg = await _adopted(center, "r4")
    ari.respond(
        "POST",
        "/bridges/hl-q-r4/addChannel",
        status=422,
        body={"message": "Channel not in Stasis application"},
    )
    await center.acd.control.rejoin_after_restart(queued, leg, None)
    # The desk shows the call held, so the agent's Resume tries again.
    assert center.acd.control.is_held("1001")
    assert center.acd.calls["r4"].connected_leg is leg


async def test_given_the_startup_holding_the_acd_lock_then_a_cut_transfer_is_requeued_ahead(
    ari: FakeAriServer, center: CallCenter
) -> None:
    """Reconcile runs with the ACD's lock held (``locked``); queueing a caller
    from there once waited for that same lock forever."""
    await calls.open_record(
        "t1", did="8000", caller_id="5550120", tenant_id=None, flow_version_id=None
    )
    queued = QueuedCall("t1", "t1", "support", "hl-q-t1", "5550120")
    before = len(ari.requests)

    async def as_reconcile_does() -> None:
        async with center.acd.locked():
            await center.acd.requeue_cut_transfer(queued)

    await asyncio.wait_for(as_reconcile_does(), 5)
    # Still in their own bridge: it is kept, not made again.
    assert ("POST", "/bridges") not in _requests(ari)[before:]
    assert "t1" in center.acd.calls
    await WRITER.flush()
    waiting = await WaitingCaller.get(call_id="t1")
    assert waiting.priority == FALLBACK_PRIORITY and waiting.queue == "support"
    assert await CallEvent.filter(call_id="t1", kind="transfer_failed").exists()


async def test_given_an_adopted_transfer_when_the_caller_hangs_up_then_the_extension_is_hung_up(
    ari: FakeAriServer, center: CallCenter
) -> None:
    await calls.open_record(
        "t2", did="8000", caller_id="5550121", tenant_id=None, flow_version_id=None
    )
    queued = QueuedCall("t2", "t2", "support", "hl-q-t2", "5550121")
    center.acd.adopt_transferred(queued, "hl-xfer-9-1796650000", "1002")
    assert center.acd.control.holds("t2")
    before = len(ari.requests)
    await center.acd.caller_gone("t2")
    assert ("DELETE", "/channels/hl-xfer-9-1796650000") in _requests(ari)[before:]
    assert ("DELETE", "/bridges/hl-q-t2") in _requests(ari)[before:]
    assert not center.acd.control.holds("t2")
    await WRITER.flush()
    record = await CallRecord.get(call_id="t2")
    assert record.disposition == "answered" and record.ended_at is not None
