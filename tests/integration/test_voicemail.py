"""Voicemail for real: DID 8000, option 2, a caller leaves a message in box 5000.

Checked end to end: the API lists it with the caller ID and a duration close
to what was played, its audio contains the caller's tone, the email with the
WAV arrives at the aiosmtpd inbox, and the support agent's SIP phone (baresip,
subscribed to message-summary) is told messages are waiting, then not after
the message is deleted through the API.
"""

from __future__ import annotations

import asyncio
import urllib.request
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from ari_apps.ivr.demo import MAIN_MENU, MAIN_MENU_NAME
from tests.integration.audio import (
    Audio,
    audible_seconds,
    read_wav,
    silence_sound,
    tone_ratio,
    tone_sound,
)
from tests.integration.conftest import Api, mwi_subscribed
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.smtp import Inbox

pytestmark = pytest.mark.asterisk

BOX = "5000"
BEEP_HZ = 700  # Asterisk's stock beep.wav
CALLER_TONE_HZ = 440
TONE_S = 3.0


async def _publish_demo_menu(api: Api) -> None:
    """Other tests publish their own versions of "Main menu": run the shipped one."""
    flows = await api.get("/flows")
    flow_id = next(flow["id"] for flow in flows if flow["name"] == MAIN_MENU_NAME)
    await api.put(f"/flows/{flow_id}/draft", MAIN_MENU)
    await api.post(f"/flows/{flow_id}/publish")


async def _delete_all_messages(api: Api) -> None:
    for message in await api.get(f"/voicemail/boxes/{BOX}/messages"):
        await asyncio.to_thread(api._call, "DELETE", f"/voicemail/messages/{message['id']}")


def _beep_windows(audio: Audio) -> int:
    """Longest run of 100 ms windows that are a pure BEEP_HZ tone (speech never is)."""
    window = audio.rate // 10
    longest = run = 0
    for start in range(0, len(audio.samples) - window - 1, window):
        piece = Audio(audio.rate, audio.samples[start : start + window + 1])
        run = run + 1 if tone_ratio(piece, BEEP_HZ) > 0.9 else 0
        longest = max(longest, run)
    return longest


async def _wait_for_beep(caller: SimCaller, timeout_s: float = 30.0) -> None:
    """Listen in 1.5 s slices until the record beep (about 0.4 s of 700 Hz) is heard."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        heard = await caller.listen(1.5)
        if _beep_windows(heard) >= 2:
            return
    raise AssertionError("no beep: recording never started")


async def _play_tone(caller: SimCaller, env: dict[str, str], seconds: float) -> None:
    """The caller "speaks": CALLER_TONE_HZ for ``seconds``, to the end of the playback."""
    playback_id = f"hl-test-tone-{uuid.uuid4().hex[:8]}"
    media = tone_sound(env, CALLER_TONE_HZ, seconds)
    await caller.harness.ari.play(caller.channel_id, media, playback_id=playback_id)
    await caller.harness.wait_event(caller.channel_id, "PlaybackFinished", seconds + 5)


def _recordings_in_progress(env: dict[str, str]) -> set[str]:
    """A live ARI voicemail recording is a flat ``hotline-vm-*.wav`` in the
    recording dir until it is kept (moved into the store) or discarded."""
    recording_dir = Path(env["HOTLINE_ASTERISK_ROOT"] or "/") / "var/spool/asterisk/recording"
    return {path.name for path in recording_dir.glob("hotline-vm-*.wav")}


async def _caller_at_the_beep(
    harness: AriHarness, api: Api, env: dict[str, str], caller_id: str
) -> tuple[SimCaller, set[str]]:
    """A caller presses 2 in the demo menu (box empty) and hears the beep;
    also returns the recordings in progress before it, for ``_nothing_left``."""
    await _publish_demo_menu(api)
    await _delete_all_messages(api)
    before = _recordings_in_progress(env)
    caller = await harness.call("8000", caller_id=caller_id)
    await asyncio.sleep(1.0)
    await caller.press("2")
    await _wait_for_beep(caller)
    return caller, before


async def _nothing_left(harness: AriHarness, env: dict[str, str], before: set[str]) -> None:
    """No channel, no bridge, no recording of this test left behind."""

    async def clean() -> bool:
        leftovers = _recordings_in_progress(env) - before
        return not leftovers and not await harness.channels() and not await harness.bridges()

    await wait_until(clean, 15, "0 channels, 0 bridges, 0 voicemail recordings in progress")


def _fetch_audio(url: str, token: str) -> Audio:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "audio/wav"
        return read_wav(response.read())


async def _message_from(api: Api, caller_id: str) -> dict[str, object]:
    async def listed() -> bool:
        messages = await api.get(f"/voicemail/boxes/{BOX}/messages")
        return any(m["caller_id"] == caller_id for m in messages)

    await wait_until(listed, 20, f"a message from {caller_id} in box {BOX}")
    messages = await api.get(f"/voicemail/boxes/{BOX}/messages")
    found: dict[str, object] = next(m for m in messages if m["caller_id"] == caller_id)
    return found


async def test_given_demo_caller_when_pressing_2_and_speaking_then_message_mail_and_mwi(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    agents_ready: dict[str, SipPhone],
    smtp_inbox: Inbox,
    clean_pbx: None,
) -> None:
    async with mwi_subscribed(api, agents_ready["1001"]) as phone:
        await _message_waiting_lamp_follows_the_box(harness, api, hotline_env, smtp_inbox, phone)


async def _message_waiting_lamp_follows_the_box(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    smtp_inbox: Inbox,
    phone: SipPhone,
) -> None:
    mwi = await phone.watch_mwi()
    try:
        caller, before = await _caller_at_the_beep(harness, api, hotline_env, "5550123")
        await _play_tone(caller, hotline_env, TONE_S)
        await caller.press("#")

        message = await _message_from(api, "5550123")
        duration = float(str(message["duration_s"]))
        assert 2.5 <= duration <= 5.0, message

        audio = _fetch_audio(str(message["audio_url"]), hotline_env["HOTLINE_API_TOKEN"])
        assert abs(audio.duration_s - duration) < 0.2
        assert audible_seconds(audio) >= 2.0, "the message is silent"
        assert tone_ratio(audio, CALLER_TONE_HZ) > 0.8, "the caller's tone is not in it"

        def mail_for_caller(mail: EmailMessage) -> bool:
            return "5550123" in str(mail["Subject"]) and BOX in str(mail["Subject"])

        mail = await smtp_inbox.wait_for(mail_for_caller, timeout_s=20)
        attachments = [part for part in mail.iter_attachments()]
        assert [part.get_content_type() for part in attachments] == ["audio/wav"]
        attached = attachments[0].get_payload(decode=True)
        assert isinstance(attached, bytes)
        assert tone_ratio(read_wav(attached), CALLER_TONE_HZ) > 0.8

        async def lamp_on() -> bool:
            return mwi.waiting() is True

        await wait_until(lamp_on, 20, "phone 1001 told messages are waiting (MWI on)")

        await asyncio.to_thread(api._call, "DELETE", f"/voicemail/messages/{message['id']}")
        assert await api.get(f"/voicemail/boxes/{BOX}/messages") == []

        async def lamp_off() -> bool:
            return mwi.waiting() is False

        await wait_until(lamp_off, 20, "phone 1001 told no messages wait (MWI off)")
        await caller.hangup()
        await _nothing_left(harness, hotline_env, before)
    finally:
        await mwi.close()


async def test_given_caller_when_hanging_up_mid_message_then_the_message_is_kept(
    harness: AriHarness, api: Api, hotline_env: dict[str, str], clean_pbx: None
) -> None:
    caller, before = await _caller_at_the_beep(harness, api, hotline_env, "5550124")
    await _play_tone(caller, hotline_env, 2.0)
    await caller.hangup()
    await _nothing_left(harness, hotline_env, before)

    message = await _message_from(api, "5550124")
    assert 1.5 <= float(str(message["duration_s"])) <= 4.0, message
    audio = _fetch_audio(str(message["audio_url"]), hotline_env["HOTLINE_API_TOKEN"])
    assert tone_ratio(audio, CALLER_TONE_HZ) > 0.8
    await _delete_all_messages(api)


async def test_given_caller_falls_silent_then_silence_ends_the_message_and_the_call(
    harness: AriHarness, api: Api, hotline_env: dict[str, str], clean_pbx: None
) -> None:
    caller, before = await _caller_at_the_beep(harness, api, hotline_env, "5550125")
    await _play_tone(caller, hotline_env, 2.0)
    # Neither # nor a hang-up from the caller: the demo node's 5 s of silence
    # must end the recording, keep the message and say goodbye.
    await caller.harness.ari.play(
        caller.channel_id, silence_sound(hotline_env, 12.0), playback_id="hl-test-silence"
    )
    message = await _message_from(api, "5550125")
    assert 1.5 <= float(str(message["duration_s"])) <= 8.0, message
    audio = _fetch_audio(str(message["audio_url"]), hotline_env["HOTLINE_API_TOKEN"])
    assert tone_ratio(audio, CALLER_TONE_HZ) > 0.5

    async def hung_up_by_hotline() -> bool:
        return not await caller.is_up()

    await wait_until(hung_up_by_hotline, 15, "Hotline to say goodbye and hang up")
    await _nothing_left(harness, hotline_env, before)
    await _delete_all_messages(api)


async def test_given_caller_presses_0_while_recording_then_an_agent_answers_and_nothing_is_kept(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    agents_ready: dict[str, SipPhone],
    clean_pbx: None,
) -> None:
    caller, before = await _caller_at_the_beep(harness, api, hotline_env, "5550126")
    await caller.press("0")

    async def with_an_agent() -> bool:
        live = await api.get("/calls/live")
        return any(
            c["call_id"] == f"{caller.channel_id};2" and c.get("agent") in ("1001", "1002")
            for c in live
        )

    await wait_until(with_an_agent, 20, "the operator target (queue support) to connect an agent")
    heard = await caller.listen(2.0)
    assert tone_ratio(heard, 440) > 0.5, "the caller does not hear the agent"
    await caller.hangup()
    await _nothing_left(harness, hotline_env, before)
    assert await api.get(f"/voicemail/boxes/{BOX}/messages") == []
