"""Monitoring through the real Asterisk: a supervisor's SIP phone (1009)
listens to, whispers to and barges into a queue call, each party sending its
own tone, and what every party hears is recorded and analysed.

Tones: the caller 1000 Hz (played by the test), the agents' phones 440 Hz,
the supervisor's phone 1800 Hz.  What a party hears is recorded from a test
snoop on their channel (the direction Asterisk sends to them), never from the
channel itself, so the caller's playback and the recordings do not queue
behind each other; the agent's, off the wire to their phone
(``rtp_capture.py``), since no snoop can hear a whisper.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.audio import Audio, tone_ratio, tone_sound
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.rtp_capture import phone_hears

pytestmark = pytest.mark.asterisk

CALLER_HZ = 1000
AGENT_HZ = 440
SUPERVISOR_HZ = 1800
SUPERVISOR = "1009"
LISTEN_S = 2.5
# A tone counts as heard above this share of a window's energy, and as
# absent below the lower one.  Mixed with a louder one a tone keeps only a
# small share (the phones' tones are about 10 dB above the caller's), while
# digital mixing leaks nothing: an absent tone measures near 0.
HEARD = 0.03
ABSENT = 0.01


@pytest.fixture
async def supervisor_phone(
    hotline_env: dict[str, str], harness: AriHarness, tmp_path: Path
) -> AsyncIterator[SipPhone]:
    """The demo supervisor's phone, which Hotline provisions (not an agent's)."""
    phone = SipPhone(
        extension=SUPERVISOR,
        password=hotline_env["HOTLINE_DEMO_SIP_PASSWORD"],
        sip_host=hotline_env["HOTLINE_SIP_HOST"],
        sip_port=int(hotline_env["HOTLINE_SIP_PORT"]),
        workdir=tmp_path / "supervisor-phone",
        tone_hz=SUPERVISOR_HZ,
    )
    phone.start()

    async def registered() -> bool:
        endpoint = await harness.ari.get_endpoint("PJSIP", SUPERVISOR)
        return endpoint.get("state") == "online"

    try:
        await wait_until(registered, 20, f"phone {SUPERVISOR} to register")
        yield phone
    finally:
        phone.stop()


async def _hears(harness: AriHarness, channel_id: str, direction: str) -> Audio:
    """What the party on ``channel_id`` hears, for LISTEN_S: a test snoop's recording."""
    snoop_id = await harness.snoop(channel_id, direction)
    listener = SimCaller(harness, snoop_id, "", "")
    try:
        return await listener.listen(LISTEN_S)
    finally:
        await listener.hangup()


async def _all_hear(
    harness: AriHarness, caller: SimCaller, agent_channel: str, supervisor_channel: str
) -> dict[str, Audio]:
    # The caller is the ;1 half of a Local channel: what reaches it from
    # Hotline comes "in"; the supervisor's channel sends "out" to the phone.
    # The agent's phone is heard on the wire: a whisper is mixed in after
    # any snoop on the agent's channel could hear it (rtp_capture.py).
    agent_rtp = await harness.ari.get_channel_variable(agent_channel, "CHANNEL(rtp,dest)")
    caller_audio, agent_audio, supervisor_audio = await asyncio.gather(
        _hears(harness, caller.channel_id, "in"),
        phone_hears(agent_rtp, LISTEN_S),
        _hears(harness, supervisor_channel, "out"),
    )
    return {"caller": caller_audio, "agent": agent_audio, "supervisor": supervisor_audio}


def _tones(audio: Audio) -> dict[int, float]:
    return {hz: round(tone_ratio(audio, hz), 3) for hz in (CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ)}


def _check(heard: dict[str, Audio], expected: dict[str, set[int]]) -> None:
    for party, tones in expected.items():
        found = _tones(heard[party])
        print(f"{party} hears {found}")  # shown when the test fails
        for hz in (CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ):
            if hz in tones:
                assert found[hz] > HEARD, f"the {party} should hear {hz} Hz: {found}"
            else:
                assert found[hz] < ABSENT, f"the {party} should not hear {hz} Hz: {found}"


async def _session_state(api: Api, session_id: str) -> str | None:
    for session in await api.get("/monitoring"):
        if session["session_id"] == session_id:
            return str(session["state"])
    return None


async def _active(api: Api, session_id: str, what: str) -> None:
    async def active() -> bool:
        return await _session_state(api, session_id) == "active"

    await wait_until(active, 15, what)


async def test_given_a_queue_call_then_listen_whisper_and_barge_reach_exactly_who_they_should(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    agents_ready: dict[str, SipPhone],
    supervisor_phone: SipPhone,
    clean_pbx: None,
) -> None:
    caller = await harness.call("8000", caller_id=f"555{uuid.uuid4().int % 10_000:04d}")
    await caller.press("1")
    call_id = f"{caller.channel_id};2"

    async def answering_agent() -> str | None:
        for agent in await api.get("/agents"):
            if agent["connected_call_id"] == call_id:
                return str(agent["extension"])
        return None

    await wait_until(answering_agent, 20, f"an agent to answer {call_id}")
    agent = await answering_agent()
    assert agent is not None
    agent_channel = next(
        str(c["id"])
        for c in await harness.channels()
        if str(c["id"]).startswith(f"hl-agent-{agent}-")
    )
    # The caller "speaks" all along.
    await harness.ari.play(
        caller.channel_id,
        tone_sound(hotline_env, CALLER_HZ, 40.0),
        playback_id=f"hl-test-tone-{uuid.uuid4().hex[:8]}",
    )

    # Whisper: the supervisor hears both; only the agent hears the supervisor.
    session = await api.post(
        "/monitoring", {"agent": agent, "supervisor": SUPERVISOR, "mode": "whisper"}
    )
    session_id = session["session_id"]
    supervisor_channel = f"hl-mon-{session_id}"
    await _active(api, session_id, "the supervisor's phone to answer and join in whisper")
    heard = await _all_hear(harness, caller, agent_channel, supervisor_channel)
    _check(
        heard,
        {
            "caller": {AGENT_HZ},
            "agent": {CALLER_HZ, SUPERVISOR_HZ},
            "supervisor": {CALLER_HZ, AGENT_HZ},
        },
    )

    # Listen, on the same phone call: the supervisor is silent to both.
    await api.post(f"/monitoring/{session_id}/mode", {"mode": "listen"})
    await _active(api, session_id, "the session to go on in listen")
    heard = await _all_hear(harness, caller, agent_channel, supervisor_channel)
    _check(
        heard,
        {"caller": {AGENT_HZ}, "agent": {CALLER_HZ}, "supervisor": {CALLER_HZ, AGENT_HZ}},
    )

    # Barge: all three hear each other.
    await api.post(f"/monitoring/{session_id}/mode", {"mode": "barge"})
    await _active(api, session_id, "the session to go on in barge")
    heard = await _all_hear(harness, caller, agent_channel, supervisor_channel)
    _check(
        heard,
        {
            "caller": {AGENT_HZ, SUPERVISOR_HZ},
            "agent": {CALLER_HZ, SUPERVISOR_HZ},
            "supervisor": {CALLER_HZ, AGENT_HZ},
        },
    )

    # The call ends: the session ends with it, and the phone is hung up.
    await caller.hangup()

    async def ended() -> bool:
        return await _session_state(api, session_id) is None

    await wait_until(ended, 15, "the session to end with the call")
    # clean_pbx: no snoop, bridge or supervisor channel left in Asterisk.


async def test_given_a_session_when_the_supervisor_stops_it_then_the_call_goes_on(
    harness: AriHarness,
    api: Api,
    agents_ready: dict[str, SipPhone],
    supervisor_phone: SipPhone,
    clean_pbx: None,
) -> None:
    caller = await harness.call("8000", caller_id="5550199")
    await caller.press("1")
    call_id = f"{caller.channel_id};2"

    async def answering_agent() -> str | None:
        for agent in await api.get("/agents"):
            if agent["connected_call_id"] == call_id:
                return str(agent["extension"])
        return None

    await wait_until(answering_agent, 20, f"an agent to answer {call_id}")
    agent = await answering_agent()
    session = await api.post(
        "/monitoring", {"agent": agent, "supervisor": SUPERVISOR, "mode": "listen"}
    )
    await _active(api, session["session_id"], "the supervisor to listen")
    await api.post(f"/monitoring/{session['session_id']}/stop", {})
    supervisor_channel = f"hl-mon-{session['session_id']}"

    async def phone_gone() -> bool:
        return all(str(c["id"]) != supervisor_channel for c in await harness.channels())

    await wait_until(phone_gone, 10, "the supervisor's phone call to end")
    assert await caller.is_up(), "stopping monitoring must not end the call"
    assert (await api.get(f"/agents/{agent}"))["connected_call_id"] == call_id
    # Force release (强拆): the supervisor ends the call; the caller is hung up.
    released = await api.post("/monitoring/release", {"agent": agent})
    assert released["call_id"] == call_id

    async def caller_gone() -> bool:
        return not await caller.is_up()

    await wait_until(caller_gone, 10, "the released call's caller to be hung up")
