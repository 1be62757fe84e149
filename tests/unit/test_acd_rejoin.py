"""After a restart, an adopted call whose agent had it on hold (or was
consulting) brings the agent back to the caller; if Asterisk refuses, the
call stays on hold where the desk's Resume can try again.

Runs the real CallCenter on the seeded database against the in-process ARI
stand-in: this pins which ARI requests are made, not Asterisk's behaviour
(tests/integration/test_call_control.py restarts Hotline on real calls).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from ari_apps.acd import CallRestored
from ari_apps.acd.live import AgentLeg, QueuedCall
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import FakeAriServer
from hotline import calls
from hotline.models import CallEvent
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


async def test_given_the_agent_in_the_calls_bridge_then_nothing_is_asked_of_asterisk(
    ari: FakeAriServer, center: CallCenter
) -> None:
    queued, leg = await _adopted(center, "r1")
    before = len(ari.requests)
    await center.acd.control.rejoin_after_restart(queued, leg, "hl-q-r1")
    assert len(ari.requests) == before
    assert not center.acd.control.is_held("1001")


async def test_given_the_agent_was_consulting_then_the_consult_bridge_goes_and_they_rejoin(
    ari: FakeAriServer, center: CallCenter
) -> None:
    queued, leg = await _adopted(center, "r2")
    before = len(ari.requests)
    await center.acd.control.rejoin_after_restart(queued, leg, "hl-cb-1-1796650000")
    assert _requests(ari)[before:] == [
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
    queued, leg = await _adopted(center, "r3")
    before = len(ari.requests)
    await center.acd.control.rejoin_after_restart(queued, leg, "someone-elses")
    assert _requests(ari)[before] == ("POST", "/bridges/someone-elses/removeChannel")
    assert ("POST", "/bridges/hl-q-r3/addChannel") in _requests(ari)[before:]


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
