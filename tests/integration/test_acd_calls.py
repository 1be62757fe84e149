"""ACD behaviour with real SIP phones: registration gates offers, feature codes."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Api, ensure_registered
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk


async def _state(api: Api, extension: str) -> str:
    return str((await api.get(f"/agents/{extension}"))["state"])


async def test_given_agent_phone_unregistered_when_calls_arrive_then_only_registered_agent_is_offered(  # noqa: E501
    harness: AriHarness, api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    # 1002 is the longest idle after 1001 takes a call, so without the
    # registration gate the second caller would ring 1002.
    # baresip unregisters (REGISTER with expires=0) when it stops.
    agents_ready["1002"].stop()
    try:

        async def unregistered() -> bool:
            return not (await api.get("/agents/1002"))["registered"]

        await wait_until(unregistered, 15, "agent 1002's phone to be seen as unregistered")

        first = await harness.call("8000", caller_id="5550401")
        await first.press("1")

        async def on_call_1001() -> bool:
            return await _state(api, "1001") == "on_call"

        await wait_until(on_call_1001, 15, "agent 1001 to take the first call")
        second = await harness.call("8000", caller_id="5550402")
        await second.press("1")

        async def second_waiting() -> bool:
            status = await api.get("/queues/support")
            return any(w["call_id"] == f"{second.channel_id};2" for w in status["waiting"])

        await wait_until(second_waiting, 10, "the second caller to wait")
        status = await api.get("/queues/support")
        waiting = next(w for w in status["waiting"] if w["call_id"] == f"{second.channel_id};2")
        assert waiting["ringing_agents"] == [], "an unregistered phone was rung"
        assert await _state(api, "1002") == "ready"
        assert "1002" in status["unregistered_agents"]
    finally:
        agents_ready["1002"].start()

        # Restarts it again if Asterisk was too busy to take the REGISTER.
        await ensure_registered(api, {"1002": agents_ready["1002"]})


async def test_given_agent_phone_when_feature_codes_dialled_then_agent_state_follows(
    api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    phone = agents_ready["1001"]

    async def state_is(expected: str) -> bool:
        return await _state(api, "1001") == expected

    await phone.dial("*23")
    await wait_until(lambda: state_is("not_ready"), 10, "*23 to pause agent 1001")
    # The default pause reason: the first active one (tests/integration/test_pause_reasons.py).
    assert (await api.get("/agents/1001"))["reason"] == "break"
    await phone.dial("*23")
    await wait_until(lambda: state_is("ready"), 10, "*23 again to make agent 1001 ready")
    await phone.dial("*22")
    await wait_until(lambda: state_is("logged_out"), 10, "*22 to log agent 1001 out")
    await phone.dial("*21")
    await wait_until(lambda: state_is("ready"), 10, "*21 to log agent 1001 back in")
