"""Every admin page opens in Chromium in English and in Simplified Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser

from tests.integration.browser import screenshot_path

pytestmark = pytest.mark.asterisk

PAGES = (
    "/",
    "/flows",
    "/prompts",
    "/fax",
    "/fax/jobs",
    "/fax/dids",
    "/queues",
    "/queues/support",
    "/agents",
    "/agents/1001",
    "/shifts",
    "/shifts/calendars",
    "/shifts/planner?calls=100,120&aht=180",
    "/users",
    "/users/groups",
    "/roles",
    "/audit",
    "/dialplan",
    "/dialplan/dialplan",
    "/dialplan/rendered",
)
# A catalogue key shown instead of its text looks like "feature.some_key".
RAW_KEY = re.compile(
    r"\b(?:app|nav|login|dashboard|flows|prompts|queues|agents|shifts|users|roles|audit|"
    r"dialplan|errors|agent_state|fax)\.(?!conf\b)[a-z_]+(?:\.[a-z_]+)*\b"
)
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
async def test_given_admin_when_opening_every_page_then_it_renders_translated(
    browser: Browser, hotline_env: dict[str, str], language: str
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    await page.goto(web + "/login")
    await page.fill("input[name=username]", hotline_env["HOTLINE_ADMIN_USER"])
    await page.fill("input[name=password]", hotline_env["HOTLINE_ADMIN_PASSWORD"])
    await page.click("button[type=submit]")
    await page.wait_for_url(web + "/")
    if language != "en":
        async with page.expect_navigation():
            await page.select_option("select[name=language]", language)
    try:
        for path in PAGES:
            response = await page.goto(web + path)
            assert response is not None and response.status == 200, (language, path)
            # Stored data (audit before/after JSON, config text) may contain
            # anything; only the page's own wording must be translated.
            text = await page.evaluate(
                """() => {
                    const main = document.querySelector('main').cloneNode(true);
                    main.querySelectorAll('pre, code, textarea, del, ins, [data-testid=audit-json]')
                        .forEach((node) => node.remove());
                    return main.innerText;
                }"""
            )
            leaked = RAW_KEY.findall(text)
            assert not leaked, (language, path, leaked[:5])
            if language == "zh-CN":
                assert HAN.search(text), (path, "no Chinese text")
            name = path.strip("/").split("?")[0].replace("/", "-") or "dashboard"
            await page.screenshot(path=screenshot_path(f"page-{name}-{language}"), full_page=True)
    finally:
        if language != "en":
            async with page.expect_navigation():
                await page.select_option("select[name=language]", "en")
        await page.close()
