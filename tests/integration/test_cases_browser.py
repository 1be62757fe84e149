"""Cases (工单) end to end, in a real Chromium on a real call; and a
supervisor's urgent note on the agent's desk during the call.

A caller dials DID 8000, keys a meter number and reaches agent 1001, whose
SIP phone answers.  On the desk, the agent opens a new case from the screen
pop (the caller's number and the meter number filled in), a complaint
(投诉), dispatched to billing.  The billing user, whose /cases page is
already open, sees the notice arrive without a reload, opens the case from
it and replies; the centre's supervisor closes it.  During the call the
agent also finds a knowledge article from the desk's search and texts its
answer to the caller.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from ari_apps.ivr.demo import MAIN_MENU, MAIN_MENU_NAME
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_browser_admin import sign_in
from tests.integration.test_case_messages import _simulator_messages

pytestmark = pytest.mark.asterisk

METER = "123456"
CALLER = "5550188"


def _flow_keying_a_meter() -> dict[str, Any]:
    nodes = copy.deepcopy(MAIN_MENU["nodes"])
    return {
        "start": "meter",
        "nodes": {
            "support_queue": nodes["support_queue"],
            "goodbye": nodes["goodbye"],
            "meter": {
                "kind": "collect",
                "label": "Meter number",
                "variable": "meter",
                "prompt": ["sound:vm-enter-num-to-call"],
                "min_length": 6,
                "max_length": 6,
                "next": "support_queue",
            },
        },
    }


async def _publish(api: Api, definition: dict[str, Any]) -> None:
    flows = await api.get("/flows")
    flow_id = next(flow["id"] for flow in flows if flow["name"] == MAIN_MENU_NAME)
    await api.put(f"/flows/{flow_id}/draft", definition)
    await api.post(f"/flows/{flow_id}/publish")


async def _sign_in(page: Page, env: dict[str, str], username: str, landing: str) -> None:
    await sign_in(page, env, username, env["HOTLINE_DEMO_USER_PASSWORD"])
    await page.goto(env["HOTLINE_WEB_URL"] + landing)


async def test_given_a_caller_on_the_desk_when_a_case_is_opened_and_dispatched_then_billing_is_told_and_replies(  # noqa: E501
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    agents_ready: dict[str, SipPhone],
    clean_pbx: None,
) -> None:
    agent_context = await browser.new_context()
    billing_context = await browser.new_context()
    errors: list[str] = []
    await api.post("/agents/1002/pause", {"reason": "other"})
    await _publish(api, _flow_keying_a_meter())
    try:
        billing = await billing_context.new_page()
        billing.on("pageerror", lambda error: errors.append(str(error)))
        await _sign_in(billing, hotline_env, "billing", "/cases")
        await billing.wait_for_selector("[data-testid=case-notices]")

        desk = await agent_context.new_page()
        desk.on("pageerror", lambda error: errors.append(str(error)))
        await _sign_in(desk, hotline_env, "agent1001", "/desk")
        await desk.wait_for_selector("[data-testid=desk-state][data-state=ready]")

        caller = await harness.call("8000", caller_id=CALLER)
        await caller.press(METER)
        call_id = f"{caller.channel_id};2"
        await desk.wait_for_selector(
            f"[data-testid=screen-pop][data-stage=on_call][data-call-id='{call_id}']",
            timeout=25_000,
        )
        # A supervisor's urgent note reaches the desk during the call (WO-28),
        # sent as the wallboard's monitoring panel sends it.
        supervisor = await browser.new_page()
        await _sign_in(supervisor, hotline_env, "supervisor", "/wallboard")
        status = await supervisor.evaluate(
            """async () => {
                const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
                const body = new URLSearchParams({agent: "1001", text: "Mention the fee waiver"});
                const answer = await fetch("/wallboard/monitor/note", {
                    method: "POST", body, headers: {"X-CSRF-Token": token}});
                return answer.status;
            }"""
        )
        assert status == 200
        note = desk.locator("[data-testid=desk-urgent-note]", has_text="Mention the fee waiver")
        await note.wait_for(timeout=10_000)
        await supervisor.close()

        # The knowledge base from the desk during the call (WO-25): the
        # two-character word finds the demo article 自来水水费缴纳方式, and one
        # click texts its short answer to the caller on the line.
        await desk.fill("[data-testid=desk-knowledge-q]", "水费")
        hit = desk.locator("[data-testid=knowledge-hit]", has_text="自来水水费缴纳方式")
        await hit.wait_for(timeout=10_000)
        assert await hit.locator("[data-testid=knowledge-send-to]").input_value() == CALLER
        await hit.locator("[data-testid=knowledge-send-sms]").click()
        await hit.locator("[data-testid=knowledge-send-ok]").wait_for(timeout=10_000)
        answer = (await hit.locator("[data-testid=knowledge-hit-answer]").inner_text()).strip()

        def texted() -> bool:
            return any(
                m["to"] == CALLER and m["text"] == answer
                for m in _simulator_messages(hotline_env["HOTLINE_WEB_URL"])
            )

        await wait_until(texted, 15, "the article's answer to reach the caller by SMS")

        # One click: a new tab with the intake form, filled in from the call.
        async with agent_context.expect_page() as opened:
            await desk.click("[data-testid=pop-new-case]")
        intake = await opened.value
        intake.on("pageerror", lambda error: errors.append(str(error)))
        await intake.wait_for_selector("[data-testid=case-intake]")
        assert await intake.input_value("[data-testid=case-caller-number]") == CALLER
        assert await intake.input_value("input[name='ivr.meter']") == METER
        await intake.select_option("#case-category", "投诉")
        await intake.fill("#case-subject", "Bill doubled after the meter change")
        await intake.select_option("#case-department", "billing")
        await intake.click("[data-testid=case-create]")
        await intake.wait_for_selector("[data-testid=case-status][data-status=handling]")
        number = (await intake.inner_text("[data-testid=case-number]")).split()[-1]
        assert (await intake.inner_text("[data-testid=case-caller]")).strip() == CALLER
        assert (await intake.inner_text("[data-testid=case-ivr-meter]")).strip() == METER
        await caller.hangup()

        # Billing's open page hears of it without a reload (SSE).
        # (A database kept from an earlier run may hold older notices.)
        notice = billing.locator("[data-testid=case-notice][data-kind=dispatched]", has_text=number)
        await notice.wait_for(timeout=15_000)
        await notice.locator("a").click()
        await billing.wait_for_selector("[data-testid=case-status][data-status=handling]")
        await billing.select_option("[data-testid=case-action]", "reply")
        await billing.fill("[data-testid=case-action-note]", "Meter re-read; bill corrected.")
        await billing.click("[data-testid=case-act]")
        await billing.wait_for_selector("[data-testid=case-status][data-status=reviewing]")

        case = next(c for c in await api.get("/cases") if c["number"] == number)
        closed = await api.post(f"/cases/{case['id']}/actions", {"action": "close"})
        assert closed["status"] == "closed"
        assert [e["action"] for e in closed["history"]] == [
            "register",
            "dispatch",
            "reply",
            "close",
        ]
        assert closed["call_id"] == call_id and closed["ivr_data"] == {"meter": METER}
        assert errors == []
    finally:
        await agent_context.close()
        await billing_context.close()
        await _publish(api, MAIN_MENU)
        await api.post("/agents/1002/ready")
