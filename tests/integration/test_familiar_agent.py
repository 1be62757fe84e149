"""Familiar agent (OP-04) on real calls: a caller who rings again is offered to
the agent who served them last, though the queue's longest-idle strategy
would pick the other agent."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_acd_config import _reload, _sql

pytestmark = pytest.mark.asterisk


@pytest.fixture
async def familiar_support(api: Api, agents_ready: dict[str, SipPhone]) -> AsyncIterator[None]:
    _sql("update queue set familiar_agent_s = 15 where name = 'support'")
    await _reload()
    try:
        yield
    finally:
        _sql("update queue set familiar_agent_s = 0 where name = 'support'")
        await _reload()


async def _answered_by(api: Api, caller: SimCaller) -> str:
    call_id = f"{caller.channel_id};2"

    async def agent() -> str | None:
        for status in await api.get("/agents"):
            if status["connected_call_id"] == call_id:
                return str(status["extension"])
        return None

    await wait_until(agent, 20, f"an agent to answer {call_id}")
    answered = await agent()
    assert answered is not None
    return answered


async def _both_ready(api: Api) -> None:
    async def ready() -> bool:
        states = [(await api.get(f"/agents/{e}"))["state"] for e in ("1001", "1002")]
        return states == ["ready", "ready"]

    await wait_until(ready, 15, "both agents to be ready")


async def test_given_a_returning_caller_then_the_agent_who_served_them_answers_again(
    harness: AriHarness, api: Api, familiar_support: None, clean_pbx: None
) -> None:
    number = f"5552{uuid.uuid4().int % 10_000:04d}"
    await _both_ready(api)
    first = await harness.call("8000", caller_id=number)
    await first.press("1")
    served_by = await _answered_by(api, first)
    await first.hangup()
    # The agent who just finished is now the one idle the shortest: left to
    # longest-idle, the next call would go to the other agent.
    await _both_ready(api)

    again = await harness.call("8000", caller_id=number)
    await again.press("1")
    assert await _answered_by(api, again) == served_by
    timeline = (await api.get(f"/calls/{again.channel_id};2"))["timeline"]
    familiar = [e for e in timeline if e["kind"] == "familiar_agent"]
    assert [e["data"]["agent"] for e in familiar] == [served_by]
    await again.hangup()
