"""The wallboard in a real Chromium follows real calls, pushed by SSE.

A caller waits in queue "support" while both agents are not ready: the
board shows them waiting without a reload.  An agent gets ready, takes the
call on a real SIP phone, and the board counts it answered.  A second
caller hangs up while waiting and appears in the abandoned list with their
number.  The chart (ECharts, vendored) is drawn from the same board.
"""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Browser, Page

from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

QUEUE = "support"


async def _sign_in(page: Page, env: dict[str, str]) -> None:
    web = env["HOTLINE_WEB_URL"]
    await page.goto(web + "/login")
    await page.fill("input[name=username]", env["HOTLINE_ADMIN_USER"])
    await page.fill("input[name=password]", env["HOTLINE_ADMIN_PASSWORD"])
    await page.click("button[type=submit]")
    await page.wait_for_url(web + "/")


async def _cell(page: Page, testid: str) -> str:
    row = page.locator(f"[data-testid=wallboard-queue-{QUEUE}]")
    return (await row.locator(f"[data-testid={testid}]").inner_text()).strip()


async def _until_cell(page: Page, testid: str, expected: str, what: str) -> float:
    """Wait (no reload) for a cell to read ``expected``; returns the seconds it took."""
    started = time.monotonic()
    await page.wait_for_function(
        """([queue, testid, expected]) => {
            const row = document.querySelector(`[data-testid=wallboard-queue-${queue}]`);
            const cell = row && row.querySelector(`[data-testid=${testid}]`);
            return cell !== null && cell.textContent.trim() === expected;
        }""",
        arg=[QUEUE, testid, expected],
        timeout=20_000,
    )
    took = time.monotonic() - started
    print(f"wallboard: {what} shown {took:.2f} s after the call event")
    return took


async def test_given_the_wallboard_open_when_calls_wait_answer_and_abandon_then_it_follows(
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    agents_ready: dict[str, SipPhone],
    clean_pbx: None,
) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await _sign_in(page, hotline_env)
        await page.goto(hotline_env["HOTLINE_WEB_URL"] + "/wallboard")
        # The SSE connection delivers its first board at once.
        await page.wait_for_function(
            "() => document.querySelector('#wallboard-chart canvas') !== null", timeout=20_000
        )
        offered_before = int(await _cell(page, "wallboard-offered"))
        answered_before = int(await _cell(page, "wallboard-answered"))

        for extension in agents_ready:
            await api.post(f"/agents/{extension}/pause", {"reason": "other"})
        first = await harness.call("8000", caller_id="5550711")
        await first.press("1")
        await _until_cell(page, "wallboard-waiting", "1", "a waiting caller")
        await _until_cell(page, "wallboard-offered", str(offered_before + 1), "the offered call")

        await api.post("/agents/1001/ready")

        async def on_call() -> bool:
            return str((await api.get("/agents/1001"))["state"]) == "on_call"

        await wait_until(on_call, 20, "agent 1001 to answer on the real phone")
        await _until_cell(page, "wallboard-answered", str(answered_before + 1), "the answer")
        await _until_cell(page, "wallboard-waiting", "0", "the queue emptied")
        on_call_group = page.locator("[data-testid=wallboard-agents-on_call]")
        assert "1001" in await on_call_group.inner_text()

        # Agent 1001 is busy and 1002 still paused: the next caller waits, then gives up.
        second = await harness.call("8000", caller_id="5550712")
        await second.press("1")
        await _until_cell(page, "wallboard-waiting", "1", "the second waiting caller")
        await second.hangup()
        await _until_cell(page, "wallboard-waiting", "0", "the caller who gave up")
        abandoned = page.locator("[data-testid=wallboard-abandoned-call]").first
        await abandoned.wait_for(timeout=20_000)
        assert "5550712" in await abandoned.inner_text()
        points = await page.get_attribute("#wallboard-chart", "data-points")
        assert points is not None and int(points) >= offered_before + 2
        await first.hangup()
        assert errors == [], errors  # no CSP violation, no script error
    finally:
        await page.close()
        for extension in agents_ready:  # paused here; one in wrap-up gets ready by itself
            if (await api.get(f"/agents/{extension}"))["state"] == "not_ready":
                await api.post(f"/agents/{extension}/ready")
