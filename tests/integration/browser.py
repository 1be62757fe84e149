"""A real Chromium for browser tests: Debian's package, driven by Playwright.

`playwright install` cannot download browsers here, so we launch
/usr/bin/chromium.  Background networking is off: the machine has no
internet and Chromium's own connections would only fail noisily.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Playwright

from hotline.settings import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A fake microphone (a beep) and auto-accepted permission prompts, for
    # recording prompts from the browser.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )


def screenshot_path(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(Path(ARTIFACTS) / f"{name}.png")
