"""Virtual hold on real calls: a queued caller presses *, confirms their
number and hangs up; a later live caller queues behind their place; when an
agent is free Hotline calls the first caller back through the simulated
PSTN, they press 1, and agent 1001's SIP phone answers them, once, while the
later caller still waits.

The first caller's number ends in 9, so the simulated PSTN rings the test's
ARI application ``pstn`` with it (README, "The simulated PSTN"): the test
is the callee, presses 1 and hears the agent's phone (a steady 440 Hz).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from ari_apps.ivr.demo import MAIN_MENU_NAME
from hotline.settings import REPO_ROOT, read_env_file
from tests.integration.conftest import Api, hotline_cli
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_call_control import agent_heard

pytestmark = pytest.mark.asterisk

CALLBACK_NUMBER = "5550142009"  # last digit 9: rings application "pstn"
LATER_CALLER = "5550100301"
QUEUE = "support"
VIRTUAL_HOLD_FLOW: dict[str, Any] = {
    "start": "support_queue",
    "nodes": {
        "support_queue": {
            "kind": "queue",
            "queue": QUEUE,
            "callback": True,
            "on_overflow": "goodbye",
        },
        "goodbye": {"kind": "hangup", "media": ["sound:vm-goodbye"]},
    },
}


@pytest.fixture
async def virtual_hold_flow(api: Api) -> AsyncIterator[None]:
    """The main number's flow: straight into the queue, with virtual hold."""
    flows = await api.get("/flows")
    flow_id = next(flow["id"] for flow in flows if flow["name"] == MAIN_MENU_NAME)
    before = await api.get(f"/flows/{flow_id}")
    await api.put(f"/flows/{flow_id}/draft", VIRTUAL_HOLD_FLOW)
    await api.post(f"/flows/{flow_id}/publish")
    try:
        yield
    finally:
        await api.put(f"/flows/{flow_id}/draft", before["draft"])
        await api.post(f"/flows/{flow_id}/publish")


@pytest.fixture
async def agents_paused(api: Api, agents_ready: dict[str, SipPhone]) -> AsyncIterator[None]:
    for extension in ("1001", "1002"):
        await api.post(f"/agents/{extension}/pause", {"reason": "other"})
    try:
        yield
    finally:
        for extension in ("1001", "1002"):
            await api.post(f"/agents/{extension}/ready")


async def _queue_callbacks(api: Api, after_id: int = 0) -> list[dict[str, Any]]:
    """This number's queue callbacks made since ``after_id`` (a database kept
    from an earlier run has older ones)."""
    rows: list[dict[str, Any]] = await api.get("/callbacks")
    return [
        row
        for row in rows
        if row["kind"] == "queue" and row["number"] == CALLBACK_NUMBER and row["id"] > after_id
    ]


async def _call_state(harness: AriHarness, api: Api, caller: SimCaller) -> str | None:
    calls: list[dict[str, Any]] = await api.get("/calls/live")
    call_id = f"{caller.channel_id};2"
    return next((str(c.get("stage")) for c in calls if c["call_id"] == call_id), None)


def _rung(pstn_app: AriHarness) -> list[str]:
    return [
        channel_id
        for channel_id, events in list(pstn_app.events.items())
        for event in events
        if event.type == "StasisStart" and list(event.args) == [CALLBACK_NUMBER]
    ]


async def _ask_for_a_callback(
    harness: AriHarness, api: Api, before: int
) -> tuple[SimCaller, datetime]:
    """A caller queues, presses * and confirms their number with 1; the
    request is stored.  Returns the caller and when they began to wait."""
    caller = await harness.call("8000", caller_id=CALLBACK_NUMBER)

    async def queued() -> bool:
        return await _call_state(harness, api, caller) == "queue"

    await wait_until(queued, 15, "the caller to wait in the queue")
    waited_from = datetime.now().astimezone()
    # "*": out of the queue; the caller ID is read back, 1 confirms it.
    await caller.press("*")
    await asyncio.sleep(1.5)  # the read-back has begun; 1 cuts it short
    await caller.press("1")

    async def requested() -> bool:
        return bool(await _queue_callbacks(api, before))

    await wait_until(requested, 20, "the callback request to be stored")
    return caller, waited_from


async def test_given_a_callback_chosen_in_a_queue_then_it_keeps_its_place_and_connects_once(
    harness: AriHarness,
    api: Api,
    pstn_app: AriHarness,
    virtual_hold_flow: None,
    agents_paused: None,
    clean_pbx: None,
) -> None:
    before = max((row["id"] for row in await api.get("/callbacks")), default=0)
    first, waited_from = await _ask_for_a_callback(harness, api, before)
    (request,) = await _queue_callbacks(api, before)
    assert request["state"] == "scheduled" and request["queue"] == QUEUE
    # The place is the first arrival, not the moment of the request.
    assert datetime.fromisoformat(request["place_since"]) <= waited_from
    # Thanked, then hung up by the flow.
    await harness.wait_event(first.channel_id, "ChannelDestroyed", 20)

    # A later live caller queues behind the place kept.
    later = await harness.call("8000", caller_id=LATER_CALLER)

    async def later_queued() -> bool:
        return await _call_state(harness, api, later) == "queue"

    await wait_until(later_queued, 15, "the later caller to wait in the queue")

    # An agent is free: the place is first, so its caller is rung back.
    await api.post("/agents/1001/ready")

    async def rung_back() -> bool:
        return bool(_rung(pstn_app))

    await wait_until(rung_back, 20, "the first caller's phone to ring")
    agent = await api.get("/agents/1001")
    assert agent["state"] == "ringing"  # reserved for the place, its phone silent
    assert str(agent["offered_call_id"]).startswith("hl-qcb-")
    (callee_id,) = _rung(pstn_app)
    await pstn_app.ari.answer(callee_id)
    callee = SimCaller(pstn_app, callee_id, CALLBACK_NUMBER, "")
    await asyncio.sleep(1.0)  # "press 1 to be connected" has begun
    await callee.press("1")

    async def connected() -> bool:
        status = await api.get("/agents/1001")
        return str(status.get("connected_call_id") or "").startswith("hl-qcb-")

    await wait_until(connected, 25, "agent 1001 to answer the callback")
    heard = await callee.listen(2.0)
    assert agent_heard(heard) > 0.5, "the called-back caller should hear the agent"
    # The later caller still waits: the place came first.
    assert await _call_state(harness, api, later) == "queue"

    async def row_connected() -> bool:
        (row,) = await _queue_callbacks(api, before)
        return bool(row["state"] == "connected")

    await wait_until(row_connected, 10, "the callback to be marked connected")
    (row,) = await _queue_callbacks(api, before)
    assert row["agent"] == "1001" and row["connected_at"]
    # Delivered once: one call back, and no second one while they talk.
    assert len(_rung(pstn_app)) == 1

    await callee.hangup()

    async def done() -> bool:
        (row,) = await _queue_callbacks(api, before)
        return bool(row["state"] == "done")

    await wait_until(done, 15, "the callback to be done")
    assert len(_rung(pstn_app)) == 1
    await later.hangup()


async def test_given_a_kept_place_when_hotline_is_killed_then_the_new_one_calls_back_once(
    harness: AriHarness,
    api: Api,
    pstn_app: AriHarness,
    virtual_hold_flow: None,
    agents_paused: None,
    clean_pbx: None,
) -> None:
    before = max((row["id"] for row in await api.get("/callbacks")), default=0)
    caller, _ = await _ask_for_a_callback(harness, api, before)
    await harness.wait_event(caller.channel_id, "ChannelDestroyed", 20)

    # kill -9: nothing runs down; the new Hotline has only the database.
    env = read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")
    os.kill(int(env["HOTLINE_PID"]), signal.SIGKILL)
    await asyncio.sleep(1)
    hotline_cli("up")
    (kept,) = await _queue_callbacks(api, before)
    assert kept["state"] == "scheduled"

    await api.post("/agents/1001/ready")

    async def rung_back() -> bool:
        return bool(_rung(pstn_app))

    await wait_until(rung_back, 30, "the caller's phone to ring after the restart")
    (callee_id,) = _rung(pstn_app)
    await pstn_app.ari.answer(callee_id)
    callee = SimCaller(pstn_app, callee_id, CALLBACK_NUMBER, "")
    await asyncio.sleep(1.0)
    await callee.press("1")

    async def connected() -> bool:
        status = await api.get("/agents/1001")
        return str(status.get("connected_call_id") or "").startswith("hl-qcb-")

    await wait_until(connected, 25, "agent 1001 to answer the callback")
    assert agent_heard(await callee.listen(2.0)) > 0.5
    await callee.hangup()

    async def done() -> bool:
        (row,) = await _queue_callbacks(api, before)
        return bool(row["state"] == "done")

    await wait_until(done, 15, "the callback to be done")
    # Once: one request, one call back.
    assert len(await _queue_callbacks(api, before)) == 1
    assert len(_rung(pstn_app)) == 1
