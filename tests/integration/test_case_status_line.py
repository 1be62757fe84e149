"""The case status line (★, demo DID 8600) on real calls: a caller keys a
case number and #, and hears where the case stands; the call's timeline
keeps ``case_lookup`` with the number keyed and the status spoken.  A
wrong number gets a clear prompt and a second try."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.audio import audible_seconds
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import wait_for_prompts, wait_until

pytestmark = pytest.mark.asterisk

STATUS_DID = "8600"


async def _timeline(api: Api, caller: SimCaller) -> list[dict[str, Any]]:
    detail: dict[str, Any] = await api.get(f"/calls/{caller.channel_id};2")
    timeline: list[dict[str, Any]] = detail["timeline"]
    return timeline


async def _lookups(api: Api, caller: SimCaller) -> list[dict[str, Any]]:
    return [e["data"] for e in await _timeline(api, caller) if e["kind"] == "case_lookup"]


async def _entered(api: Api, caller: SimCaller, node: str) -> bool:
    return any(
        e["kind"] == "node" and e["data"].get("node") == node for e in await _timeline(api, caller)
    )


async def test_given_a_dispatched_case_when_its_number_is_keyed_then_the_caller_hears_its_status(
    hotline_env: dict[str, str], api: Api, harness: AriHarness
) -> None:
    case = await api.post(
        "/cases",
        {"category": "投诉", "caller_number": "5550142", "subject": "Low pressure"},
    )
    await api.post(f"/cases/{case['id']}/actions", {"action": "dispatch", "department": "billing"})

    await wait_for_prompts(api, ("case-status-ask", "case-status-handling"))
    caller = await harness.call(STATUS_DID, caller_id="5550142")
    # "Please key your case number": a prompt drafted at the first start.
    assert audible_seconds(await caller.listen(2.5)) >= 1.0
    await caller.press(case["number"] + "#")

    async def looked_up() -> bool:
        return bool(await _lookups(api, caller))

    await wait_until(looked_up, 15, "the case to be looked up")
    assert await _lookups(api, caller) == [{"number": case["number"], "status": "handling"}]
    # "Your case is being handled ...": the handling branch's prompt.
    await wait_until(lambda: _entered(api, caller, "say_handling"), 10, "the status to be said")
    assert audible_seconds(await caller.listen(2.5)) >= 1.0
    await caller.hangup()


async def test_given_a_wrong_number_then_a_clear_prompt_and_a_second_try(
    hotline_env: dict[str, str], api: Api, harness: AriHarness
) -> None:
    await wait_for_prompts(api, ("case-status-ask", "case-status-not-found"))
    caller = await harness.call(STATUS_DID, caller_id="5550143")
    await caller.listen(2.5)
    await caller.press("20000101999" + "#")

    async def asked_again() -> bool:
        return await _entered(api, caller, "ask_again")

    await wait_until(asked_again, 20, "the caller to be asked again")
    assert await _lookups(api, caller) == [{"number": "20000101999", "status": "not_found"}]
    assert await _entered(api, caller, "not_found")  # "Sorry, there is no case with that number."
    await caller.hangup()
