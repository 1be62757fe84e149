"""Queue configuration on real calls: overflow, announcements, several queues.

Queue settings are changed in the database and applied with SIGHUP, the way
the admin UI will apply them, without dropping anyone.
"""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ari_apps.ivr.demo import MAIN_MENU
from hotline.settings import REPO_ROOT, read_env_file
from tests.integration.conftest import Api, ensure_registered
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

DATABASE = REPO_ROOT / "var" / "hotline.sqlite3"


def _sql(statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(DATABASE) as connection:
        return list(connection.execute(statement, params))


LOG = REPO_ROOT / "var" / "log" / "hotline.log"


async def _reload() -> None:
    """SIGHUP Hotline and wait until it logged that the reload was applied."""
    before = LOG.read_text(errors="replace").count("configuration reloaded")
    env = read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")
    os.kill(int(env["HOTLINE_PID"]), signal.SIGHUP)

    def reloaded() -> bool:
        return LOG.read_text(errors="replace").count("configuration reloaded") > before

    await wait_until(reloaded, 10, "Hotline to apply the reload")


@pytest.fixture
async def support_settings(api: Api) -> AsyncIterator[None]:
    saved = _sql(
        "select max_wait_s, overflow_kind, overflow_target, announce_every_s from queue "
        "where name = 'support'"
    )[0]
    yield
    _sql(
        "update queue set max_wait_s = ?, overflow_kind = ?, overflow_target = ?, "
        "announce_every_s = ? where name = 'support'",
        *saved,
    )

    await _reload()


async def test_given_max_wait_when_nobody_answers_then_caller_overflows_to_the_flow_node(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    support_settings: None,
    clean_pbx: None,
) -> None:
    for extension in agents_ready:
        await api.post(f"/agents/{extension}/pause", {"reason": "other"})
    _sql(
        "update queue set max_wait_s = 6, overflow_kind = 'flow_node', "
        "overflow_target = 'goodbye', announce_every_s = 2 where name = 'support'"
    )
    await _reload()

    caller = await harness.call("8000", caller_id="5550701")
    await caller.press("1")
    call_id = f"{caller.channel_id};2"

    async def gone() -> bool:
        return not await caller.is_up()

    await wait_until(gone, 20, "the caller to overflow to 'goodbye' and be hung up")
    record = await api.get(f"/calls/{call_id}")
    kinds = [e["kind"] for e in record["timeline"]]
    assert "announced" in kinds, kinds
    left = next(e for e in record["timeline"] if e["kind"] == "queue_left")
    assert left["data"]["outcome"] == "overflowed"
    overflow = next(e for e in record["timeline"] if e["kind"] == "overflow")
    assert overflow["data"] == {"kind": "flow_node", "target": "goodbye"}
    goodbye = [e for e in record["timeline"] if e["kind"] == "node"]
    assert goodbye[-1]["data"]["node"] == "goodbye"
    assert record["disposition"] == "ivr_hangup"


def _create_queue(name: str, member: str) -> int:
    """A plain longest-idle queue of the demo tenant with one member, as rows;
    the caller applies it with ``_reload()``.  Returns the queue's id."""
    tenant_id = _sql("select id from tenant where name = 'demo'")[0][0]
    _sql(
        "insert into queue (name, strategy, ring_timeout_s, wrapup_s, join_empty, "
        "leave_empty, announce_ewt, moh_class, required_skills, max_misses, vip_caller_ids, "
        "vip_priority, tenant_id) values (?, 'longest-idle', 15, 2, 1, 0, 0, "
        "'default', '{}', 2, '[]', 10, ?)",
        name,
        tenant_id,
    )
    queue_id: int = _sql("select id from queue where name = ?", name)[0][0]
    agent_id = _sql("select id from agent where extension = ?", member)[0][0]
    _sql(
        "insert into queue_member (penalty, agent_id, queue_id) values (0, ?, ?)",
        agent_id,
        queue_id,
    )
    return queue_id


@pytest.fixture
async def billing_queue(api: Api) -> AsyncIterator[None]:
    """A second queue, served by agent 1001 only, on menu option 5."""
    queue_id = _create_queue("billing", member="1001")

    async def billing_known() -> bool:
        status = await api.get("/agents/1001")
        return "billing" in status["queues"]

    await _reload()
    assert await billing_known()
    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == "Main menu")
    before = await api.get(f"/flows/{flow['id']}")
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["menu"]["options"]["5"] = "billing_queue"
    draft["nodes"]["billing_queue"] = {
        "kind": "queue",
        "queue": "billing",
        "on_overflow": "goodbye",
    }
    await api.put(f"/flows/{flow['id']}/draft", draft)
    await api.post(f"/flows/{flow['id']}/publish")
    try:
        yield
    finally:
        await api.put(f"/flows/{flow['id']}/draft", before["draft"])
        await api.post(f"/flows/{flow['id']}/publish")
        _sql("delete from queue_member where queue_id = ?", queue_id)

        async def billing_dropped() -> bool:
            return "billing" not in (await api.get("/agents/1001"))["queues"]

        await _reload()
        assert await billing_dropped()
        _sql("delete from queue where id = ?", queue_id)


async def test_given_agent_in_two_queues_when_ready_then_longest_waiting_caller_across_queues_first(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    billing_queue: None,
    clean_pbx: None,
) -> None:
    for extension in agents_ready:
        await api.post(f"/agents/{extension}/pause", {"reason": "other"})

    billing_caller = await harness.call("8000", caller_id="5550801")
    await billing_caller.press("5")

    async def billing_waiting() -> bool:
        return len((await api.get("/queues/billing"))["waiting"]) == 1

    await wait_until(billing_waiting, 10, "the billing caller to wait")
    support_caller = await harness.call("8000", caller_id="5550802")
    await support_caller.press("1")

    async def support_waiting() -> bool:
        return len((await api.get("/queues/support"))["waiting"]) == 1

    await wait_until(support_waiting, 10, "the support caller to wait")

    # 1001 serves both queues: the billing caller has waited longer, so goes first
    # even though support is 1001's first queue.
    await api.post("/agents/1001/ready")

    async def connected_to(call_id: str) -> bool:
        return bool((await api.get("/agents/1001"))["connected_call_id"] == call_id)

    first = f"{billing_caller.channel_id};2"
    await wait_until(lambda: connected_to(first), 15, "1001 to take the billing caller")
    assert len((await api.get("/queues/support"))["waiting"]) == 1
    await billing_caller.hangup()
    second = f"{support_caller.channel_id};2"
    await wait_until(lambda: connected_to(second), 15, "1001 to take the support caller next")
    await support_caller.hangup()


@pytest.fixture
async def short_rings(api: Api) -> AsyncIterator[None]:
    saved = _sql("select ring_timeout_s, max_misses from queue where name = 'support'")[0]
    _sql("update queue set ring_timeout_s = 3, max_misses = 2 where name = 'support'")
    await _reload()
    yield
    _sql("update queue set ring_timeout_s = ?, max_misses = ? where name = 'support'", *saved)
    await _reload()


async def test_given_agent_who_does_not_answer_then_caller_keeps_place_and_agent_turns_not_ready(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    short_rings: None,
    clean_pbx: None,
) -> None:
    await api.post("/agents/1001/pause", {"reason": "other"})
    silent = agents_ready["1002"]
    silent.stop()
    silent.auto_answer = False
    silent.start()
    try:
        # Restarts it again if Asterisk was too busy to take the REGISTER.
        await ensure_registered(api, {"1002": agents_ready["1002"]})
        caller = await harness.call("8000", caller_id="5550901")
        await caller.press("1")
        call_id = f"{caller.channel_id};2"

        async def missed_twice() -> bool:
            status = await api.get("/agents/1002")
            return bool(status["state"] == "not_ready" and status["reason"] == "missed")

        await wait_until(missed_twice, 30, "1002 to be made not ready after 2 missed offers")
        record = await api.get(f"/calls/{call_id}")
        offers = [e for e in record["timeline"] if e["kind"] == "offered"]
        assert len(offers) == 2, record["timeline"]
        waiting = (await api.get("/queues/support"))["waiting"]
        assert [w["call_id"] for w in waiting] == [call_id]
        assert await caller.is_up()

        await api.post("/agents/1001/ready")

        async def answered_by_1001() -> bool:
            return bool((await api.get("/agents/1001"))["connected_call_id"] == call_id)

        try:
            await wait_until(answered_by_1001, 15, "1001 to take the caller")
        except AssertionError as timeout:
            agent = await api.get("/agents/1001")
            timeline = (await api.get(f"/calls/{call_id}"))["timeline"]
            raise AssertionError(f"{timeout}; agent 1001: {agent}; call: {timeline}") from None
        await caller.hangup()
    finally:
        silent.stop()
        silent.auto_answer = True
        silent.start()
