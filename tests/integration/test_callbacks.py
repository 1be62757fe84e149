"""Callbacks on real calls: the agent's phone rings first, then the caller's
number through ``[to-pstn]``; both are bridged and hear each other.

The "PSTN" here is test-only dialplan in ``[to-pstn]``: one number answers
into the test's own ARI application (the harness records what that caller
hears and can play to them), one rings a moment and is busy.  Agent 1001's
SIP phone answers and sends a steady 440 Hz tone.
"""

from __future__ import annotations

import asyncio
import urllib.error
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Browser

from tests.integration.conftest import Api
from tests.integration.harness import TEST_APP, AriHarness, SimCaller
from tests.integration.pbx_config import extra_config
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_call_control import agent_heard

pytestmark = pytest.mark.asterisk

ANSWERS = "5550777"
BUSY = "5550778"
PSTN_DIALPLAN = f"""
; Test-only numbers "out there" (test_callbacks.py).
[to-pstn]
exten => {ANSWERS},1,Answer()
 same => n,Stasis({TEST_APP},pstn,{ANSWERS})
 same => n,Hangup()
exten => {BUSY},1,Ringing()
 same => n,Wait(1)
 same => n,Busy(5)
"""


@pytest.fixture
async def pstn(hotline_env: dict[str, str]) -> AsyncIterator[None]:
    async with extra_config(dialplan=PSTN_DIALPLAN):
        yield


@pytest.fixture
async def only_1001(api: Api, agents_ready: dict[str, SipPhone]) -> AsyncIterator[None]:
    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        yield
    finally:
        await api.post("/agents/1002/ready")


def _far_ends(harness: AriHarness, number: str) -> set[str]:
    """Channels [to-pstn] answered for ``number`` into the test app so far."""
    return {
        channel_id
        for channel_id, events in list(harness.events.items())
        for event in events
        if event.type == "StasisStart" and list(event.args) == ["pstn", number]
    }


async def _answered_out_there(harness: AriHarness, number: str, before: set[str]) -> SimCaller:
    """The far end's channel once [to-pstn] answered a new call to ``number``."""

    async def answered() -> bool:
        return bool(_far_ends(harness, number) - before)

    await wait_until(answered, 30, f"{number} to be rung and answer")
    (channel_id,) = _far_ends(harness, number) - before
    return SimCaller(harness, channel_id, number, "")


async def _callback(api: Api, callback_id: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = await api.get("/callbacks?agent=1001")
    return next(row for row in rows if row["id"] == callback_id)


async def test_given_a_scheduled_callback_when_placed_then_agent_then_caller_and_they_talk(
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    pstn: None,
    only_1001: None,
    clean_pbx: None,
) -> None:
    scheduled = await api.post(
        "/callbacks", {"number": ANSWERS, "agent": "1001", "notes": "meter reading"}
    )
    assert scheduled["state"] == "scheduled"
    # The agent's desk, open all along, follows the callback live.
    web = hotline_env["HOTLINE_WEB_URL"]
    desk = await browser.new_page()
    await desk.goto(web + "/login")
    await desk.fill("input[name=username]", "agent1001")
    await desk.fill("input[name=password]", hotline_env["HOTLINE_DEMO_USER_PASSWORD"])
    await desk.click("button[type=submit]")
    await desk.wait_for_url(web + "/")
    await desk.goto(web + "/desk")
    await desk.wait_for_selector(
        f"[data-testid=desk-callback][data-callback-id='{scheduled['id']}']"
    )
    before = _far_ends(harness, ANSWERS)
    placed = await api.post(f"/callbacks/{scheduled['id']}/place")
    assert placed["state"] == "ringing_agent"
    customer = await _answered_out_there(harness, ANSWERS, before)

    async def connected() -> bool:
        return bool((await _callback(api, scheduled["id"]))["state"] == "connected")

    await wait_until(connected, 15, "the callback to connect")
    await desk.wait_for_selector(
        "[data-testid=desk-active-callback][data-state=connected]", timeout=5_000
    )
    assert "meter reading" in await desk.inner_text("[data-testid=desk-active-callback]")
    await desk.close()
    # Not offered queue calls meanwhile: not ready, and says why.
    status = await api.get("/agents/1001")
    assert (status["state"], status["reason"]) == ("not_ready", "callback")
    # The caller hears the agent's phone (its 440 Hz tone) through the bridge.
    assert agent_heard(await customer.listen(1.5)) > 0.7
    await customer.hangup()

    async def done() -> bool:
        return bool((await _callback(api, scheduled["id"]))["state"] == "done")

    await wait_until(done, 15, "the callback to be done")
    assert (await api.get("/agents/1001"))["state"] in ("ready", "wrap_up")

    async def ready() -> bool:
        return bool((await api.get("/agents/1001"))["state"] == "ready")

    await wait_until(ready, 15, "1001 to be ready again")
    row = await _callback(api, scheduled["id"])
    assert (row["attempts"], row["last_result"]) == (0, "completed")


async def test_given_a_busy_number_then_the_callback_waits_for_a_retry_and_the_agent_is_free(
    api: Api, harness: AriHarness, pstn: None, only_1001: None, clean_pbx: None
) -> None:
    scheduled = await api.post("/callbacks", {"number": BUSY, "agent": "1001"})
    first_due = datetime.fromisoformat(scheduled["due_at"])
    await api.post(f"/callbacks/{scheduled['id']}/place")

    async def retried() -> bool:
        row = await _callback(api, scheduled["id"])
        return bool(row["state"] == "scheduled" and row["attempts"] == 1)

    await wait_until(retried, 30, "the busy callback to be scheduled again")
    row = await _callback(api, scheduled["id"])
    assert row["last_result"] == "customer_not_reached"
    assert (datetime.fromisoformat(row["due_at"]) - first_due).total_seconds() >= 9 * 60

    async def ready() -> bool:
        return bool((await api.get("/agents/1001"))["state"] == "ready")

    await wait_until(ready, 15, "1001 to be ready again")
    # Cancelled, it is never placed again.
    assert (await api.post(f"/callbacks/{scheduled['id']}/cancel"))["state"] == "cancelled"
    with pytest.raises(urllib.error.HTTPError) as refused:
        await api.post(f"/callbacks/{scheduled['id']}/place")
    assert refused.value.code == 400 and b"cancelled" in refused.value.read()


async def test_given_an_abandoned_call_then_the_wallboard_calls_it_back_from_a_chosen_agent(
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    pstn: None,
    agents_ready: dict[str, SipPhone],
    clean_pbx: None,
) -> None:
    # An abandoned call from ANSWERS: nobody is ready, the caller gives up.
    await api.post("/agents/1001/pause", {"reason": "other"})
    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        caller = await harness.call("8000", caller_id=ANSWERS)
        await caller.press("1")
        await asyncio.sleep(2)
        await caller.hangup()
        abandoned_id = f"{caller.channel_id};2"
    finally:
        await api.post("/agents/1001/ready")
        await api.post("/agents/1002/ready")

    web = hotline_env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    try:
        await page.goto(web + "/login")
        await page.fill("input[name=username]", "supervisor")
        await page.fill("input[name=password]", hotline_env["HOTLINE_DEMO_USER_PASSWORD"])
        await page.click("button[type=submit]")
        await page.wait_for_url(web + "/")

        async def listed() -> bool:
            await page.goto(web + "/wallboard")
            options = await page.eval_on_selector_all(
                "[data-testid=wallboard-callback-call] option", "(os) => os.map((o) => o.value)"
            )
            return abandoned_id in options

        await wait_until(listed, 15, "the abandoned call on the wallboard")
        await page.select_option("[data-testid=wallboard-callback-call]", abandoned_id)
        await page.select_option("[data-testid=wallboard-callback-agent]", "1001")
        before = _far_ends(harness, ANSWERS)
        await page.click("[data-testid=wallboard-callback-submit]")
        await page.wait_for_selector("[data-testid=wallboard-callback-done]", timeout=10_000)
        customer = await _answered_out_there(harness, ANSWERS, before)
        assert agent_heard(await customer.listen(1.5)) > 0.7
        await customer.hangup()
    finally:
        await page.close()
    rows = await api.get("/callbacks?agent=1001")
    mine = [row for row in rows if row["call_id"] == abandoned_id]
    assert len(mine) == 1 and mine[0]["number"] == ANSWERS and mine[0]["queue"] == "support"

    async def done() -> bool:
        row = next(r for r in await api.get("/callbacks?agent=1001") if r["id"] == mine[0]["id"])
        return bool(row["state"] == "done")

    await wait_until(done, 15, "the wallboard's callback to be done")
