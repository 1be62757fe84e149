"""Voicemail retrieval by phone, for real: DID 8500 → box + PIN → listen,
delete; a greeting recorded by phone is what the next caller hears; three
wrong PINs hang up.  Messages are left by real calls to the demo (DID 8000,
option 2) with a tone played by the caller, so the tone proves which audio
the owner hears."""

from __future__ import annotations

import asyncio
import copy
import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from ari_apps.ivr.demo import MAIN_MENU
from tests.integration.audio import audible_seconds, tone_ratio, tone_sound
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk

BOX = "5000"
MESSAGE_HZ = 1000
GREETING_HZ = 1400


def _request(env: dict[str, str], method: str, path: str) -> Any:
    request = urllib.request.Request(
        f"{env['HOTLINE_WEB_URL']}/api/v1{path}",
        method=method,
        headers={"Authorization": f"Bearer {env['HOTLINE_API_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture(scope="module")
async def demo_voicemail(api: Api) -> None:
    """The demo's option 2 leaves a message in box 5000.  A database seeded
    before voicemail existed still has the old "not available" version
    published (seeding never overwrites a flow), so publish the current one."""
    flow = next(f for f in await api.get("/flows") if f["name"] == "Main menu")
    saved = await api.put(f"/flows/{flow['id']}/draft", copy.deepcopy(MAIN_MENU))
    assert saved["issues"] == [], saved["issues"]
    await api.post(f"/flows/{flow['id']}/publish")


async def _messages(api: Api) -> list[dict[str, Any]]:
    return list(await api.get(f"/voicemail/boxes/{BOX}/messages"))


async def _empty_box(env: dict[str, str], api: Api) -> None:
    for message in await _messages(api):
        await asyncio.to_thread(_request, env, "DELETE", f"/voicemail/messages/{message['id']}")


async def _tone(caller: SimCaller, env: dict[str, str], hz: int, seconds: float) -> None:
    """The caller 'speaks' a pure tone for ``seconds``."""
    playback_id = f"hl-test-tone-{hz}-{uuid.uuid4().hex[:6]}"
    media = tone_sound(env, hz, seconds)
    await caller.harness.ari.play(caller.channel_id, media, playback_id=playback_id)
    await caller.harness.wait_event(caller.channel_id, "PlaybackFinished", seconds + 5)


async def _leave_message(harness: AriHarness, api: Api, env: dict[str, str]) -> dict[str, Any]:
    before = {m["id"] for m in await _messages(api)}
    caller = await harness.call("8000", caller_id="5550177")
    await asyncio.sleep(1.0)
    await caller.press("2")
    await asyncio.sleep(1.5)
    await caller.press("#")  # skip the greeting: beep, then recording
    await asyncio.sleep(1.5)
    await _tone(caller, env, MESSAGE_HZ, 3.0)
    await caller.press("#")

    async def stored() -> bool:
        return any(m["id"] not in before for m in await _messages(api))

    await wait_until(stored, 15, "the message to be stored")
    await caller.hangup()
    return next(m for m in await _messages(api) if m["id"] not in before)


async def _login(harness: AriHarness, pin: str) -> SimCaller:
    caller = await harness.call("8500", caller_id="5550188")
    await asyncio.sleep(0.8)
    await caller.press(f"{BOX}#")
    await asyncio.sleep(0.8)
    await caller.press(f"{pin}#")
    return caller


async def _gone(caller: SimCaller, timeout_s: float) -> None:
    async def down() -> bool:
        return not await caller.is_up()

    await wait_until(down, timeout_s, "the call to be hung up")


async def test_given_a_message_when_owner_calls_8500_then_hears_it_and_deletes_it(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    demo_voicemail: None,
    clean_pbx: None,
) -> None:
    await _empty_box(hotline_env, api)
    message = await _leave_message(harness, api, hotline_env)
    assert message["caller_id"] == "5550177"

    caller = await _login(harness, hotline_env["HOTLINE_DEMO_VM_PIN"])
    announcement = await caller.listen(3.0)  # "you have 1 new message ..."
    assert audible_seconds(announcement) >= 1.0, "no announcement after login"

    await caller.press("1")
    heard = await caller.listen(10.0)  # "first message from 5550177", then the message
    assert tone_ratio(heard, MESSAGE_HZ) > 0.5, "the owner does not hear the message"

    await caller.press("7")

    async def deleted() -> bool:
        return all(m["id"] != message["id"] for m in await _messages(api))

    await wait_until(deleted, 10, "the message to be deleted")
    await caller.press("#")  # main menu; # again: goodbye
    await asyncio.sleep(1.0)
    await caller.press("#")
    await _gone(caller, 15)


async def test_when_owner_records_unavailable_greeting_then_callers_hear_it(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    demo_voicemail: None,
    clean_pbx: None,
) -> None:
    greeting_file = (
        Path(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/")
        / "var/spool/asterisk/recording/hotline-vm"
        / BOX
        / "greeting-unavailable.wav"
    )
    try:
        caller = await _login(harness, hotline_env["HOTLINE_DEMO_VM_PIN"])
        await asyncio.sleep(1.0)
        await caller.press("0")  # mailbox options
        await asyncio.sleep(1.0)
        await caller.press("1")  # unavailable greeting
        await asyncio.sleep(1.0)
        await caller.press("#")  # skip the instructions: beep, then recording
        await asyncio.sleep(1.5)
        await _tone(caller, hotline_env, GREETING_HZ, 2.5)
        await caller.press("#")

        async def saved() -> bool:
            return greeting_file.is_file()

        await wait_until(saved, 10, "the greeting to be stored")
        await caller.hangup()

        visitor = await harness.call("8000", caller_id="5550199")
        await asyncio.sleep(1.0)
        await visitor.press("2")
        heard = await visitor.listen(5.0)
        assert tone_ratio(heard, GREETING_HZ) > 0.5, "the caller does not hear the new greeting"
        await visitor.hangup()
    finally:
        # Back to the stock greeting for other tests (no file = stock prompts).
        greeting_file.unlink(missing_ok=True)


async def test_when_pin_is_wrong_three_times_then_the_call_is_hung_up(
    harness: AriHarness, clean_pbx: None
) -> None:
    caller = await harness.call("8500", caller_id="5550166")
    await asyncio.sleep(0.8)
    for _ in range(3):
        await caller.press(f"{BOX}#")
        await asyncio.sleep(0.8)
        await caller.press("0000#")
        await asyncio.sleep(2.5)  # argon2 check, then "login incorrect, mailbox?"
    await _gone(caller, 15)


async def test_when_caller_hangs_up_while_recording_greeting_then_nothing_is_left(
    harness: AriHarness, hotline_env: dict[str, str], clean_pbx: None
) -> None:
    """Hang-up mid-recording: under 1 s is discarded, the live recording ends."""
    greeting_file = (
        Path(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/")
        / "var/spool/asterisk/recording/hotline-vm"
        / BOX
        / "greeting-busy.wav"
    )
    greeting_file.unlink(missing_ok=True)
    caller = await _login(harness, hotline_env["HOTLINE_DEMO_VM_PIN"])
    await asyncio.sleep(1.0)
    await caller.press("0")
    await asyncio.sleep(1.0)
    await caller.press("2")
    await asyncio.sleep(1.0)
    await caller.press("#")
    await asyncio.sleep(0.3)
    await caller.hangup()
    await asyncio.sleep(3.0)
    assert not greeting_file.exists(), "a too-short greeting was kept"
    leftovers = list(greeting_file.parent.parent.parent.glob("hotline-vm-greeting-*"))
    assert leftovers == [], leftovers
