"""Every admin page opens in Chromium in English and in Simplified Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser

from admin_ui.web.i18n import catalogue
from tests.integration.browser import screenshot_path
from tests.integration.pages import admin_pages, page_path

pytestmark = pytest.mark.asterisk

# Derived from the features' routes, so a new page is visited without a
# hand list to forget it in (as /voicemail once was); the test also checks
# the live navigation against it.
PAGES = admin_pages()
# A catalogue key shown instead of its text looks like "feature.some_key";
# the features are the catalogue's own key prefixes, voicemail included.
_KEY_PREFIXES = sorted({key.split(".")[0] for key in catalogue("en") if "." in key})
RAW_KEY = re.compile(
    r"\b(?:" + "|".join(map(re.escape, _KEY_PREFIXES)) + r")\.(?!conf\b)[a-z_]+(?:\.[a-z_]+)*\b"
)
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
async def test_given_admin_when_opening_every_page_then_it_renders_translated(
    browser: Browser, hotline_env: dict[str, str], language: str
) -> None:
    assert "/voicemail" in PAGES and "/voicemail/5000" in PAGES
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
        # Every page the navigation offers is one this test visits.
        links = await page.eval_on_selector_all(
            "nav.mainnav a", "(links) => links.map((a) => a.getAttribute('href'))"
        )
        assert "/voicemail" in links
        assert [link for link in links if link not in {page_path(p) for p in PAGES}] == []
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
