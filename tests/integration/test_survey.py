"""Post-call survey through the real Asterisk: the agent's phone hangs up
first, the caller is asked to rate, keys 4, and the rating lands on the call,
the agent and the queue (and CSAT in the survey report)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk


async def _timeline_kinds(api: Api, call_id: str) -> list[tuple[str, dict[str, object]]]:
    detail = await api.get(f"/calls/{call_id}")
    return [(event["kind"], event["data"]) for event in detail["timeline"]]


async def test_given_the_agent_hangs_up_first_then_the_caller_rates_and_it_is_stored(
    harness: AriHarness, api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    await api.post("/agents/1002/pause", {"reason": "other"})
    started = datetime.now(UTC) - timedelta(minutes=1)
    try:
        caller = await harness.call("8000", caller_id="5550188")
        await caller.press("1")
        call_id = f"{caller.channel_id};2"

        async def connected() -> bool:
            return bool((await api.get("/agents/1001"))["connected_call_id"] == call_id)

        await wait_until(connected, 20, "agent 1001 to answer")
        await agents_ready["1001"].hangup()  # the agent ends the call

        async def asked() -> bool:
            return any(kind == "survey_offered" for kind, _ in await _timeline_kinds(api, call_id))

        await wait_until(asked, 10, "the caller to be handed to the survey")
        assert await caller.is_up(), "the caller must stay on the line for the survey"
        await caller.press("4")

        async def rated() -> bool:
            return any(kind == "survey" for kind, _ in await _timeline_kinds(api, call_id))

        await wait_until(rated, 15, "the survey's rating on the call")
        survey = next(
            data for kind, data in await _timeline_kinds(api, call_id) if kind == "survey"
        )
        assert survey["rating"] == 4

        async def hung_up() -> bool:
            return not await caller.is_up()

        await wait_until(hung_up, 15, "the survey flow to thank the caller and hang up")

        report = await api.get(
            "/reports/surveys?from="
            + started.isoformat().replace("+00:00", "Z")
            + "&to="
            + (datetime.now(UTC) + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
        )
        agent_row = next(row for row in report["agents"] if row["agent"] == "1001")
        assert agent_row["rated"] >= 1 and agent_row["csat"] is not None
        assert any(row["queue"] == "support" for row in report["queues"])
    finally:
        await api.post("/agents/1002/ready")
