"""Extensions ring only for their own tenant, for real.

Hotline marks each agent endpoint with its tenant's accountcode, and
[hotline-agents] dials ``_1XXX`` only when the calling channel carries the
same mark (asterisk/config/extensions.conf).  A flow's transfer and the
voicemail call-back set the mark before they hand a channel over.

Here test contexts stand in for callers of each kind: marked as the demo
tenant, marked as another tenant, and not marked at all (a PSTN caller
handed over with no mark).  Demo agent 1002's real phone auto-answers, so
an answered call is its phone ringing, and its 440 Hz tone is heard.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator

import pytest

from ari_apps.ari import AriError
from tests.integration.audio import tone_ratio
from tests.integration.harness import TEST_APP, AriHarness
from tests.integration.pbx_config import extra_config
from tests.integration.phones import SipPhone, wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.security]

FOREIGN_MARK = "hotline-tenant-999999"
_counter = itertools.count(1)


async def endpoint_mark(harness: AriHarness, extension: str) -> str:
    listed = await harness.ari.get_dynamic_config("res_pjsip", "endpoint", extension)
    return next(str(item["value"]) for item in listed if item["attribute"] == "accountcode")


@pytest.fixture
async def marking_contexts(harness: AriHarness) -> AsyncIterator[str]:
    home_mark = await endpoint_mark(harness, "1002")
    dialplan = f"""
[hl-test-mark-home]
exten => _X.,1,Set(CHANNEL(accountcode)={home_mark})
 same => n,Goto(hotline-agents,${{EXTEN}},1)
[hl-test-mark-foreign]
exten => _X.,1,Set(CHANNEL(accountcode)={FOREIGN_MARK})
 same => n,Goto(hotline-agents,${{EXTEN}},1)
[hl-test-unmarked]
exten => _X.,1,Goto(hotline-agents,${{EXTEN}},1)
"""
    async with extra_config(dialplan=dialplan):
        yield home_mark


async def refused(harness: AriHarness, extension: str, context: str) -> None:
    """The call ends without ever being answered, well before Dial's 30 s."""
    channel_id = f"hl-test-tenant-{next(_counter)}-{uuid.uuid4().hex[:6]}"
    try:
        await harness.ari.originate(
            f"Local/{extension}@{context}/n",
            channel_id=channel_id,
            app=TEST_APP,
            caller_id='"Test" <5550700>',
            timeout_s=30,
        )
    except AriError:
        return  # refused before the channel existed: also never rang
    await harness.wait_event(channel_id, "ChannelDestroyed", 10)
    seen = [event.type for event in harness.events.get(channel_id, [])]
    assert "StasisStart" not in seen, f"{extension} answered a call from {context}: {seen}"


async def test_agent_endpoints_carry_their_tenants_mark(harness: AriHarness) -> None:
    marks = {ext: await endpoint_mark(harness, ext) for ext in ("1001", "1002")}
    assert marks["1001"] == marks["1002"]
    assert marks["1001"].startswith("hotline-tenant-")


async def test_given_a_caller_of_the_same_tenant_then_the_extension_rings_and_answers(
    harness: AriHarness,
    agents_ready: dict[str, SipPhone],
    marking_contexts: str,
    clean_pbx: None,
) -> None:
    caller = await harness.call("1002", context="hl-test-mark-home", answer_timeout_s=15)

    async def hears_agent() -> bool:
        return tone_ratio(await caller.listen(1.0), 440) > 0.5

    await wait_until(hears_agent, 15, "the caller to hear extension 1002")
    await caller.hangup()


async def test_given_a_caller_of_another_tenant_or_unmarked_then_the_extension_never_rings(
    harness: AriHarness,
    agents_ready: dict[str, SipPhone],
    marking_contexts: str,
    clean_pbx: None,
) -> None:
    await refused(harness, "1002", "hl-test-mark-foreign")
    await refused(harness, "1002", "hl-test-unmarked")
    # An unknown extension ends the same way, so nothing tells them apart.
    await refused(harness, "1999", "hl-test-mark-home")
    # And the phone is still there for its own tenant.
    await asyncio.sleep(0.5)
    caller = await harness.call("1002", context="hl-test-mark-home", answer_timeout_s=15)
    await caller.hangup()
