"""Hold and transfer on real calls: the caller stops hearing the agent on hold
and hears them again on resume; a blind transfer reaches the extension that
answers; one that cannot be reached sends the caller back to the queue,
where an agent answers them again (OP-05: never dropped), as does a
transfer to a queue."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import pytest

from hotline.settings import REPO_ROOT, read_env_file
from tests.integration.audio import Audio, tone_ratio
from tests.integration.conftest import Api, hotline_cli
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

AGENT_HZ = 440


def agent_heard(audio: Audio) -> float:
    """Share of 100 ms windows the agent's steady tone fills (> half their
    energy at 440 Hz).  Not the best single window: the queue's hold music
    is real music, and a held A note can fill one window, never most."""
    window = audio.rate // 10
    chunks = [
        Audio(audio.rate, audio.samples[start : start + window + 1])
        for start in range(0, len(audio.samples) - window, window)
    ]
    if not chunks:
        return 0.0
    return sum(tone_ratio(chunk, AGENT_HZ) > 0.5 for chunk in chunks) / len(chunks)


@pytest.fixture
async def only_1001(api: Api, agents_ready: dict[str, SipPhone]) -> AsyncIterator[None]:
    """1001 takes the queue's calls; 1002 is paused (its phone still answers
    calls rung to it directly, as a transfer does)."""
    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        yield
    finally:
        await api.post("/agents/1002/ready")


async def _answered_by_1001(api: Api, harness: AriHarness, number: str) -> SimCaller:
    caller = await harness.call("8000", caller_id=number)
    await caller.press("1")
    call_id = f"{caller.channel_id};2"

    async def answered() -> bool:
        return bool((await api.get("/agents/1001"))["connected_call_id"] == call_id)

    await wait_until(answered, 20, f"1001 to answer {call_id}")
    return caller


async def _timeline(api: Api, caller: SimCaller) -> list[str]:
    return [e["kind"] for e in (await api.get(f"/calls/{caller.channel_id};2"))["timeline"]]


async def test_given_a_call_on_hold_then_the_caller_stops_hearing_the_agent_until_resumed(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550301")
    assert agent_heard(await caller.listen(1.5)) > 0.7
    held = await api.post("/agents/1001/call", {"action": "hold"})
    assert held["held"] is True and (await api.get("/agents/1001"))["held"] is True
    assert agent_heard(await caller.listen(1.5)) < 0.3, "the caller hears the agent"
    await api.post("/agents/1001/call", {"action": "resume"})
    assert agent_heard(await caller.listen(1.5)) > 0.7
    await caller.hangup()

    async def closed() -> bool:
        return "ended" in await _timeline(api, caller)

    await wait_until(closed, 10, "the call to be closed")
    kinds = await _timeline(api, caller)
    assert kinds.index("held") < kinds.index("resumed")


async def test_given_a_blind_transfer_to_an_extension_then_whoever_answers_gets_the_caller(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550302")
    await api.post("/agents/1001/call", {"action": "transfer", "target": "extension:1002"})

    async def transfer_answered() -> bool:
        return "transfer_answered" in await _timeline(api, caller)

    await wait_until(transfer_answered, 20, "extension 1002 to answer the transfer")
    # The agent is free of it (wrap-up, then ready); the caller hears 1002.
    assert (await api.get("/agents/1001"))["connected_call_id"] is None
    assert agent_heard(await caller.listen(1.5)) > 0.7
    bridges = [b for b in await harness.bridges() if caller.channel_id + ";2" in b["channels"]]
    assert len(bridges) == 1 and any(c.startswith("hl-xfer-") for c in bridges[0]["channels"])
    await caller.hangup()

    async def closed() -> bool:
        return "ended" in await _timeline(api, caller)

    await wait_until(closed, 10, "the transferred call to be closed")
    # clean_pbx: the transfer's leg and the bridge are gone with the caller.


async def test_given_a_transfer_nobody_can_take_then_the_caller_is_back_in_the_queue_and_answered(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550303")
    call_id = f"{caller.channel_id};2"
    # No phone has extension 1999: Asterisk refuses at once.
    await api.post("/agents/1001/call", {"action": "transfer", "target": "extension:1999"})

    async def answered_again() -> bool:
        kinds = await _timeline(api, caller)
        return "transfer_failed" in kinds and kinds.count("answered") == 2

    await wait_until(answered_again, 30, "the caller to be answered again from the queue")
    assert (await api.get("/agents/1001"))["connected_call_id"] == call_id
    assert await caller.is_up()
    kinds = await _timeline(api, caller)
    assert kinds.count("queue_joined") == 2
    await caller.hangup()


async def test_given_a_transfer_to_a_queue_then_the_caller_waits_in_their_bridge_and_is_answered(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550307")
    call_id = f"{caller.channel_id};2"

    async def callers_bridges() -> list[dict[str, str]]:
        return [
            {"id": b["id"], "made": b["creationtime"]}
            for b in await harness.bridges()
            if call_id in b["channels"]
        ]

    before = await callers_bridges()
    assert [b["id"] for b in before] == [f"hl-q-{call_id}"]
    await api.post("/agents/1001/call", {"action": "transfer", "target": "queue:support"})

    async def answered_again() -> bool:
        return (await _timeline(api, caller)).count("answered") == 2

    await wait_until(answered_again, 30, "the caller to be answered again from the queue")
    # Their one queue bridge stayed theirs all along: kept, not made anew.
    assert await callers_bridges() == before
    assert agent_heard(await caller.listen(1.5)) > 0.7
    kinds = await _timeline(api, caller)
    assert kinds.count("queue_joined") == 2 and "transfer_failed" not in kinds
    await caller.hangup()


async def _consult_answered(api: Api, caller: SimCaller) -> None:
    async def answered() -> bool:
        return "consult_answered" in await _timeline(api, caller)

    await wait_until(answered, 20, "extension 1002 to answer the consultation")


async def test_given_a_consultation_then_complete_hands_the_caller_to_the_extension(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550304")
    await api.post("/agents/1001/call", {"action": "consult", "target": "extension:1002"})
    await _consult_answered(api, caller)
    status = await api.get("/agents/1001")
    assert status["held"] is True and status["consulting"] == {
        "extension": "1002",
        "answered": True,
    }
    # The caller holds: they hear neither the agent nor the extension.
    assert agent_heard(await caller.listen(1.5)) < 0.3
    await api.post("/agents/1001/call", {"action": "complete"})

    async def with_1002() -> bool:
        return "transfer_answered" in await _timeline(api, caller)

    await wait_until(with_1002, 10, "the caller to be put through to 1002")
    assert (await api.get("/agents/1001"))["connected_call_id"] is None
    assert agent_heard(await caller.listen(1.5)) > 0.7
    await caller.hangup()

    async def closed() -> bool:
        return "ended" in await _timeline(api, caller)

    await wait_until(closed, 10, "the call to be closed")


async def test_given_a_consultation_when_cancelled_then_the_agent_is_back_with_the_caller(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550305")
    call_id = f"{caller.channel_id};2"
    await api.post("/agents/1001/call", {"action": "consult", "target": "extension:1002"})
    await _consult_answered(api, caller)
    back = await api.post("/agents/1001/call", {"action": "cancel"})
    assert back["held"] is False and back["consulting"] is None
    assert agent_heard(await caller.listen(1.5)) > 0.7
    assert (await api.get("/agents/1001"))["connected_call_id"] == call_id
    kinds = await _timeline(api, caller)
    assert kinds.index("consult_answered") < kinds.index("consult_cancelled")
    await caller.hangup()


def _kill_and_restart_hotline() -> None:
    """kill -9 Hotline; ``hotline up`` starts it again, and it adopts the calls."""
    env = read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")
    os.kill(int(env["HOTLINE_PID"]), signal.SIGKILL)
    hotline_cli("up")


async def _back_with_1001(api: Api, caller: SimCaller) -> None:
    call_id = f"{caller.channel_id};2"

    async def with_1001() -> bool:
        status = await api.get("/agents/1001")
        return bool(status["connected_call_id"] == call_id and status["held"] is False)

    await wait_until(with_1001, 20, f"1001 to be back with {call_id}, not holding")
    assert agent_heard(await caller.listen(1.5)) > 0.7, "the caller does not hear the agent"


async def test_given_a_call_on_hold_when_hotline_restarts_then_the_agent_is_back_with_the_caller(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    """The hold lived in the old process: after a restart nothing could
    resume it, so the agent is brought back to the caller at once."""
    caller = await _answered_by_1001(api, harness, "5550308")
    await api.post("/agents/1001/call", {"action": "hold"})
    assert agent_heard(await caller.listen(1.5)) < 0.3
    _kill_and_restart_hotline()
    await _back_with_1001(api, caller)
    kinds = await _timeline(api, caller)
    assert kinds.index("held") < kinds.index("resumed")
    await caller.hangup()


async def test_given_a_consultation_when_hotline_restarts_then_the_agent_is_back_and_the_extension_freed(  # noqa: E501
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550309")
    await api.post("/agents/1001/call", {"action": "consult", "target": "extension:1002"})
    await _consult_answered(api, caller)
    assert any(b["id"].startswith("hl-cb-") for b in await harness.bridges())
    _kill_and_restart_hotline()
    await _back_with_1001(api, caller)

    async def consultation_gone() -> bool:
        channels = [c["id"] for c in await harness.channels()]
        bridges = [b["id"] for b in await harness.bridges()]
        return not any(c.startswith("hl-cons-") for c in channels) and not any(
            b.startswith("hl-cb-") for b in bridges
        )

    await wait_until(consultation_gone, 10, "the consulted extension's leg and bridge to go")
    await caller.hangup()
    # clean_pbx: nothing of the call, the consultation included, is left.


async def test_given_a_transferred_call_when_hotline_restarts_then_caller_and_extension_talk_on(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    """The transfer lived in the old process: the restart adopts the pair
    (the caller with the extension in their bridge) instead of sending the
    caller through their flow again, and either side's hang-up ends both."""
    caller = await _answered_by_1001(api, harness, "5550310")
    await api.post("/agents/1001/call", {"action": "transfer", "target": "extension:1002"})

    async def transfer_answered() -> bool:
        return "transfer_answered" in await _timeline(api, caller)

    await wait_until(transfer_answered, 20, "extension 1002 to answer the transfer")
    _kill_and_restart_hotline()

    async def hears_1002() -> bool:
        return agent_heard(await caller.listen(1.5)) > 0.7

    await wait_until(hears_1002, 10, "the caller to go on hearing extension 1002")
    assert await hears_1002(), "the caller stopped hearing extension 1002"
    assert "node" not in (await _timeline(api, caller))[-3:], "the flow started again"
    await caller.hangup()

    async def closed() -> bool:
        return "ended" in await _timeline(api, caller)

    await wait_until(closed, 10, "the transferred call to be closed")
    # clean_pbx: 1002's leg and the bridge went with the caller.


async def test_given_a_transfer_to_a_flow_then_the_flow_runs_on_the_caller_with_their_data(
    harness: AriHarness, api: Api, only_1001: None, clean_pbx: None
) -> None:
    caller = await _answered_by_1001(api, harness, "5550306")
    # The demo's "Post-call survey" is a published flow of the demo tenant.
    result = await api.post(
        "/agents/1001/call", {"action": "transfer", "target": "flow:Post-call survey"}
    )
    assert result["target"] == "flow:Post-call survey"
    assert (await api.get("/agents/1001"))["connected_call_id"] is None
    await asyncio.sleep(1.0)  # the flow's prompt starts
    await caller.press("4")

    async def flow_over() -> bool:
        return not await caller.is_up()

    await wait_until(flow_over, 30, "the flow to thank the caller and hang up")
    timeline = (await api.get(f"/calls/{caller.channel_id};2"))["timeline"]
    kinds = [e["kind"] for e in timeline]
    transferred = kinds.index("transferred")
    assert timeline[transferred]["data"]["flow"] == "Post-call survey"
    assert "node" in kinds[transferred:], "the flow ran no node"
    assert kinds.count("ended") == 1
