"""HTTP look-up and transfer nodes on a real call, against a local business system."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from ari_apps.ivr.demo import MAIN_MENU
from tests.integration.audio import tone_ratio
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, free_tcp_port, wait_until

pytestmark = pytest.mark.asterisk


@pytest.fixture
async def billing_system() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in for a utility's billing system: answers account look-ups."""
    seen: list[str] = []

    async def account(request: web.Request) -> web.Response:
        seen.append(request.query.get("caller", ""))
        return web.json_response({"account": {"balance": "42", "owner_extension": "1002"}})

    app = web.Application()
    app.router.add_get("/accounts", account)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_tcp_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_given_lookup_and_transfer_nodes_when_caller_presses_4_then_balance_is_fetched_and_call_transferred(  # noqa: E501
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    billing_system: tuple[str, list[str]],
    clean_pbx: None,
) -> None:
    base_url, seen = billing_system
    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == "Main menu")
    before = await api.get(f"/flows/{flow['id']}")

    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["menu"]["options"]["4"] = "lookup"
    draft["nodes"]["lookup"] = {
        "kind": "http_lookup",
        "url": base_url + "/accounts?caller=${caller_id}",
        "assign": {"balance": "account.balance", "owner": "account.owner_extension"},
        "timeout_s": 3,
        "next": "say_balance",
        "on_failure": "goodbye",
    }
    draft["nodes"]["say_balance"] = {
        "kind": "play",
        "media": ["digits:${balance}"],
        "next": "to_owner",
    }
    draft["nodes"]["to_owner"] = {"kind": "transfer", "target": "${owner}", "on_failure": "goodbye"}
    try:
        saved = await api.put(f"/flows/{flow['id']}/draft", draft)
        assert saved["issues"] == [], saved["issues"]
        await api.post(f"/flows/{flow['id']}/publish")

        caller = await harness.call("8000", caller_id="5550601")
        await asyncio.sleep(1.0)
        await caller.press("4")

        async def transferred() -> bool:
            record = await api.get(f"/calls/{caller.channel_id};2")
            return bool(record["disposition"] == "transferred")

        await wait_until(transferred, 15, "the flow to look up the account and transfer")
        assert seen == ["5550601"]
        record = await api.get(f"/calls/{caller.channel_id};2")
        lookups = [
            e["data"]
            for e in record["timeline"]
            if e["kind"] == "input" and e["data"]["kind"] == "lookup"
        ]
        assert lookups, record["timeline"]

        # The owner's phone (1002) answers the transferred call: its tone is heard.
        async def hears_agent() -> bool:
            heard = await caller.listen(1.0)
            return tone_ratio(heard, 440) > 0.5

        await wait_until(hears_agent, 15, "the caller to hear extension 1002")
        await caller.hangup()
    finally:
        await api.put(f"/flows/{flow['id']}/draft", before["draft"])
        await api.post(f"/flows/{flow['id']}/publish")
