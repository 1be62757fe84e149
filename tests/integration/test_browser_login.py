"""Signing in to the admin UI in a real Chromium, in both languages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from tests.integration.browser import screenshot_path

pytestmark = pytest.mark.asterisk


async def sign_in(page: Page, env: dict[str, str], password: str | None = None) -> None:
    await page.goto(env["HOTLINE_WEB_URL"] + "/login")
    await page.fill("input[name=username]", env["HOTLINE_ADMIN_USER"])
    await page.fill("input[name=password]", password or env["HOTLINE_ADMIN_PASSWORD"])
    await page.click("button[type=submit]")


async def test_given_admin_credentials_when_signing_in_in_chromium_then_dashboard_shows_live_state(
    browser: Browser, hotline_env: dict[str, str]
) -> None:
    page = await browser.new_page()
    await sign_in(page, hotline_env, password="wrong password")
    assert await page.locator("#login-error").is_visible()
    assert page.url.endswith("/login")

    await sign_in(page, hotline_env)
    await page.wait_for_url(hotline_env["HOTLINE_WEB_URL"] + "/")
    await page.locator("#live-status").wait_for()
    assert "support" in await page.locator("#live-status").inner_text()
    await page.screenshot(path=screenshot_path("dashboard-en"), full_page=True)

    async with page.expect_navigation():
        await page.select_option("select[name=language]", "zh-CN")
    await page.locator("text=实时状态").wait_for()
    await page.screenshot(path=screenshot_path("dashboard-zh-CN"), full_page=True)
    async with page.expect_navigation():
        await page.select_option("select[name=language]", "en")
    await page.close()
