"""A caller going back to a queue after a transfer: their queue bridge is
kept when they are still in it, made again with care when not (a bridge of
the same id can still be leaving Asterisk), and a requeue Asterisk refuses
hands them back to their flow instead of leaving them in silence.

Runs the real CallCenter on the seeded database against the in-process ARI
stand-in: this pins which ARI requests are made, not Asterisk's behaviour
(tests/integration/test_call_control.py transfers real calls).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from ari_apps.acd import CallRestored
from ari_apps.acd.exits import QueueExit
from ari_apps.acd.live import AgentLeg, QueuedCall
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import CannedResponse, FakeAriServer, RecordedRequest
from hotline import calls
from hotline.models import CallEvent
from hotline.settings import Settings
from hotline.writer import WRITER
from tests.unit.test_acd_helpers import ExitsHeard


@pytest.fixture
async def center(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    await call_center.reload_config()  # the demo's queue "support", agents 1001 and 1002
    yield call_center
    await WRITER.flush()


async def _open(call_id: str, caller_id: str) -> None:
    # Every caller comes from a flow that opened their call record.
    await calls.open_record(
        call_id, did="8000", caller_id=caller_id, tenant_id=None, flow_version_id=None
    )


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
    await _open("c2", "5550102")
    await center.acd.enqueue("c2", "c2", "support", 0, "5550102")
    assert posts == 2
    assert center.acd.acd.call_state("c2") == "waiting"
    added = [r for r in ari.requests if r.path == "/bridges/hl-q-c2/addChannel"]
    assert [r.query.get("channel") for r in added] == ["c2"]


async def test_given_the_old_bridge_still_answering_get_when_queued_again_then_it_is_tried_anew(
    ari: FakeAriServer, center: CallCenter
) -> None:
    # Seen in CI on a transfer nobody took: the POST of the caller's bridge
    # was refused, a GET still found the old one's snapshot, and the
    # addChannel got 409 "Bridge not in Stasis application".
    adds = 0

    def still_leaving(request: RecordedRequest) -> CannedResponse | None:
        nonlocal adds
        if request.method == "POST" and request.path == "/bridges/hl-q-c3/addChannel":
            adds += 1
            if adds == 1:
                return CannedResponse(409, {"message": "Bridge not in Stasis application"})
        return None

    ari.responder = still_leaving
    await _open("c3", "5550103")
    await center.acd.enqueue("c3", "c3", "support", 0, "5550103")
    assert adds == 2
    assert center.acd.acd.call_state("c3") == "waiting"
    assert not [r for r in ari.requests if r.method == "DELETE"]


async def test_given_the_caller_still_in_their_queue_bridge_when_requeued_then_it_is_kept(
    ari: FakeAriServer, center: CallCenter
) -> None:
    await _open("c4", "5550104")
    await center.acd.enqueue("c4", "c4", "support", 0, "5550104", caller_in_bridge=True)
    assert center.acd.acd.call_state("c4") == "waiting"
    # Neither made again nor joined again.
    made_or_joined = [
        (r.method, r.path)
        for r in ari.requests
        if r.path in ("/bridges", "/bridges/hl-q-c4", "/bridges/hl-q-c4/addChannel")
    ]
    assert made_or_joined == []


class FlowThatCannotStart:
    """The flow port's answer for a caller gone by the time their flow would
    start (``FlowHandOff.run`` returns False then)."""

    async def check(self, queue: str, flow: str) -> None:
        return None

    async def run(self, call_id: str, channel_id: str, queue: str, flow: str) -> bool:
        return False


async def test_given_asterisk_refuses_the_requeue_then_the_caller_goes_back_to_their_flow(
    ari: FakeAriServer, center: CallCenter
) -> None:
    on_exit = ExitsHeard()

    # 1001 talks with c6 (set up as a restart's reconcile adopts a call).
    await _open("c6", "5550106")
    queued = QueuedCall("c6", "c6", "support", "hl-q-c6", "5550106", on_exit=on_exit)
    leg = AgentLeg("leg-c6", "c6", "1001", "1001", "support", answered=True)
    queued.connected_leg = leg
    center.acd.adopt_caller(queued)
    center.acd.track_leg(leg)
    await center.acd.handle(CallRestored(time.time(), "c6", "1001", "support", time.time()))
    # The caller hangs up as they are transferred to a flow: the flow cannot
    # take them, and the requeue's bridge (made again: they left it for the
    # flow) cannot either.
    center.acd.control.flows = FlowThatCannotStart()
    ari.respond(
        "POST",
        "/bridges/hl-q-c6/addChannel",
        status=422,
        body={"message": "Channel not in Stasis application"},
    )

    result = await center.call_action("1001", "transfer", "flow:Post-call survey")

    assert result["target"] == "flow:Post-call survey"  # the agent's part is done: no error
    await on_exit.first()
    assert on_exit.told == [QueueExit("c6", "overflow")]
    assert "c6" not in center.acd.calls and center.acd.acd.call_state("c6") is None
    # Neither the old bridge nor the one made for the requeue is left behind.
    deleted = [
        r.path for r in ari.requests if r.method == "DELETE" and r.path == "/bridges/hl-q-c6"
    ]
    assert len(deleted) >= 2
    await WRITER.flush()
    kinds = [e.kind for e in await CallEvent.filter(call_id="c6").order_by("id")]
    assert kinds[-3:] == ["transferred", "transfer_failed", "requeue_failed"]
