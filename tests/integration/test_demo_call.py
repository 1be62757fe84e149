"""The demo call, for real: DID 8000 → greeting → 1 → queue → a SIP agent answers."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.audio import audible_seconds, tone_ratio
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk


async def test_given_demo_did_when_caller_presses_1_then_a_sip_agent_answers_with_audio_both_ways(
    harness: AriHarness, api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    caller = await harness.call("8000", caller_id="5550101")

    greeting = await caller.listen(2.5)
    assert audible_seconds(greeting) >= 0.5, "the greeting is not audible"

    await caller.press("1")

    async def answered() -> bool:
        agents = await api.get("/agents")
        return any(a["state"] == "on_call" for a in agents)

    await wait_until(answered, 15, "an agent to answer")
    agents = await api.get("/agents")
    agent = next(a for a in agents if a["state"] == "on_call")
    assert agent["connected_call_id"], agent

    # Agent -> caller: the caller hears the phone's 440 Hz sine.
    heard = await caller.listen(2.0)
    assert tone_ratio(heard, 440) > 0.5, "the caller does not hear the agent's tone"

    # Caller -> agent: what Asterisk sends to the agent's phone while the caller speaks.
    agent_channel = next(
        c for c in await harness.channels() if c["name"].startswith(f"PJSIP/{agent['extension']}-")
    )
    snoop_id = await harness.snoop(agent_channel["id"], spy="out")
    from tests.integration.harness import SimCaller

    spy = SimCaller(harness, snoop_id, "", "")
    name = await spy.start_recording()
    await caller.play("sound:hello-world")
    await asyncio.sleep(2.0)
    to_agent = await spy.stop_recording(name)
    await spy.hangup()
    assert audible_seconds(to_agent) >= 0.5, "the agent does not hear the caller"

    record = await api.get(f"/calls/{agent['connected_call_id']}")
    kinds = [event["kind"] for event in record["timeline"]]
    for expected in ("entered", "input", "queued", "offered", "answered"):
        assert expected in kinds, (expected, kinds)

    await caller.hangup()

    async def agent_free() -> bool:
        status = await api.get(f"/agents/{agent['extension']}")
        return status["state"] in ("wrap_up", "ready")

    await wait_until(agent_free, 10, "the agent to leave the call")
    final = await api.get(f"/calls/{agent['connected_call_id']}")
    assert final["disposition"] == "answered"
    assert final["agent"] == agent["extension"]
