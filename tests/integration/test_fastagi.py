"""FastAGI against the real Asterisk: the dialplan's AGI() reaches our server."""

from __future__ import annotations

import pytest

from tests.integration.harness import AriHarness
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk


async def test_given_dialplan_agi_when_hello_runs_then_channel_variables_come_from_our_server(
    harness: AriHarness, clean_pbx: None
) -> None:
    channel_id = "hl-test-agi-1"
    await harness.ari.originate(
        "Local/hello@hotline-agi/n",
        channel_id=channel_id,
        app="hotline-test",
        caller_id='"AGI test" <5550999>',
        timeout_s=10,
    )
    await harness.wait_event(channel_id, "StasisStart", 10)
    dialplan_side = f"{channel_id};2"

    async def agi_done() -> bool:
        try:
            status = await harness.ari.get_channel_variable(dialplan_side, "HOTLINE_AGI_STATUS")
        except Exception:
            return False
        return status == "SUCCESS"

    await wait_until(agi_done, 10, "the AGI script to finish")
    assert await harness.ari.get_channel_variable(dialplan_side, "HOTLINE_AGI") == "ok"
    caller = await harness.ari.get_channel_variable(dialplan_side, "HOTLINE_AGI_CALLER")
    assert caller == "5550999"
    await harness.ari.hangup(channel_id)
