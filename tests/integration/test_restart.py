"""kill -9 Hotline with callers queued: Asterisk keeps them, the restart adopts them."""

from __future__ import annotations

import os
import signal

import pytest

from hotline.settings import REPO_ROOT, read_env_file
from tests.integration.audio import audible_seconds, tone_ratio
from tests.integration.conftest import Api, ensure_registered, hotline_cli
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk


async def _waiting(api: Api) -> list[str]:
    status = await api.get("/queues/support")
    return [w["call_id"] for w in status["waiting"]]


async def test_given_three_queued_callers_when_hotline_is_killed_and_restarted_then_they_are_served_in_order(  # noqa: E501
    harness: AriHarness, api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    # Agent 1002 is on a call with an earlier caller across the restart.
    await api.post("/agents/1001/pause", {"reason": "other"})
    talking = await harness.call("8000", caller_id="5550200")
    await talking.press("1")

    async def on_call() -> bool:
        return bool((await api.get("/agents/1002"))["state"] == "on_call")

    await wait_until(on_call, 15, "agent 1002 to answer the first caller")
    await api.post("/agents/1002/pause", {"reason": "other"})

    callers: list[SimCaller] = []
    for number in ("5550201", "5550202", "5550203"):
        caller = await harness.call("8000", caller_id=number)
        await caller.press("1")
        callers.append(caller)
        expected = len(callers)

        async def queued(count: int = expected) -> bool:
            return len(await _waiting(api)) == count

        await wait_until(queued, 10, f"{expected} callers waiting")
    order_before = await _waiting(api)
    assert order_before == [f"{c.channel_id};2" for c in callers]

    env = read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")
    os.kill(int(env["HOTLINE_PID"]), signal.SIGKILL)

    # Hotline is dead: the callers are still on the line, hearing hold music.
    for caller in callers:
        assert await caller.is_up()
    hold = await callers[0].listen(1.5)
    assert audible_seconds(hold) >= 0.5, "no hold music while Hotline is down"

    hotline_cli("up")
    new_env = read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")
    assert new_env["HOTLINE_PID"] != env["HOTLINE_PID"]

    async def adopted() -> bool:
        return await _waiting(api) == order_before

    await wait_until(adopted, 15, "the 3 callers to be adopted in their original order")

    # The call in progress survived: same pair, and the caller still hears the agent.
    agent_1002 = await api.get("/agents/1002")
    assert agent_1002["state"] == "on_call"
    assert agent_1002["connected_call_id"] == f"{talking.channel_id};2"
    heard = await talking.listen(1.5)
    assert tone_ratio(heard, 440) > 0.5, "the restored call lost the agent's audio"
    await talking.hangup()

    # Its recording (the demo queue records every call) went on across the
    # restart and was kept whole: both sides, from before the kill to the end.
    talking_id = f"{talking.channel_id};2"

    async def talking_recorded() -> bool:
        recording = (await api.get(f"/calls/{talking_id}")).get("recording") or {}
        return bool(recording.get("status") == "stored")

    await wait_until(talking_recorded, 20, f"the adopted recording of {talking_id} to be stored")
    recording = (await api.get(f"/calls/{talking_id}"))["recording"]
    assert recording["channels"] == 2, recording
    assert recording["duration_s"] >= 3.0, recording

    async def after_call_work_done() -> bool:
        return bool((await api.get("/agents/1002"))["state"] == "not_ready")

    await wait_until(after_call_work_done, 10, "agent 1002 to end wrap-up paused")

    # 1001's phone must still be registered: right after the Asterisk-restart
    # test, Asterisk's SIP queues can be so busy that a contact drops; a
    # restarted phone registers at once (this test is about Hotline's restart).
    await ensure_registered(api, {"1001": agents_ready["1001"]})

    # One agent serves them one after another, in queue order.
    await api.post("/agents/1001/ready")
    served: list[str] = []
    for caller in callers:
        call_id = f"{caller.channel_id};2"

        async def connected(call_id: str = call_id) -> bool:
            status = await api.get("/agents/1001")
            return bool(status["connected_call_id"] == call_id)

        try:
            await wait_until(connected, 20, f"agent 1001 to be connected to {call_id}")
        except AssertionError as exc:
            agent = await api.get("/agents/1001")
            queue = await api.get("/queues/support")
            raise AssertionError(f"{exc}; agent={agent}; queue={queue}") from None
        served.append(call_id)
        assert await caller.is_up()
        await caller.hangup()
    assert served == order_before
