"""Webhooks on a real call: a business system's endpoint (a real HTTP server
here) receives call.ringing, call.answered and call.ended for a queue call,
each signed with the subscription's secret (HMAC-SHA256 over "<t>.<body>",
checked here independently of Hotline's own code)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, free_tcp_port, wait_until
from tests.integration.test_acd_config import _sql

pytestmark = pytest.mark.asterisk

SECRET = "integration-secret-" + uuid.uuid4().hex[:8]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        received.append({"headers": dict(request.headers), "body": body, "json": json.loads(body)})
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_tcp_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


@pytest.fixture
async def subscribed(receiver: tuple[str, list[dict[str, Any]]]) -> AsyncIterator[None]:
    """A subscription of the demo tenant (127.0.0.1 is on its host allow-list
    in the tests' environment, as an operator would allow an internal host)."""
    url, _ = receiver
    tenant_id = _sql("select id from tenant where name = 'demo'")[0][0]
    kinds = json.dumps(["call.ringing", "call.answered", "call.ended"])
    _sql(
        "insert into webhook_subscription (tenant_id, name, url, secret, kinds, active, "
        "created_at) values (?, 'crm', ?, ?, ?, 1, datetime('now'))",
        tenant_id,
        url,
        SECRET,
        kinds,
    )
    subscription_id = _sql("select max(id) from webhook_subscription")[0][0]
    # The dispatcher re-reads which kinds anyone wants every 2 s.
    await asyncio.sleep(2.5)
    try:
        yield
    finally:
        _sql("delete from webhook_delivery where subscription_id = ?", subscription_id)
        _sql("delete from webhook_subscription where id = ?", subscription_id)


def _signed(entry: dict[str, Any]) -> bool:
    header = entry["headers"]["X-Hotline-Signature"]
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        SECRET.encode(), parts["t"].encode() + b"." + entry["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(parts["v1"], expected)


async def test_given_a_subscription_when_a_queue_call_rings_answers_and_ends_then_each_is_posted(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    receiver: tuple[str, list[dict[str, Any]]],
    subscribed: None,
    clean_pbx: None,
) -> None:
    _, received = receiver
    caller = await harness.call("8000", caller_id="5550401")
    await caller.press("1")
    call_id = f"{caller.channel_id};2"

    async def answered() -> bool:
        return any(a["connected_call_id"] == call_id for a in await api.get("/agents"))

    await wait_until(answered, 20, f"an agent to answer {call_id}")
    await caller.hangup()

    def kinds() -> list[str]:
        return [e["json"]["kind"] for e in received if e["json"]["call_id"] == call_id]

    await wait_until(lambda: "call.ended" in kinds(), 20, "call.ended to be posted")
    assert kinds()[:2] == ["call.ringing", "call.answered"], kinds()
    assert kinds().count("call.ended") == 1
    ours = [e for e in received if e["json"]["call_id"] == call_id]
    assert all(_signed(e) for e in ours), "a delivery is not signed with the secret"
    assert all(e["headers"]["X-Hotline-Event"] == e["json"]["kind"] for e in ours)
