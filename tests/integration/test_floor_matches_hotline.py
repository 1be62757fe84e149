"""The bench's floor makes the requests Hotline makes: checked on a real call.

``make bench`` prints Hotline's CPU per call beside a floor app's
(tests/bench/floor_app.py), which is a floor only while it sends what
Hotline sends for the bench's call.  The floor's unit test holds it to
HOTLINE_CALL; this test holds Hotline to the same list, as Asterisk's own
request log records it for the bench's call: DID 8000, "1" pressed during
the greeting, an agent answers, the caller hangs up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from hotline.seed import DEMO_QUEUE
from tests.bench.hotline_call import HOTLINE_CALL, request_shape
from tests.integration.ari_trace import AriTrace, TracedRequest, ari_trace
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_acd_config import _reload, _sql

pytestmark = pytest.mark.asterisk


@pytest.fixture
async def bench_queue() -> AsyncIterator[None]:
    """The demo queue as ``make bench`` runs it: not recording
    (tests/bench/hotline_side.py), so no snoop channels join the call."""
    ((saved,),) = _sql("select record_policy from queue where name = ?", DEMO_QUEUE)
    _sql("update queue set record_policy = 'none' where name = ?", DEMO_QUEUE)
    await _reload()
    try:
        yield
    finally:
        _sql("update queue set record_policy = ? where name = ?", saved, DEMO_QUEUE)
        await _reload()


def hotline_requests_for(caller: str, traced: list[TracedRequest]) -> list[TracedRequest]:
    """Requests about the caller's Hotline side (the Local channel's ``;2``),
    or about an agent leg originated for it.  The test's own requests name
    only the ``;1`` half, so none of them is picked."""
    agent_legs: set[str] = set()
    picked = []
    for request in traced:
        if request.mentions(caller):
            picked.append(request)
            if request.method == "POST" and request.path == "/channels":
                agent_legs.add(request.params.get("channelId", ""))
        elif any(leg and request.mentions(leg) for leg in agent_legs):
            picked.append(request)
    return picked


async def wait_for_request(trace: AriTrace, caller: str, method: str, path_end: str) -> None:
    """Poll Asterisk's log every 50 ms: the digit must reach Hotline while
    the greeting (about a second) still plays, as the bench's caller's does."""
    deadline = time.monotonic() + 15
    while not any(
        r.method == method and r.path.endswith(path_end)
        for r in hotline_requests_for(caller, trace.requests())
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {method} …{path_end} from Hotline in Asterisk's log")
        await asyncio.sleep(0.05)


async def test_hotline_sends_the_floors_requests_for_the_bench_call(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    bench_queue: None,
    clean_pbx: None,
) -> None:
    with ari_trace() as trace:
        caller = await harness.call("8000", caller_id="5550177")
        hotline_side = f"{caller.channel_id};2"
        # The bench's caller presses 1 while the greeting plays.
        await wait_for_request(trace, hotline_side, "POST", "/play")
        await caller.press("1")

        async def answered() -> bool:
            return any(a["state"] == "on_call" for a in await api.get("/agents"))

        await wait_until(answered, 15, "an agent to answer")
        await asyncio.sleep(1.0)
        await caller.hangup()
        await wait_for_request(trace, hotline_side, "DELETE", f"/bridges/hl-q-{hotline_side}")
        picked = hotline_requests_for(hotline_side, trace.requests())

    agent_legs = {r.params["channelId"] for r in picked if r.path == "/channels"}
    shapes = [request_shape(r.method, r.path, agent_legs.__contains__) for r in picked]
    assert shapes == HOTLINE_CALL, "\n".join(f"{r.method} {r.path} {r.params}" for r in picked)
    originate = next(r for r in picked if r.path == "/channels")
    assert originate.params["app"] == "hotline"
    assert originate.params["appArgs"].startswith(f"agent,{hotline_side},")
