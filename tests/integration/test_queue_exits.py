"""How callers leave a queue, on real calls: the flow node's own max wait, an
overflow rule's target (a flow node, a voicemail box), and a queue deleted
while Hotline runs.  Each of these was lost on the way to the ACD or the flow
before 2026-12-04 (the flow node's max wait and options were dropped, the
overflow's target was never read, a deleted queue stayed live until restart).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from ari_apps.ivr.demo import MAIN_MENU
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_acd_config import _create_queue, _reload, _sql
from tests.integration.test_acd_config import support_settings as support_settings
from tests.integration.test_voicemail import _play_tone, _recordings_in_progress

pytestmark = pytest.mark.asterisk


async def _pause_both(api: Api, agents: dict[str, SipPhone]) -> None:
    for extension in agents:
        await api.post(f"/agents/{extension}/pause", {"reason": "other"})


async def _gone(caller: SimCaller) -> None:
    async def hung_up() -> bool:
        return not await caller.is_up()

    await wait_until(hung_up, 25, "the caller to leave the queue and be hung up")


@dataclass
class MenuDraft:
    """A changed copy of the demo menu, published on demand."""

    api: Api
    flow_id: int
    nodes: dict[str, Any]

    async def publish(self) -> None:
        draft = copy.deepcopy(MAIN_MENU) | {"nodes": self.nodes}
        await self.api.put(f"/flows/{self.flow_id}/draft", draft)
        await self.api.post(f"/flows/{self.flow_id}/publish")


@pytest.fixture
async def main_menu_draft(api: Api) -> AsyncIterator[MenuDraft]:
    """The demo menu to change; the version published before comes back after."""
    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == "Main menu")
    before = await api.get(f"/flows/{flow['id']}")
    try:
        yield MenuDraft(api, flow["id"], copy.deepcopy(MAIN_MENU["nodes"]))
    finally:
        await api.put(f"/flows/{flow['id']}/draft", before["draft"])
        await api.post(f"/flows/{flow['id']}/publish")


async def test_given_flow_node_max_wait_and_no_queue_max_wait_then_caller_leaves_by_the_node(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    support_settings: None,
    main_menu_draft: MenuDraft,
    clean_pbx: None,
) -> None:
    await _pause_both(api, agents_ready)
    _sql("update queue set max_wait_s = null where name = 'support'")
    await _reload()
    main_menu_draft.nodes["support_queue"]["max_wait_s"] = 5
    main_menu_draft.nodes["support_queue"]["on_overflow"] = "voicemail_done"
    await main_menu_draft.publish()

    caller = await harness.call("8000", caller_id="5550801")
    await caller.press("1")
    await _gone(caller)
    record = await api.get(f"/calls/{caller.channel_id};2")
    left = next(e for e in record["timeline"] if e["kind"] == "queue_left")
    assert left["data"]["outcome"] == "timed_out", left
    assert not any(e["kind"] == "overflow" for e in record["timeline"])
    visited = [e["data"]["node"] for e in record["timeline"] if e["kind"] == "node"]
    assert visited[-1] == "voicemail_done", visited


async def test_given_flow_node_overflow_rule_then_the_caller_goes_to_that_node(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    support_settings: None,
    clean_pbx: None,
) -> None:
    await _pause_both(api, agents_ready)
    # Not the queue node's own on_overflow ("goodbye"): only the rule names it.
    _sql(
        "update queue set max_wait_s = 4, overflow_kind = 'flow_node', "
        "overflow_target = 'voicemail_done' where name = 'support'"
    )
    await _reload()
    caller = await harness.call("8000", caller_id="5550802")
    await caller.press("1")
    await _gone(caller)
    record = await api.get(f"/calls/{caller.channel_id};2")
    visited = [e["data"]["node"] for e in record["timeline"] if e["kind"] == "node"]
    assert visited[-1] == "voicemail_done", visited
    assert "goodbye" not in visited


async def test_given_voicemail_overflow_rule_then_the_message_lands_in_the_configured_box(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    agents_ready: dict[str, SipPhone],
    support_settings: None,
    clean_pbx: None,
) -> None:
    await _pause_both(api, agents_ready)
    # Box 1002, not the demo flow's 5000: the rule's box is what counts.
    _sql(
        "update queue set max_wait_s = 4, overflow_kind = 'voicemail', "
        "overflow_target = '1002' where name = 'support'"
    )
    await _reload()
    before = {m["id"] for m in await api.get("/voicemail/boxes/1002/messages")}
    recording_before = _recordings_in_progress(hotline_env)
    caller = await harness.call("8000", caller_id="5550803")
    await caller.press("1")

    # Box 1002's greeting is long (it spells the number); wait for the
    # recording itself rather than for a beep heard in slices of audio.
    def recording() -> bool:
        return bool(_recordings_in_progress(hotline_env) - recording_before)

    await wait_until(recording, 45, "the voicemail recording to start after the overflow")
    await asyncio.sleep(0.5)
    await _play_tone(caller, hotline_env, 2.0)
    await caller.press("#")

    async def new_message() -> list[dict[str, object]]:
        messages = await api.get("/voicemail/boxes/1002/messages")
        return [m for m in messages if m["id"] not in before and m["caller_id"] == "5550803"]

    await wait_until(new_message, 20, "a message from 5550803 in box 1002")
    message = (await new_message())[0]
    assert float(str(message["duration_s"])) >= 1.5, message
    await _gone(caller)
    record = await api.get(f"/calls/{caller.channel_id};2")
    overflow = next(e for e in record["timeline"] if e["kind"] == "overflow")
    assert overflow["data"] == {"kind": "voicemail", "target": "1002"}
    await asyncio.to_thread(api._call, "DELETE", f"/voicemail/messages/{message['id']}")


async def test_given_queue_deleted_while_running_then_it_leaves_the_acd_without_a_restart(
    api: Api, agents_ready: dict[str, SipPhone]
) -> None:
    queue_id = _create_queue("short_lived", member="1001")
    await _reload()
    assert "short_lived" in [q["name"] for q in await api.get("/queues")]
    assert "short_lived" in (await api.get("/agents/1001"))["queues"]

    _sql("delete from queue_member where queue_id = ?", queue_id)
    _sql("delete from queue where id = ?", queue_id)
    await _reload()
    assert "short_lived" not in [q["name"] for q in await api.get("/queues")]
    assert "short_lived" not in (await api.get("/agents/1001"))["queues"]
    assert (await asyncio.to_thread(api._call, "GET", "/queues/support"))["name"] == "support"
