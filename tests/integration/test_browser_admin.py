"""The admin UI in a real Chromium against the running Hotline and Asterisk.

One walk through what an administrator does: build a flow (a menu with two
options, one to a queue), see a validation error on the failing node, publish,
give it a DID, take a real call through it, roll back; record a prompt from
Chromium's fake microphone; check the audit log; and an agent-role user is
refused on /roles.  Screenshots of the key pages are kept as artifacts.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from playwright.async_api import Browser, Dialog, Page

from admin_ui.web.security import hash_password
from hotline.settings import REPO_ROOT
from tests.integration.browser import screenshot_path
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

DATABASE = REPO_ROOT / "var" / "hotline.sqlite3"


async def sign_in(page: Page, env: dict[str, str], username: str, password: str) -> None:
    await page.goto(env["HOTLINE_WEB_URL"] + "/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(env["HOTLINE_WEB_URL"] + "/")


def tid(name: str) -> str:
    return f"[data-testid='{name}']"


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def save_node(page: Page, node_id: str) -> None:
    async with page.expect_response(lambda r: f"/nodes/{node_id}" in r.url):
        await page.click(tid(f"node-save-{node_id}"))


async def add_node(page: Page, node_id: str, kind: str) -> None:
    await page.fill(tid("add-node-id"), node_id)
    await page.select_option(tid("add-node-kind"), kind)
    async with page.expect_response(lambda r: r.url.endswith("/nodes")):
        await page.click(tid("add-node-submit"))
    await page.locator(f"#node-{node_id}").wait_for()


async def test_given_admin_in_chromium_when_building_publishing_calling_and_rolling_back_a_flow_then_each_step_works(  # noqa: E501
    browser: Browser,
    hotline_env: dict[str, str],
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    clean_pbx: None,
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    page.on("dialog", accept)
    await sign_in(
        page, hotline_env, hotline_env["HOTLINE_ADMIN_USER"], hotline_env["HOTLINE_ADMIN_PASSWORD"]
    )

    # A new flow, built node by node.
    name = f"Browser flow {uuid.uuid4().hex[:6]}"
    await page.goto(web + "/flows")
    await page.fill(tid("new-flow-name"), name)
    await page.click(tid("new-flow-submit"))
    await page.locator("#flow-editor").wait_for()
    flow_url = page.url.split("#")[0].split("?")[0]
    await add_node(page, "to_queue", "queue")
    await page.fill(tid("node-to_queue-queue"), "no_such_queue")
    await save_node(page, "to_queue")
    await add_node(page, "menu", "menu")
    await page.fill(tid("node-menu-prompt"), "sound:vm-press\ndigits:1")
    await page.select_option(tid("node-menu-option_1"), "to_queue")
    await page.select_option(tid("node-menu-option_2"), "goodbye")
    await save_node(page, "menu")
    await page.select_option(tid("start-select"), "menu")
    async with page.expect_response(lambda r: r.url.endswith("/start")):
        await page.click(tid("start-save"))

    # The unknown queue is reported on the node that names it.
    issues = page.locator(f"#node-issues-to_queue {tid('node-issue')}")
    await issues.first.wait_for()
    assert "no_such_queue" in await issues.first.inner_text()
    await page.screenshot(path=screenshot_path("flow-editor-validation"), full_page=True)
    async with page.expect_response(lambda r: r.url.endswith("/publish")):
        await page.click("#publish-button")
    assert await page.locator(tid("flow-error")).count() + await issues.count() > 0

    await page.fill(tid("node-to_queue-queue"), "support")
    await save_node(page, "to_queue")

    async def queue_node_valid() -> bool:
        return await page.locator(f"#node-issues-to_queue {tid('node-issue')}").count() == 0

    await wait_until(queue_node_valid, 5, "the fixed queue node to validate")
    async with page.expect_response(lambda r: r.url.endswith("/publish")):
        await page.click("#publish-button")
    await page.locator(tid("flow-notice")).wait_for()
    did = "8" + str(uuid.uuid4().int % 1000).zfill(3)
    await page.fill(tid("did-number"), did)
    async with page.expect_response(lambda r: r.url.endswith("/dids")):
        await page.click(tid("did-submit"))
    await page.locator(tid(f"did-{did}")).wait_for()
    await page.screenshot(path=screenshot_path("flow-editor"), full_page=True)

    # "Test call" rings the signed-in user's phone (1001) and runs the draft.
    await page.click("#test-call-button")
    await page.locator(tid("flow-notice")).wait_for()

    async def test_call_in_menu() -> bool:
        for channel in await harness.channels():
            if str(channel["id"]).startswith("hl-test-call-"):
                record = await api.get(f"/calls/{channel['id']}")
                return any(
                    e["kind"] == "node" and e["data"]["node"] == "menu" for e in record["timeline"]
                )
        return False

    await wait_until(test_call_in_menu, 15, "the test call to ring 1001 and reach the menu")
    for channel in await harness.channels():
        if str(channel["id"]).startswith("hl-test-call-"):
            await harness.ari.hangup(str(channel["id"]))

    # A real call to the new DID follows the flow into the queue.
    caller = await harness.call(did, caller_id="5551001")
    await caller.press("1")

    async def answered() -> bool:
        record = await api.get(f"/calls/{caller.channel_id};2")
        return any(e["kind"] == "answered" for e in record["timeline"])

    await wait_until(answered, 20, "the browser-built flow to queue the caller to an agent")
    await caller.hangup()

    # Version 2 changes the menu prompt; then roll back to version 1:
    # a new version 3 equal to version 1, history kept.
    await page.goto(flow_url)
    await page.fill(tid("node-menu-prompt"), "sound:vm-press\ndigits:1\nsound:vm-press\ndigits:2")
    await save_node(page, "menu")
    async with page.expect_response(lambda r: r.url.endswith("/publish")) as published:
        await page.click("#publish-button")
    assert (await published.value).status < 400
    await page.goto(flow_url + "/versions")
    await page.locator("#flow-versions").wait_for()
    rollbacks = page.locator(tid("rollback-1"))
    async with page.expect_response(lambda r: "/rollback" in r.url):
        await rollbacks.click()
    await page.locator(tid("version-row-3")).wait_for()
    await page.screenshot(path=screenshot_path("flow-versions"), full_page=True)

    # The audit log shows what was done, by whom.
    await page.goto(web + "/audit?object_type=flow")
    table = page.locator("#audit-table")
    await table.wait_for()
    text = await table.inner_text()
    for action in ("publish", "rollback", "assign_did"):
        assert action in text, action
    assert hotline_env["HOTLINE_ADMIN_USER"] in text
    await page.screenshot(path=screenshot_path("audit"), full_page=True)
    await page.close()


async def test_given_fake_microphone_when_recording_a_prompt_in_chromium_then_it_is_stored(
    browser: Browser, hotline_env: dict[str, str]
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    context = await browser.new_context(permissions=["microphone"])
    page = await context.new_page()
    await sign_in(
        page, hotline_env, hotline_env["HOTLINE_ADMIN_USER"], hotline_env["HOTLINE_ADMIN_PASSWORD"]
    )
    await page.goto(web + "/prompts")
    name = f"browser_{uuid.uuid4().hex[:6]}"
    await page.fill("#record-name", name)
    await page.click("#record-start")
    await page.wait_for_timeout(1500)
    await page.click("#record-stop")
    await page.locator("#record-save:not([disabled])").wait_for()
    await page.click("#record-save")
    await page.locator("#record-status[data-state=saved]").wait_for()
    await page.locator(f"text={name}").first.wait_for()
    await page.screenshot(path=screenshot_path("prompts"), full_page=True)
    audio = await page.request.get(f"{web}/prompts/{name}/audio")
    assert audio.status == 200
    body = await audio.body()
    assert body[:4] == b"RIFF" and len(body) > 8000  # over half a second at 8 kHz
    await context.close()


async def test_given_agent_role_user_when_opening_roles_in_chromium_then_refused(
    browser: Browser, hotline_env: dict[str, str]
) -> None:
    username = f"agent_{uuid.uuid4().hex[:6]}"
    password = "agent-password-123"
    with sqlite3.connect(DATABASE) as db:
        role_id = db.execute("select id from role where name = 'agent'").fetchone()[0]
        db.execute(
            "insert or ignore into user_group (name, ip_allowlist) values ('Browser agents', '[]')"
        )
        group_id = db.execute("select id from user_group where name = 'Browser agents'").fetchone()[
            0
        ]
        db.execute(
            "insert or ignore into user_group_role (user_group_id, role_id) values (?, ?)",
            (group_id, role_id),
        )
        db.execute(
            "insert into user (username, password_hash, display_name, language, is_active) "
            "values (?, ?, ?, 'en', 1)",
            (username, hash_password(password), username),
        )
        user_id = db.execute("select id from user where username = ?", (username,)).fetchone()[0]
        db.execute(
            "insert into user_group_member (user_id, usergroup_id) values (?, ?)",
            (user_id, group_id),
        )
    page = await browser.new_page()
    await sign_in(page, hotline_env, username, password)
    assert await page.locator("nav a[href='/roles']").count() == 0
    response = await page.goto(hotline_env["HOTLINE_WEB_URL"] + "/roles")
    assert response is not None and response.status == 403
    assert "role does not allow" in (await page.content())
    await page.screenshot(path=screenshot_path("roles-refused-agent"), full_page=True)
    await page.close()
