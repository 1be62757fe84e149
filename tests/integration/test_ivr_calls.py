"""IVR behaviour on real calls: invalid input, floods, hang-ups, versions."""

from __future__ import annotations

import asyncio
import copy

import pytest

from ari_apps.ivr.demo import MAIN_MENU
from tests.integration.audio import audible_seconds
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk


async def _timeline(api: Api, call_id: str) -> list[dict[str, object]]:
    record = await api.get(f"/calls/{call_id}")
    return list(record["timeline"])


async def test_given_menu_when_three_invalid_keys_then_goodbye_and_hangup(
    harness: AriHarness, api: Api, clean_pbx: None
) -> None:
    caller = await harness.call("8000", caller_id="5550301")
    for _ in range(3):
        await asyncio.sleep(2.5)  # let the prompt start: keys go to the menu
        await caller.press("7")

    async def hung_up() -> bool:
        return not await caller.is_up()

    await wait_until(hung_up, 25, "Hotline to say goodbye and hang up")
    record = await api.get(f"/calls/{caller.channel_id};2")
    assert record["disposition"] == "ivr_hangup"
    invalid = [
        e for e in record["timeline"] if e["kind"] == "input" and e["data"]["kind"] == "invalid"
    ]
    assert len(invalid) == 3, record["timeline"]


async def test_given_caller_mid_flow_when_dtmf_flood_then_hangup_leaves_nothing_behind(
    harness: AriHarness, api: Api, clean_pbx: None
) -> None:
    caller = await harness.call("8000", caller_id="5550302")
    await caller.press("78*#0" * 8)
    await caller.hangup()

    async def closed() -> bool:
        record = await api.get(f"/calls/{caller.channel_id};2")
        return record["ended_at"] is not None

    await wait_until(closed, 10, "the call record to close")
    live = await api.get("/calls/live")
    assert all(call["call_id"] != f"{caller.channel_id};2" for call in live)


async def test_given_unknown_did_when_called_then_caller_hears_an_announcement_and_is_released(
    harness: AriHarness, clean_pbx: None
) -> None:
    caller = await harness.call("8999", caller_id="5550303")
    heard = await caller.listen(2.0)
    assert audible_seconds(heard) >= 0.5, "a caller to an unknown DID heard silence"

    async def released() -> bool:
        return not await caller.is_up()

    await wait_until(released, 15, "the safe context to hang up")


async def test_given_call_in_progress_when_new_version_published_then_call_keeps_its_version(
    harness: AriHarness, api: Api, clean_pbx: None
) -> None:
    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == "Main menu")
    before = await api.get(f"/flows/{flow['id']}")
    old_version_id = before["published_version_id"]

    first = await harness.call("8000", caller_id="5550304")

    # v2: option 9 hangs up instead of repeating the menu.
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["bye_v2"] = {"kind": "hangup", "media": ["sound:vm-goodbye"]}
    draft["nodes"]["menu"]["options"]["9"] = "bye_v2"
    try:
        await api.put(f"/flows/{flow['id']}/draft", draft)
        published = await api.post(f"/flows/{flow['id']}/publish")
        assert published["version_id"] != old_version_id

        second = await harness.call("8000", caller_id="5550305")
        first_record = await api.get(f"/calls/{first.channel_id};2")
        second_record = await api.get(f"/calls/{second.channel_id};2")
        assert first_record["flow_version_id"] == old_version_id
        assert second_record["flow_version_id"] == published["version_id"]

        # The new version behaves differently for the new call only.
        await asyncio.sleep(2.5)
        await second.press("9")
        await first.press("9")

        async def second_gone() -> bool:
            return not await second.is_up()

        await wait_until(second_gone, 10, "v2's option 9 to hang up")
        assert await first.is_up(), "the call on v1 was changed by publishing v2"
        first_menus = [
            e
            for e in await _timeline(api, f"{first.channel_id};2")
            if e["kind"] == "node" and e["data"]["node"] == "menu"  # type: ignore[index]
        ]
        assert len(first_menus) >= 2, "v1's option 9 should repeat the menu"
    finally:
        await api.put(f"/flows/{flow['id']}/draft", before["draft"])
        await api.post(f"/flows/{flow['id']}/publish")
