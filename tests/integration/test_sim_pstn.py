"""The sandbox's simulated PSTN, dialled through ``[to-pstn]`` as any call out.

Each callee the README's number plan promises is called from the test's
own ARI application, as Hotline's dialer would call it: a person who answers
and speaks (and presses keys by the script in the number, and hangs up on
time), an answering machine that greets, beeps and records the message left,
busy, no answer, congestion, and the number that rings ARI application
``pstn`` so that a test can be the callee.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from hotline.settings import load_settings
from tests.integration.audio import Audio, audible_seconds, read_wav, tone_ratio, tone_sound
from tests.integration.harness import TEST_APP, AriHarness, SimCaller
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk

PERSON = "+8613800000010"
MACHINE = "+8613800000021"
BUSY = "+8613800000032"
NO_ANSWER = "+8613800000043"
CONGESTION = "+8613800000054"
UNASSIGNED = "+8613800000067"
TEST_CALLEE = "+8613800000079"
# "99", keys 4 then 5 (then none), hangs up 12 s after answering, a person.
SCRIPTED = "+8613899450120"
CAUSE_BUSY = 17
CAUSE_NO_ANSWER = 19
CAUSE_CONGESTION = 34


async def _dial(harness: AriHarness, number: str, ring_s: int = 20) -> str:
    channel_id = f"hl-test-sim-{uuid.uuid4().hex[:8]}"
    await harness.ari.originate(
        f"Local/{number}@to-pstn/n",
        channel_id=channel_id,
        app=TEST_APP,
        caller_id='"Hotline" <95598>',
        timeout_s=ring_s,
    )
    return channel_id


async def _cause_out_there(harness: AriHarness, channel_id: str) -> int | None:
    """Why the far half of the Local channel (``;2``, in the PSTN) ended."""
    ended = await harness.wait_event(f"{channel_id};2", "ChannelDestroyed", 30)
    return ended.cause


def _machine_files(spool: Path) -> set[Path]:
    """The messages left on the machine so far (small directory: a quick scan)."""
    return set(spool.glob(f"machine-{MACHINE}-*.wav")) if spool.exists() else set()


def _answered(harness: AriHarness, channel_id: str) -> bool:
    return any(event.type == "StasisStart" for event in harness.events.get(channel_id, []))


async def test_given_busy_no_answer_and_congestion_numbers_when_dialled_then_each_ends_so(
    hotline_env: dict[str, str], harness: AriHarness
) -> None:
    busy, congested, unassigned = [
        await _dial(harness, number) for number in (BUSY, CONGESTION, UNASSIGNED)
    ]
    never = await _dial(harness, NO_ANSWER, ring_s=3)
    assert await _cause_out_there(harness, busy) == CAUSE_BUSY
    assert await _cause_out_there(harness, congested) == CAUSE_CONGESTION
    # A digit with no callee is refused as an unrouted number is.
    assert await _cause_out_there(harness, unassigned) == CAUSE_CONGESTION
    gone = await harness.wait_event(never, "ChannelDestroyed", 15)
    assert gone.cause == CAUSE_NO_ANSWER
    assert not any(_answered(harness, c) for c in (busy, congested, unassigned, never))


async def test_given_a_person_when_called_then_rings_answers_says_hello_then_their_tone(
    hotline_env: dict[str, str], harness: AriHarness
) -> None:
    channel_id = await _dial(harness, PERSON)
    await harness.wait_event(channel_id, "StasisStart", 8)
    caller = SimCaller(harness, channel_id, PERSON, "")
    heard = await caller.listen(7)
    # A recording holds only the audio that came: the pauses leave no samples.
    first = Audio(heard.rate, heard.samples[: heard.rate // 2])
    last = Audio(heard.rate, heard.samples[-heard.rate :])
    assert audible_seconds(first) >= 0.3  # "hello"
    assert tone_ratio(first, 700) < 0.5
    assert tone_ratio(last, 700) > 0.8  # then their voice: the steady tone
    assert await caller.is_up()  # a person stays on the line
    await caller.hangup()


async def test_given_a_scripted_person_when_prompted_then_presses_each_key_and_hangs_up_on_time(
    hotline_env: dict[str, str], harness: AriHarness
) -> None:
    channel_id = await _dial(harness, SCRIPTED)
    answered = await harness.wait_event(channel_id, "StasisStart", 8)
    assert answered is not None
    caller = SimCaller(harness, channel_id, SCRIPTED, "")
    await asyncio.sleep(3.5)  # past "hello" and the pause after it
    for key in ("4", "5"):
        before = len(harness.events[channel_id])
        await caller.play("sound:hello-world")

        async def pressed(expected: str = key, seen_from: int = before) -> bool:
            return any(
                event.type == "ChannelDtmfReceived" and event.digit == expected
                for event in harness.events[channel_id][seen_from:]
            )

        await wait_until(pressed, 8, f"the person to press {key} after the prompt")
    # The third key is 0: nothing more is pressed.  12 s after answering they hang up.
    await harness.wait_event(channel_id, "ChannelDestroyed", 15)
    digits = [e.digit for e in harness.events[channel_id] if e.type == "ChannelDtmfReceived"]
    assert digits == ["4", "5"]


async def test_given_an_answering_machine_when_called_then_greeting_beep_and_message_recorded(
    hotline_env: dict[str, str], harness: AriHarness
) -> None:
    spool = Path(load_settings().asterisk_root + "/var/spool/asterisk/hotline-sim")
    before = _machine_files(spool)
    channel_id = await _dial(harness, MACHINE)
    await harness.wait_event(channel_id, "StasisStart", 10)
    caller = SimCaller(harness, channel_id, MACHINE, "")
    greeting = await caller.listen(6.5)
    assert audible_seconds(greeting) >= 3.0  # a long greeting
    await caller.play(tone_sound(hotline_env, 440, 2.5))  # the message left after the beep
    await asyncio.sleep(3.5)
    await caller.hangup()
    # The machine's file is whole (its WAV header written) once its side is gone.
    await harness.wait_event(f"{channel_id};2", "ChannelDestroyed", 10)

    await wait_until(
        lambda: _machine_files(spool) - before, 10, "the machine's recording of the message"
    )
    (message_file,) = _machine_files(spool) - before
    message = read_wav(message_file.read_bytes())
    assert tone_ratio(message, 440) > 0.8


async def test_given_the_test_callee_number_when_dialled_then_app_pstn_rings_with_the_number(
    hotline_env: dict[str, str], harness: AriHarness, pstn_app: AriHarness
) -> None:
    channel_id = await _dial(harness, TEST_CALLEE)

    async def rung() -> bool:
        return any(
            event.type == "StasisStart" and list(event.args) == [TEST_CALLEE]
            for events in pstn_app.events.values()
            for event in events
        )

    await wait_until(rung, 10, "application pstn to be rung")
    assert not _answered(harness, channel_id)  # ringing until the test answers
    (callee_id,) = [channel for channel, events in pstn_app.events.items() if channel and events][
        :1
    ]
    await pstn_app.ari.answer(callee_id)
    await harness.wait_event(channel_id, "StasisStart", 5)
    await pstn_app.ari.hangup(callee_id)
    await harness.wait_event(channel_id, "ChannelDestroyed", 5)
