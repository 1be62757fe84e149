"""Pause reasons from a real agent phone: *23 + a reason's digits, through the
real dialplan ([hotline-agents] _*23.) and Stasis, shows in the API.

The agent is identified by the PJSIP channel the call comes from, so these
dial from the demo agents' baresip phones; a Local channel from the harness
(harness.call(..., context="hotline-agents")) is no agent and only hears
sound:beeperr.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error

import pytest

from tests.integration.conftest import Api
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

# Long enough for the feature call to be answered and its beep to play.
_FEATURE_CALL_S = 3.0


async def _status(api: Api, extension: str) -> tuple[str, str | None]:
    status = await api.get(f"/agents/{extension}")
    return str(status["state"]), status.get("reason")


async def _feature_code(api: Api, code: str) -> str:
    reasons = await api.get("/pause-reasons")
    return str(next(r["feature_code"] for r in reasons if r["code"] == code and r["active"]))


async def test_given_agent_phone_when_star_23_and_a_reason_digit_dialled_then_paused_with_that_reason(  # noqa: E501
    api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    phone = agents_ready["1001"]
    lunch = await _feature_code(api, "lunch")  # "*232" in the demo

    async def status_is(expected: tuple[str, str | None]) -> bool:
        return await _status(api, "1001") == expected

    await phone.dial(lunch)
    await wait_until(lambda: status_is(("not_ready", "lunch")), 10, f"{lunch} to pause 1001")
    # *23 alone still toggles: back to ready, then paused with the default reason.
    await phone.dial("*23")
    await wait_until(lambda: status_is(("ready", None)), 10, "*23 to make 1001 ready")
    await phone.dial("*23")
    default = next(r["code"] for r in await api.get("/pause-reasons") if r["default"])
    await wait_until(lambda: status_is(("not_ready", default)), 10, "*23 to pause 1001")
    await phone.dial("*23")
    await wait_until(lambda: status_is(("ready", None)), 10, "*23 again to make 1001 ready")


async def test_given_agent_phone_when_unknown_reason_digits_dialled_then_nothing_changes(
    api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    reasons = await api.get("/pause-reasons")
    unknown = next(d for d in ("99", "98", "97") if all(r["digits"] != d for r in reasons))
    await agents_ready["1001"].dial(f"*23{unknown}")
    await asyncio.sleep(_FEATURE_CALL_S)  # the call ends after sound:beeperr
    assert await _status(api, "1001") == ("ready", None)


async def test_given_api_when_pausing_with_an_unknown_reason_then_400_names_the_allowed_codes(
    api: Api, agents_ready: dict[str, SipPhone]
) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        await api.post("/agents/1002/pause", {"reason": "nap"})
    assert refused.value.code == 400
    body = json.loads(refused.value.read())
    assert body["details"]["field"] == "reason"
    assert "lunch" in body["details"]["allowed"]
    assert await _status(api, "1002") == ("ready", None)
