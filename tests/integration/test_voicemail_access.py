"""Voicemail retrieval by phone, for real: DID 8500 → box + PIN → listen,
delete; a greeting recorded by phone is what the next caller hears; three
wrong PINs hang up, and wrong PINs across calls lock the box out.  Messages
are left by real calls to the demo (DID 8000, option 2) with a tone played
by the caller, so the tone proves which audio the owner hears.

Wrong PINs count across calls, per box and per caller number, for 15
minutes (vm/pin_lockout.py), and the database outlives a session: callers
who key wrong PINs get a number of their own each run, and a right PIN
first clears box 5000's count, so no test (or rerun) locks another out."""

from __future__ import annotations

import asyncio
import copy
import json
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ari_apps.ivr.demo import MAIN_MENU
from tests.integration.audio import audible_seconds, tone_ratio, tone_sound
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.pbx_config import extra_config
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk

BOX = "5000"
FORWARD_TO = "1002"  # the demo agent 1002's own box
SENDER = "5550177"  # who leaves the test messages
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


async def _messages(api: Api, box: str = BOX) -> list[dict[str, Any]]:
    return list(await api.get(f"/voicemail/boxes/{box}/messages"))


async def _empty_box(env: dict[str, str], api: Api, box: str = BOX) -> None:
    for message in await _messages(api, box):
        await asyncio.to_thread(_request, env, "DELETE", f"/voicemail/messages/{message['id']}")


async def _tone(caller: SimCaller, env: dict[str, str], hz: int, seconds: float) -> None:
    """The caller 'speaks' a pure tone for ``seconds``."""
    playback_id = f"hl-test-tone-{hz}-{uuid.uuid4().hex[:6]}"
    media = tone_sound(env, hz, seconds)
    await caller.harness.ari.play(caller.channel_id, media, playback_id=playback_id)
    await caller.harness.wait_event(caller.channel_id, "PlaybackFinished", seconds + 5)


async def _leave_message(harness: AriHarness, api: Api, env: dict[str, str]) -> dict[str, Any]:
    before = {m["id"] for m in await _messages(api)}
    caller = await harness.call("8000", caller_id=SENDER)
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


def _fresh_caller() -> str:
    """A caller number no earlier run used: wrong PINs count per number."""
    return f"559{uuid.uuid4().int % 10**7:07d}"


async def _clear_box_count(harness: AriHarness, env: dict[str, str]) -> None:
    """A right PIN resets box 5000's count of wrong ones."""
    opener = await _login(harness, env["HOTLINE_DEMO_VM_PIN"])
    await asyncio.sleep(2.0)  # argon2 check, "you have ... messages"
    await opener.hangup()


async def _key_box_and_pin(caller: SimCaller, pin: str) -> None:
    await asyncio.sleep(0.8)
    await caller.press(f"{BOX}#")
    await asyncio.sleep(0.8)
    await caller.press(f"{pin}#")


async def _login(harness: AriHarness, pin: str) -> SimCaller:
    caller = await harness.call("8500", caller_id="5550188")
    await _key_box_and_pin(caller, pin)
    return caller


async def _gone(caller: SimCaller, timeout_s: float) -> None:
    async def down() -> bool:
        return not await caller.is_up()

    await wait_until(down, timeout_s, "the call to be hung up")


async def _assert_plays_message(caller: SimCaller, failure: str) -> None:
    """Press 1 (listen) and hear the test message's tone."""
    await caller.press("1")
    heard = await caller.listen(10.0)  # "first message from ...", then the message
    assert tone_ratio(heard, MESSAGE_HZ) > 0.5, failure


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

    await _assert_plays_message(caller, "the owner does not hear the message")

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
    harness: AriHarness, hotline_env: dict[str, str], clean_pbx: None
) -> None:
    await _clear_box_count(harness, hotline_env)
    caller = await harness.call("8500", caller_id=_fresh_caller())
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


CALLBACK_FLAG = "HOTLINE_TEST_CALLED_BACK"


@pytest.fixture
async def callback_number(hotline_env: dict[str, str]) -> AsyncIterator[None]:
    """``to-pstn`` gets the message sender's number (5550177) for the test:
    it answers and records in a dialplan GLOBAL who called it back."""
    async with extra_config(
        dialplan=f"""
; test_voicemail_access.py: the sender of a voicemail, reachable for a call-back.
[to-pstn]
exten => {SENDER},1,Answer()
 same => n,Set(GLOBAL({CALLBACK_FLAG})=${{CALLERID(num)}})
 same => n,Wait(10)
 same => n,Hangup()
"""
    ):
        yield


async def _message_in(api: Api, box: str, caller_id: str) -> dict[str, Any] | None:
    for message in await _messages(api, box):
        if message["caller_id"] == caller_id:
            return dict(message)
    return None


async def test_given_a_message_when_an_agent_dials_star98_then_saves_forwards_and_calls_back(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    demo_voicemail: None,
    callback_number: None,
    clean_pbx: None,
) -> None:
    """*98 from the agents' context (what a desk phone dials): box, PIN, then
    the message menu's 8 (forward to box 1002), 9 (save) and 3-2 (call back)."""
    await _empty_box(hotline_env, api)
    await _empty_box(hotline_env, api, FORWARD_TO)
    await harness.ari.request(
        "POST", "/asterisk/variable", params={"variable": CALLBACK_FLAG, "value": ""}
    )
    message = await _leave_message(harness, api, hotline_env)
    assert message["folder"] == "new" and not message["heard"]

    agent = await harness.call("*98", caller_id="1001", context="hotline-agents")
    await asyncio.sleep(0.8)
    await agent.press(f"{BOX}#")
    await asyncio.sleep(0.8)
    await agent.press(f"{hotline_env['HOTLINE_DEMO_VM_PIN']}#")
    await asyncio.sleep(2.0)
    await _assert_plays_message(agent, "the agent does not hear the message")

    await agent.press("8")
    await asyncio.sleep(1.5)  # "extension ... then press pound"
    await agent.press(f"{FORWARD_TO}#")

    async def forwarded() -> bool:
        return await _message_in(api, FORWARD_TO, SENDER) is not None

    await wait_until(forwarded, 10, f"a copy of the message in box {FORWARD_TO}")
    copy_of = await _message_in(api, FORWARD_TO, SENDER)
    assert copy_of is not None and copy_of["folder"] == "new"
    assert abs(copy_of["duration_s"] - message["duration_s"]) < 0.5
    assert await _message_in(api, BOX, SENDER) is not None, "forwarding moved the original"

    await asyncio.sleep(1.5)  # "message forwarded", the message menu
    await agent.press("9")

    async def saved() -> bool:
        found = await _message_in(api, BOX, SENDER)
        return found is not None and found["folder"] == "saved" and found["heard"]

    await wait_until(saved, 10, "the message to be filed as saved")

    # With no further message, saving leads back to the main menu: 1 plays
    # the (now saved) message again, for the call-back from its menu.
    await asyncio.sleep(2.5)
    await agent.press("1")
    await asyncio.sleep(1.5)
    await agent.press("3")  # advanced: 2 calls the sender back
    await asyncio.sleep(1.5)
    await agent.press("2")

    async def called_back() -> bool:
        answer = await harness.ari.request(
            "GET", "/asterisk/variable", params={"variable": CALLBACK_FLAG}
        )
        return isinstance(answer, dict) and answer.get("value") not in (None, "")

    await wait_until(called_back, 15, f"a call-back to {SENDER} through to-pstn")
    await agent.hangup()


async def _change_pin(caller: SimCaller, new_pin: str) -> None:
    await asyncio.sleep(2.0)  # "you have ... messages"
    await caller.press("0")  # mailbox options
    await asyncio.sleep(1.0)
    await caller.press("5")  # change PIN
    await asyncio.sleep(1.5)
    await caller.press(f"{new_pin}#")
    await asyncio.sleep(1.5)  # "please re-enter"
    await caller.press(f"{new_pin}#")
    await asyncio.sleep(3.0)  # argon2 hash, stored, "password changed", options
    await caller.hangup()


async def test_when_the_owner_changes_the_pin_from_star97_then_only_the_new_pin_opens_the_box(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    demo_voicemail: None,
    clean_pbx: None,
) -> None:
    """*97 opens the box named by the caller's own number (here the queue
    box's number as caller ID); the PIN changed there is the one that works."""
    old_pin, new_pin = hotline_env["HOTLINE_DEMO_VM_PIN"], "246813"
    await _empty_box(hotline_env, api)
    await _leave_message(harness, api, hotline_env)

    owner = await harness.call("*97", caller_id=BOX, context="hotline-agents")
    await asyncio.sleep(1.0)  # "password"
    await owner.press(f"{old_pin}#")
    try:
        await _change_pin(owner, new_pin)

        refused = await harness.call("8500", caller_id=_fresh_caller())
        await asyncio.sleep(0.8)
        for _ in range(3):
            await refused.press(f"{BOX}#")
            await asyncio.sleep(0.8)
            await refused.press(f"{old_pin}#")
            await asyncio.sleep(2.5)
        await _gone(refused, 15)  # the old PIN no longer opens the box

        accepted = await _login(harness, new_pin)
        await asyncio.sleep(2.0)
        await _assert_plays_message(accepted, "the new PIN does not open the box")
        await accepted.hangup()
    finally:
        # Back to the demo PIN for the other tests, the same way.
        restore = await _login(harness, new_pin)
        await _change_pin(restore, old_pin)
    reopened = await _login(harness, old_pin)
    await asyncio.sleep(2.0)
    await _assert_plays_message(reopened, "the demo PIN was not restored")
    await reopened.hangup()


async def _wrong_pins(caller: SimCaller, box: str, times: int) -> None:
    for _ in range(times):
        await caller.press(f"{box}#")
        await asyncio.sleep(0.8)
        await caller.press("000000#")
        await asyncio.sleep(2.5)  # argon2 check, then "login incorrect, mailbox?"


@pytest.mark.security
async def test_given_five_wrong_pins_over_two_calls_then_the_box_refuses_even_a_new_caller(
    harness: AriHarness, clean_pbx: None
) -> None:
    """Three tries per call no longer mean unlimited tries: the count spans
    calls, the fifth locks the box, and a caller from another line is
    refused at the first PIN instead of getting three tries of its own.
    The box is a number of its own each run (unknown boxes lock like real
    ones), so box 5000 and a rerun within the lockout are not affected."""
    box = f"42{uuid.uuid4().int % 10**6:06d}"
    guesser = _fresh_caller()
    first = await harness.call("8500", caller_id=guesser)
    await asyncio.sleep(0.8)
    await _wrong_pins(first, box, 3)
    await _gone(first, 15)

    second = await harness.call("8500", caller_id=guesser)
    await asyncio.sleep(0.8)
    await _wrong_pins(second, box, 2)  # the fifth: "try again later", goodbye
    await _gone(second, 8)

    other = await harness.call("8500", caller_id=_fresh_caller())
    await asyncio.sleep(0.8)
    await _wrong_pins(other, box, 1)
    await _gone(other, 8)  # one try, not three


async def test_given_a_flow_with_a_retrieval_node_then_the_owner_logs_in_and_hears_the_message(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    demo_voicemail: None,
    clean_pbx: None,
) -> None:
    """A tenant offers retrieval on a number of its own through a flow's
    ``voicemail_access`` node; here the demo flow's option 5."""
    await _empty_box(hotline_env, api)
    await _leave_message(harness, api, hotline_env)
    flow = next(f for f in await api.get("/flows") if f["name"] == "Main menu")
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["menu"]["options"]["5"] = "retrieval"
    draft["nodes"]["retrieval"] = {"kind": "voicemail_access", "next": "goodbye"}
    try:
        saved = await api.put(f"/flows/{flow['id']}/draft", draft)
        assert saved["issues"] == [], saved["issues"]
        await api.post(f"/flows/{flow['id']}/publish")

        caller = await harness.call("8000", caller_id="5550189")
        await asyncio.sleep(1.0)
        await caller.press("5")
        await asyncio.sleep(0.2)
        await _key_box_and_pin(caller, hotline_env["HOTLINE_DEMO_VM_PIN"])
        await asyncio.sleep(2.0)  # argon2 check, "you have 1 new message"
        await _assert_plays_message(caller, "the owner does not hear the message via the flow")
        await caller.hangup()
    finally:
        await api.put(f"/flows/{flow['id']}/draft", copy.deepcopy(MAIN_MENU))
        await api.post(f"/flows/{flow['id']}/publish")
