"""The desk's browser phone on a real call: an agent with only Chromium.

An administrator makes agent 1005 a browser phone in /agents and a user for
it in /users.  A second Chromium, whose fake microphone is a steady 440 Hz
tone, opens the desk as that user: JsSIP registers over Asterisk's SIP
websocket, the ACD offers the queue's call to it like to any phone, the
agent answers in the page, and the media is DTLS-SRTP (the only media a
browser accepts).  The caller hears the browser's tone in a recording; the
page hears the caller's 1000 Hz tone through its Web Audio analyser.  The
agent hangs up in the page and nothing is left over.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.integration.browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_call_control import agent_heard

pytestmark = pytest.mark.asterisk

EXTENSION = "1005"
USERNAME = "agent1005"
PASSWORD = "browser-phone-agent-5"
CALLER_HZ = 1000
AGENT_HZ = 440  # the agent's fake microphone
QUIET_HZ = 2500  # what no one sends
SUPERVISOR = "super1006"
SUPERVISOR_EXTENSION = "1006"


def _tone_wav(path: Path, hz: float, seconds: float = 5.0, rate: int = 48000) -> Path:
    """A mono 16-bit WAV: Chromium loops it as its fake microphone."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return path


@pytest.fixture
async def webrtc_browser(tmp_path: Path) -> AsyncIterator[Browser]:
    """Chromium as an agent's: a microphone playing 440 Hz, no permission
    prompt, and ICE candidates on loopback, where this machine's Asterisk is."""
    microphone = _tone_wav(tmp_path / "microphone.wav", AGENT_HZ)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                f"--use-file-for-fake-audio-capture={microphone}",
                "--allow-loopback-in-peer-connection",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _sign_in(page: Page, web: str, username: str, password: str) -> None:
    await page.goto(web + "/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(web + "/")


async def _as_admin(browser: Browser, env: dict[str, str]) -> Page:
    page = await browser.new_page()
    await _sign_in(
        page, env["HOTLINE_WEB_URL"], env["HOTLINE_ADMIN_USER"], env["HOTLINE_ADMIN_PASSWORD"]
    )
    return page


async def _browser_phone_agent(page: Page, web: str, extension: str, queues: set[str]) -> None:
    """Agent ``extension`` with a browser phone in ``queues``, through /agents."""
    # A rerun finds the agent from the last run (the database stays).
    response = await page.goto(web + f"/agents/{extension}")
    if response is None or response.status == 404:
        await page.goto(web + "/agents/new")
        await page.fill("#agent-extension", extension)
    await page.fill("#agent-name", f"Browser {extension}")
    await page.select_option("#agent-phone", "browser")
    support = page.locator("[data-testid=agent-queue-support]")
    await (support.check() if "support" in queues else support.uncheck())
    async with page.expect_navigation():
        # A new agent's page shows its SIP password once; an edit comes back saved.
        await page.click("#agent-save")
    await page.goto(web + f"/agents/{extension}")
    assert await page.input_value("#agent-phone") == "browser"
    assert await support.is_checked() == ("support" in queues)


async def _user(page: Page, web: str, username: str, extension: str, group: str) -> None:
    """A user tied to ``extension``, in ``group``, through /users."""
    await page.goto(web + "/users")
    if await page.locator(f"text={username}").count():
        return
    await page.goto(web + "/users/new")
    await page.fill("#user-username", username)
    await page.fill("#user-password", PASSWORD)
    await page.fill("#user-phone-extension", extension)
    await page.locator("label.check", has_text=group).locator("input").check()
    await page.click("#user-save")
    await page.wait_for_load_state()
    await page.goto(web + "/users")
    assert await page.locator(f"text={username}").count() == 1, await page.inner_text("main")


@pytest.fixture
async def only_the_browser_agent(
    api: Api, browser: Browser, hotline_env: dict[str, str], agents_ready: dict[str, SipPhone]
) -> AsyncIterator[None]:
    """Agent 1005, a browser phone, takes queue support's calls alone."""
    web = hotline_env["HOTLINE_WEB_URL"]
    admin = await _as_admin(browser, hotline_env)
    try:
        await _browser_phone_agent(admin, web, EXTENSION, {"support"})
        await _user(admin, web, USERNAME, EXTENSION, "Agents")
    finally:
        await admin.close()
    await api.post("/agents/1001/pause", {"reason": "other"})
    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        yield
    finally:
        await api.post(f"/agents/{EXTENSION}/logout")
        # Later tests see the demo's staff only in the queue.
        admin = await _as_admin(browser, hotline_env)
        try:
            await _browser_phone_agent(admin, web, EXTENSION, set())
        finally:
            await admin.close()
        await api.post("/agents/1001/ready")
        await api.post("/agents/1002/ready")


LEVELS_JS = """async (frequencies) => {
    // What the page plays from the call: its level (dB) at each frequency.
    const audio = document.querySelector('[data-testid=phone-audio]');
    if (!audio.srcObject) { return null; }
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    context.createMediaStreamSource(audio.srcObject).connect(analyser);
    await new Promise((done) => setTimeout(done, 1500));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    const levels = {};
    for (const hz of frequencies) {
        const at = Math.round(hz * analyser.fftSize / context.sampleRate);
        levels[hz] = Math.max(bins[at - 1], bins[at], bins[at + 1]);
    }
    await context.close();
    return levels;
}"""


async def _answered_in_the_browser(
    page: Page, web: str, api: Api, harness: AriHarness, number: str
) -> SimCaller:
    """Agent 1005 opens the desk, its browser phone registers, and it answers
    a queue call in the page."""
    await _sign_in(page, web, USERNAME, PASSWORD)
    await page.goto(web + "/desk")
    await page.wait_for_selector(
        "[data-testid=phone-status][data-state=registered]", timeout=20_000
    )

    async def registered() -> bool:
        return bool((await api.get(f"/agents/{EXTENSION}")).get("registered"))

    await wait_until(registered, 15, f"the ACD to see {EXTENSION} registered")
    await api.post(f"/agents/{EXTENSION}/login")

    async def ready() -> bool:
        status: dict[str, Any] = await api.get(f"/agents/{EXTENSION}")
        if status["state"] == "not_ready":
            await api.post(f"/agents/{EXTENSION}/ready")
        return bool(status["state"] == "ready")

    await wait_until(ready, 15, f"{EXTENSION} to be ready")

    caller = await harness.call("8000", caller_id=number)
    await caller.press("1")
    call_id = f"{caller.channel_id};2"
    await page.wait_for_selector("[data-testid=phone-status][data-state=ringing]", timeout=20_000)
    # The desk's screen pop shows the call while the browser rings.
    await page.wait_for_selector(
        f"[data-testid=screen-pop][data-call-id='{call_id}']", timeout=10_000
    )
    await page.click("[data-testid=phone-answer]")
    await page.wait_for_selector("[data-testid=phone-status][data-state=in-call]", timeout=15_000)

    async def answered() -> bool:
        return bool((await api.get(f"/agents/{EXTENSION}"))["connected_call_id"] == call_id)

    await wait_until(answered, 15, f"{EXTENSION} to be connected to {call_id}")
    return caller


async def test_given_a_browser_phone_agent_then_a_queue_call_is_answered_and_heard_in_the_page(
    webrtc_browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    only_the_browser_agent: None,
    clean_pbx: None,
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    page = await webrtc_browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        caller = await _answered_in_the_browser(page, web, api, harness, "5550405")
        # The browser's microphone reaches the caller through Asterisk.
        assert agent_heard(await caller.listen(2.0)) > 0.7, "the caller does not hear the browser"
        # And the caller's tone reaches the page's speaker, above the rest.
        await caller.play(f"tone:{CALLER_HZ}")
        levels = await page.evaluate(LEVELS_JS, [CALLER_HZ, QUIET_HZ])
        assert levels is not None, "the page has no audio from the call"
        assert levels[str(CALLER_HZ)] > levels[str(QUIET_HZ)] + 20, levels

        await page.click("[data-testid=phone-hangup]")
        await page.wait_for_selector(
            "[data-testid=phone-status][data-state=registered]", timeout=15_000
        )

        async def agent_released() -> bool:
            status = await api.get(f"/agents/{EXTENSION}")
            return status["connected_call_id"] is None

        await wait_until(agent_released, 15, "the agent's call to end")
        await caller.hangup()
        assert errors == []
    finally:
        await page.close()


async def test_given_a_supervisor_with_a_browser_phone_then_listening_rings_the_wallboard(
    webrtc_browser: Browser,
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    only_the_browser_agent: None,
    clean_pbx: None,
) -> None:
    """Monitoring rings the supervisor's own phone: here the browser phone of
    their wallboard page, where they answer and hear both sides."""
    web = hotline_env["HOTLINE_WEB_URL"]
    admin = await _as_admin(browser, hotline_env)
    try:
        await _browser_phone_agent(admin, web, SUPERVISOR_EXTENSION, set())
        await _user(admin, web, SUPERVISOR, SUPERVISOR_EXTENSION, "Supervisors")
    finally:
        await admin.close()
    agent_side = await webrtc_browser.new_context()
    supervisor_side = await webrtc_browser.new_context()
    errors: list[str] = []
    try:
        agent_page = await agent_side.new_page()
        caller = await _answered_in_the_browser(agent_page, web, api, harness, "5550406")
        board = await supervisor_side.new_page()
        board.on("pageerror", lambda error: errors.append(str(error)))
        await _sign_in(board, web, SUPERVISOR, PASSWORD)
        await board.goto(web + "/wallboard")
        await board.wait_for_selector(
            "[data-testid=phone-status][data-state=registered]", timeout=20_000
        )
        await board.select_option("[data-testid=wallboard-monitor-agent]", EXTENSION)
        await board.select_option("[data-testid=wallboard-monitor-mode]", "listen")
        await board.click("[data-testid=wallboard-monitor-start]")
        await board.wait_for_selector(
            "[data-testid=phone-status][data-state=ringing]", timeout=15_000
        )
        await board.click("[data-testid=phone-answer]")
        await board.wait_for_selector(
            "[data-testid=phone-status][data-state=in-call]", timeout=15_000
        )

        async def listening() -> bool:
            sessions = await api.get("/monitoring")
            return any(
                s["agent"] == EXTENSION
                and s["supervisor"] == SUPERVISOR_EXTENSION
                and s["state"] == "active"
                for s in sessions
            )

        await wait_until(listening, 15, "the listen session to be active")
        # Listen: the supervisor hears the caller (1000 Hz) and the agent's
        # microphone (440 Hz); nobody sends the quiet frequency.
        await caller.play(f"tone:{CALLER_HZ}")
        levels = await board.evaluate(LEVELS_JS, [CALLER_HZ, AGENT_HZ, QUIET_HZ])
        assert levels is not None, "the wallboard's phone has no audio"
        assert levels[str(CALLER_HZ)] > levels[str(QUIET_HZ)] + 20, levels
        assert levels[str(AGENT_HZ)] > levels[str(QUIET_HZ)] + 20, levels

        await board.click("[data-testid=phone-hangup]")

        async def stopped() -> bool:
            return not any(s["agent"] == EXTENSION for s in await api.get("/monitoring"))

        await wait_until(stopped, 15, "the session to end with the supervisor's hang-up")
        await caller.hangup()
        assert errors == []
    finally:
        await agent_side.close()
        await supervisor_side.close()
