"""SMS to citizens through the running Hotline: a case taken in tells its
caller the number, its answer tells them the result, both through the SMS
gateway protocol to the sandbox's simulator (real HTTP), and each message's
delivery is on the case."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from hotline.settings import load_settings
from tests.integration.conftest import Api
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk


def _simulator_messages(web_url: str) -> list[dict[str, Any]]:
    settings = load_settings()
    request = urllib.request.Request(web_url + "/sms-simulator/messages")
    request.add_header("Authorization", f"Bearer {settings.sms_gateway_token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        rows: list[dict[str, Any]] = json.loads(response.read())
        return rows


async def test_given_a_case_taken_in_and_answered_then_the_caller_gets_its_number_and_answer(
    hotline_env: dict[str, str], api: Api
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    case = await api.post(
        "/cases",
        {
            "category": "投诉",
            "caller_number": "+8613800000077",
            "subject": "Meter reads too high",
            "source": "phone",
        },
    )
    number = case["number"]

    def told(fragment: str) -> bool:
        return any(
            m["to"] == "+8613800000077" and number in m["text"] and fragment in m["text"]
            for m in _simulator_messages(web)
        )

    await wait_until(lambda: told("8600"), 15, "the caller to be sent their case number")
    await api.post(f"/cases/{case['id']}/actions", {"action": "dispatch", "department": "billing"})
    await api.post(
        f"/cases/{case['id']}/actions",
        {"action": "reply", "note": "meter replaced", "result": "solved"},
    )
    await api.post(f"/cases/{case['id']}/actions", {"action": "close"})
    # The result as the caller reads it (zh-CN by default): 已解决, not its code.
    await wait_until(lambda: told("已解决"), 15, "the caller to be sent the answer")

    async def both_sent() -> bool:
        detail = await api.get(f"/cases/{case['id']}")
        return [(m["event"], m["status"]) for m in detail["messages"]] == [
            ("case_received", "sent"),
            ("case_replied", "sent"),
        ]

    await wait_until(both_sent, 10, "both messages marked sent on the case")
