"""The agent desk in a real Chromium pops a real call before the phone is answered.

A probe caller dials DID 8000, keys an account number into the flow, and
waits in queue "support".  Agent 1001's SIP phone rings without answering;
the desk, open for the demo user agent1001, shows the caller's number and
the digits they keyed while it rings, then follows the answer, without a
reload.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from ari_apps.ivr.demo import MAIN_MENU, MAIN_MENU_NAME
from tests.integration.conftest import Api, ensure_registered
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

ACCOUNT = "778899"


def _flow_keying_an_account() -> dict[str, Any]:
    """The caller keys an account number, then waits in the demo queue."""
    nodes = copy.deepcopy(MAIN_MENU["nodes"])
    flow: dict[str, Any] = {
        "start": "account",
        "nodes": {"support_queue": nodes["support_queue"], "goodbye": nodes["goodbye"]},
    }
    flow["nodes"]["account"] = {
        "kind": "collect",
        "label": "Account number",
        "variable": "account",
        "prompt": ["sound:vm-enter-num-to-call"],
        "min_length": 6,
        "max_length": 6,
        "next": "support_queue",
    }
    return flow


async def _publish(api: Api, definition: dict[str, Any]) -> None:
    flows = await api.get("/flows")
    flow_id = next(flow["id"] for flow in flows if flow["name"] == MAIN_MENU_NAME)
    await api.put(f"/flows/{flow_id}/draft", definition)
    await api.post(f"/flows/{flow_id}/publish")


@pytest.fixture
async def ringing_only(api: Api, agents_ready: dict[str, SipPhone]) -> AsyncIterator[SipPhone]:
    """Agent 1001's phone rings without answering; 1002 is paused."""
    phone = agents_ready["1001"]
    await api.post("/agents/1002/pause", {"reason": "other"})
    phone.stop()
    phone.auto_answer = False
    phone.start()
    try:
        await ensure_registered(api, {"1001": phone})
        yield phone
    finally:
        phone.stop()
        phone.auto_answer = True
        phone.start()
        await ensure_registered(api, {"1001": phone})
        await api.post("/agents/1002/ready")


async def _sign_in_as_agent(page: Page, env: dict[str, str]) -> None:
    web = env["HOTLINE_WEB_URL"]
    await page.goto(web + "/login")
    await page.fill("input[name=username]", "agent1001")
    await page.fill("input[name=password]", env["HOTLINE_DEMO_USER_PASSWORD"])
    await page.click("button[type=submit]")
    await page.wait_for_url(web + "/")


async def test_given_the_desk_open_when_a_call_rings_then_it_pops_before_the_answer(
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    ringing_only: SipPhone,
    clean_pbx: None,
) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _publish(api, _flow_keying_an_account())
    try:
        await _sign_in_as_agent(page, hotline_env)
        await page.goto(hotline_env["HOTLINE_WEB_URL"] + "/desk")
        await page.wait_for_selector("[data-testid=desk-state][data-state=ready]")
        assert (await page.inner_text("[data-testid=desk-extension]")).strip() == "1001"

        caller = await harness.call("8000", caller_id="5550177")
        await caller.press(ACCOUNT)
        call_id = f"{caller.channel_id};2"
        # The pop arrives while the phone rings (pushed; the page is not reloaded).
        await page.wait_for_selector(
            f"[data-testid=screen-pop][data-stage=ringing][data-call-id='{call_id}']",
            timeout=20_000,
        )
        assert (await api.get("/agents/1001"))["state"] == "ringing", "answered too early"
        assert (await page.inner_text("[data-testid=pop-caller]")).strip() == "5550177"
        assert (await page.inner_text("[data-testid=pop-var-account]")).strip() == ACCOUNT
        assert (await page.inner_text("[data-testid=pop-dialed]")).strip() == "8000"
        assert (await page.inner_text("[data-testid=pop-queue]")).strip() == "support"

        await ringing_only.command("accept")
        await page.wait_for_selector(
            f"[data-testid=screen-pop][data-stage=on_call][data-call-id='{call_id}']",
            timeout=15_000,
        )
        await caller.hangup()

        async def no_call() -> bool:
            return bool(await page.locator("[data-testid=desk-no-call]").count())

        await wait_until(no_call, 15, "the desk to clear the call after the hang-up")
        assert errors == []
    finally:
        await page.close()
        await _publish(api, MAIN_MENU)
