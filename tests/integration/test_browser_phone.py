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
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_call_control import agent_heard

pytestmark = pytest.mark.asterisk

EXTENSION = "1005"
USERNAME = "agent1005"
PASSWORD = "browser-phone-agent-5"
CALLER_HZ = 1000


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
    microphone = _tone_wav(tmp_path / "microphone.wav", 440)
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


async def _make_browser_agent(browser: Browser, env: dict[str, str]) -> None:
    """Through the admin pages, as an administrator would."""
    web = env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    try:
        await _sign_in(page, web, env["HOTLINE_ADMIN_USER"], env["HOTLINE_ADMIN_PASSWORD"])
        # A rerun finds the agent and the user from the last run.
        response = await page.goto(web + f"/agents/{EXTENSION}")
        if response is None or response.status == 404:
            await page.goto(web + "/agents/new")
            await page.fill("#agent-extension", EXTENSION)
        await page.fill("#agent-name", "Browser agent")
        await page.select_option("#agent-phone", "browser")
        support = page.locator("[data-testid=agent-queue-support]")
        if not await support.is_checked():
            await support.check()
        await page.click("#agent-save")
        await page.wait_for_url(web + f"/agents/{EXTENSION}?saved=1")
        assert await page.input_value("#agent-phone") == "browser"

        await page.goto(web + "/users")
        if await page.locator(f"text={USERNAME}").count() == 0:
            await page.goto(web + "/users/new")
            await page.fill("#user-username", USERNAME)
            await page.fill("#user-display-name", "Browser agent")
            await page.fill("#user-password", PASSWORD)
            await page.fill("#user-phone-extension", EXTENSION)
            await page.locator("label.check", has_text="Agents").locator("input").check()
            await page.click("#user-save")
            await page.wait_for_load_state()
            await page.goto(web + "/users")
            assert await page.locator(f"text={USERNAME}").count() == 1, await page.inner_text(
                "main"
            )
    finally:
        await page.close()


@pytest.fixture
async def only_the_browser_agent(
    api: Api, agents_ready: dict[str, SipPhone]
) -> AsyncIterator[None]:
    await api.post("/agents/1001/pause", {"reason": "other"})
    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        yield
    finally:
        await api.post(f"/agents/{EXTENSION}/logout")
        await api.post("/agents/1001/ready")
        await api.post("/agents/1002/ready")


HEARD_PEAK_JS = """async () => {
    // What the page plays from the call: the strongest frequency and its level.
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
    let best = 0;
    for (let i = 1; i < bins.length; i++) { if (bins[i] > bins[best]) { best = i; } }
    await context.close();
    return {hz: best * context.sampleRate / analyser.fftSize, db: bins[best]};
}"""


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

        caller = await harness.call("8000", caller_id="5550405")
        await caller.press("1")
        call_id = f"{caller.channel_id};2"
        await page.wait_for_selector(
            "[data-testid=phone-status][data-state=ringing]", timeout=20_000
        )
        # The desk's screen pop shows the call while the browser rings.
        await page.wait_for_selector(
            f"[data-testid=screen-pop][data-call-id='{call_id}']", timeout=10_000
        )
        await page.click("[data-testid=phone-answer]")
        await page.wait_for_selector(
            "[data-testid=phone-status][data-state=in-call]", timeout=15_000
        )

        async def answered() -> bool:
            return bool((await api.get(f"/agents/{EXTENSION}"))["connected_call_id"] == call_id)

        await wait_until(answered, 15, f"{EXTENSION} to be connected to {call_id}")

        # The browser's microphone reaches the caller through Asterisk.
        assert agent_heard(await caller.listen(2.0)) > 0.7, "the caller does not hear the browser"
        # And the caller's tone reaches the page's speaker.
        await caller.play(f"tone:{CALLER_HZ}")
        heard = await page.evaluate(HEARD_PEAK_JS)
        assert heard is not None, "the page has no audio from the call"
        assert abs(heard["hz"] - CALLER_HZ) < 20 and heard["db"] > -70, heard

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
