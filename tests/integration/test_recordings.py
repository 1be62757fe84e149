"""Recordings through the real Asterisk: the demo queue records every call,
each party on its own channel, served to the API token; erasure removes it."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.integration.audio import read_wav, tone_ratio, tone_sound, wav_channels
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

CALLER_TONE_HZ = 1000  # the agents' phones send 440 Hz
AGENT_TONE_HZ = 440


def _fetch(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "audio/wav"
        return bytes(response.read())


def _staging_files(env: dict[str, str]) -> list[str]:
    """What the recorder left in Asterisk's recording directory (nothing, once done)."""
    directory = Path(env["HOTLINE_ASTERISK_ROOT"] or "/") / "var/spool/asterisk/recording"
    return sorted(path.name for path in directory.glob("hotline-rec-*"))


async def _played_in_the_browser(
    browser: Browser, env: dict[str, str], call_id: str, duration_s: float
) -> None:
    web = env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(web + "/login")
        await page.fill("input[name=username]", "supervisor")
        await page.fill("input[name=password]", env["HOTLINE_DEMO_USER_PASSWORD"])
        await page.click("button[type=submit]")
        await page.wait_for_url(web + "/")
        await page.goto(f"{web}/calls/{urllib.parse.quote(call_id)}")
        player = page.locator("[data-testid=call-recording-player]")
        await player.wait_for()
        await page.wait_for_function(
            "() => document.querySelector('[data-testid=call-recording-player]').readyState >= 1",
            timeout=10_000,
        )
        shown = await player.evaluate("audio => audio.duration")
        assert abs(shown - duration_s) < 0.5, (shown, duration_s)
        seekable_end = await player.evaluate(
            "audio => audio.seekable.length ? audio.seekable.end(0) : 0"
        )
        assert seekable_end >= duration_s - 0.5, "the browser cannot seek in the recording"
        reached = await player.evaluate(
            """audio => new Promise(resolve => {
                audio.addEventListener('seeked', () => resolve(audio.currentTime), {once: true});
                audio.currentTime = audio.duration / 2;
            })"""
        )
        assert abs(reached - duration_s / 2) < 0.5, reached
        assert errors == []
    finally:
        await page.close()


async def test_given_the_demo_queue_when_an_agent_answers_then_both_parties_are_recorded_apart(
    browser: Browser,
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    agents_ready: dict[str, SipPhone],
    clean_pbx: None,
) -> None:
    caller_number = f"555{uuid.uuid4().int % 10_000:04d}"
    caller = await harness.call("8000", caller_id=caller_number)
    await caller.press("1")
    call_id = f"{caller.channel_id};2"

    async def answered() -> bool:
        agents = await api.get("/agents")
        return any(agent["connected_call_id"] == call_id for agent in agents)

    await wait_until(answered, 20, f"an agent to answer {call_id}")
    # The caller "speaks" for 3 s while the agent's phone sends its own tone.
    playback_id = f"hl-test-tone-{uuid.uuid4().hex[:8]}"
    media = tone_sound(hotline_env, CALLER_TONE_HZ, 3.0)
    await harness.ari.play(caller.channel_id, media, playback_id=playback_id)
    await harness.wait_event(caller.channel_id, "PlaybackFinished", 10)
    await caller.hangup()

    async def stored() -> bool:
        detail = await api.get(f"/calls/{call_id}")
        recording = detail.get("recording") or {}
        return bool(recording.get("status") == "stored")

    await wait_until(stored, 20, f"the recording of {call_id} to be stored")
    detail = await api.get(f"/calls/{call_id}")
    recording = detail["recording"]
    assert recording["channels"] == 2
    assert 3.0 <= recording["duration_s"] <= 15.0, recording
    assert recording["size_bytes"] > 3 * 8000 * 2 * 2

    token = hotline_env["HOTLINE_API_TOKEN"]
    wav = _fetch(detail["recording_url"], token)
    assert len(wav) == recording["size_bytes"]
    assert wav_channels(wav) == 2
    caller_side, agent_side = read_wav(wav, 0), read_wav(wav, 1)
    assert tone_ratio(caller_side, CALLER_TONE_HZ) > 0.5, "the caller is not on the left"
    assert tone_ratio(agent_side, AGENT_TONE_HZ) > 0.5, "the agent is not on the right"
    assert tone_ratio(agent_side, CALLER_TONE_HZ) < 0.2, "the caller leaks into the agent's side"
    assert tone_ratio(caller_side, AGENT_TONE_HZ) < 0.2, "the agent leaks into the caller's side"

    # Played in a real browser from the call's page: the player gets the
    # audio's length and seeks in it (the server answers byte ranges).
    await _played_in_the_browser(browser, hotline_env, call_id, recording["duration_s"])

    # Nothing left behind in Asterisk: snoop channels (clean_pbx) and staging files.
    async def staging_cleared() -> bool:
        return not _staging_files(hotline_env)

    await wait_until(staging_cleared, 10, "Asterisk's copies of the recording to be deleted")

    # Erasure on request: a dry run counts, the real one removes the file.
    now = datetime.now(UTC)
    erasure = {
        "caller_id": caller_number,
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    dry = await api.post("/recordings/erasure", erasure)
    assert (dry["matching"], dry["erased"]) == (1, 0)
    assert (await api.get(f"/calls/{call_id}"))["recording"]["status"] == "stored"
    done = await api.post("/recordings/erasure", {**erasure, "dry_run": False})
    assert done["erased"] == 1
    after = await api.get(f"/calls/{call_id}")
    assert after["recording"]["status"] == "erased"
    assert after["recording_url"] is None
    with pytest.raises(urllib.error.HTTPError) as refused:
        _fetch(detail["recording_url"], token)
    refused.value.close()  # the error holds the response's socket
    assert refused.value.code == 404
