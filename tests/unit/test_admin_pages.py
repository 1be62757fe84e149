"""The page list the browser test walks (tests/integration/pages.py) covers the navigation.

The browser test needs the sandbox Asterisk; these check its page list
without one, so a page missing from it (as /voicemail once was) fails
``make check`` too.
"""

from __future__ import annotations

import re

from admin_ui.web.i18n import LANGUAGES
from tests.integration.pages import admin_pages, page_path
from tests.unit.ui_support import UiClient

_NAV = re.compile(r'<nav class="mainnav">(.*?)</nav>', re.S)
_HREF = re.compile(r'href="([^"]+)"')


async def test_given_administrator_navigation_then_every_link_is_a_page_the_browser_visits(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    nav = _NAV.search((await ui.get("/")).text)
    assert nav is not None
    links = _HREF.findall(nav.group(1))
    visited = {page_path(page) for page in admin_pages()}

    assert "/voicemail" in links
    assert [link for link in links if link not in visited] == []


async def test_given_every_admin_page_then_it_opens_for_the_administrator_in_each_language(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    for language in LANGUAGES:
        await ui.post("/language", {"language": language, "next": "/"})
        for page in admin_pages():
            assert (await ui.get(page)).status_code == 200, (language, page)
