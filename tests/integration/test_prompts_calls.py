"""Prompts through the real pipeline and a real call: upload (WebM like a browser's
MediaRecorder, OGG), publish a flow that plays them, call, and hear the right tone
for the caller's language."""

from __future__ import annotations

import copy
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ari_apps.ivr.demo import MAIN_MENU
from tests.integration.audio import tone_ratio
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness

pytestmark = pytest.mark.asterisk

# One frequency per recording, so what the caller hears says which one played.
EN_HZ = 700
ZH_HZ = 1100
EN_ONLY_HZ = 1500


def tone_file(frequency_hz: int, extension: str, seconds: float = 1.2) -> bytes:
    """A stereo 48 kHz Opus tone, as Chromium's MediaRecorder would upload it."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / f"tone.{extension}"
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={frequency_hz}:duration={seconds}:sample_rate=48000",
                "-ac",
                "2",
                "-c:a",
                "libopus",
                str(output),
            ],
            check=True,
        )
        return output.read_bytes()


async def upload(
    env: dict[str, str], name: str, language: str, filename: str, data: bytes
) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("name", name)
    form.add_field("language", language)
    form.add_field("category", "greeting")
    form.add_field("file", data, filename=filename, content_type="audio/webm")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            env["HOTLINE_WEB_URL"] + "/api/v1/prompts",
            data=form,
            headers={"Authorization": f"Bearer {env['HOTLINE_API_TOKEN']}"},
        ) as response,
    ):
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
        return body


async def publish(api: Api, flow_id: int, draft: dict[str, Any]) -> None:
    saved = await api.put(f"/flows/{flow_id}/draft", draft)
    assert saved["issues"] == [], saved["issues"]
    await api.post(f"/flows/{flow_id}/publish")


def greeting_flow(media: list[str], language: str | None) -> dict[str, Any]:
    """The demo menu whose greeting plays ``media``, first setting the flow's language."""
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["media"] = media
    draft["nodes"]["greet"]["interruptible"] = False
    if language is not None:
        draft["nodes"]["set_language"] = {
            "kind": "set_variable",
            "set": {"language": language},
            "next": "greet",
        }
        draft["start"] = "set_language"
    return draft


async def test_given_webm_and_ogg_prompts_when_flows_play_them_then_caller_hears_their_language(
    harness: AriHarness, api: Api, hotline_env: dict[str, str], clean_pbx: None
) -> None:
    suffix = uuid.uuid4().hex[:6]
    both, en_only = f"itest_both_{suffix}", f"itest_en_{suffix}"
    stored = await upload(hotline_env, both, "en", "rec.webm", tone_file(EN_HZ, "webm"))
    assert stored["languages"]["en"]["source_format"] == "webm"
    stored = await upload(hotline_env, both, "zh-CN", "rec.ogg", tone_file(ZH_HZ, "ogg"))
    assert set(stored["languages"]) == {"en", "zh-CN"}
    assert [v["version"] for v in stored["versions"]] == [2, 1]
    await upload(hotline_env, en_only, "en", "only.webm", tone_file(EN_ONLY_HZ, "webm"))

    # Both files Asterisk picks from are there, in each language's directory.
    root = Path(hotline_env["HOTLINE_ASTERISK_ROOT"]) / "usr/share/asterisk/sounds"
    assert (root / "zh_CN/hotline" / f"{both}.wav").is_file()
    assert (root / "zh_CN/hotline" / f"{both}.sln16").is_file()

    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == "Main menu")
    before = await api.get(f"/flows/{flow['id']}")
    media = [f"prompt:{both}", f"prompt:{en_only}"]
    try:
        # An English caller hears the English recordings.
        await publish(api, flow["id"], greeting_flow(media, None))
        caller = await harness.call("8000", caller_id="5550401")
        heard = await caller.listen(3.0)
        await caller.hangup()
        assert tone_ratio(heard, EN_HZ) > 0.5, "the English prompt is not heard"
        assert tone_ratio(heard, EN_ONLY_HZ) > 0.5, "the second English prompt is not heard"
        assert tone_ratio(heard, ZH_HZ) < 0.2, "an English caller hears the Chinese prompt"

        # language=zh-CN: the Chinese recording, and English where there is none.
        await publish(api, flow["id"], greeting_flow(media, "zh-CN"))
        caller = await harness.call("8000", caller_id="5550402")
        heard = await caller.listen(3.0)
        await caller.hangup()
        assert tone_ratio(heard, ZH_HZ) > 0.5, "the zh-CN prompt is not heard"
        assert tone_ratio(heard, EN_HZ) < 0.2, "a zh-CN caller hears the English version"
        assert tone_ratio(heard, EN_ONLY_HZ) > 0.5, "no English fallback for the en-only prompt"

        listed = {p["name"]: p for p in await api.get("/prompts")}
        assert any(u["live"] for u in listed[both]["used_by"])
    finally:
        await publish(api, flow["id"], before["draft"])


async def test_given_bad_uploads_through_the_api_then_rejected_with_the_reason(
    hotline_env: dict[str, str],
) -> None:
    name = f"itest_bad_{uuid.uuid4().hex[:6]}"
    cases = {
        "mismatch": ("renamed.wav", tone_file(EN_HZ, "webm")),
        "not_audio": ("notes.webm", b"this is a text file, not audio\n" * 10),
        "empty": ("empty.webm", b""),
    }
    async with aiohttp.ClientSession() as session:
        for reason, (filename, data) in cases.items():
            form = aiohttp.FormData()
            form.add_field("name", name)
            form.add_field("file", data, filename=filename, content_type="audio/webm")
            async with session.post(
                hotline_env["HOTLINE_WEB_URL"] + "/api/v1/prompts",
                data=form,
                headers={"Authorization": f"Bearer {hotline_env['HOTLINE_API_TOKEN']}"},
            ) as response:
                body = await response.json()
                assert response.status == 422, body
                assert body["details"]["reason"] == reason, body
        async with session.get(
            hotline_env["HOTLINE_WEB_URL"] + "/api/v1/prompts",
            headers={"Authorization": f"Bearer {hotline_env['HOTLINE_API_TOKEN']}"},
        ) as response:
            assert name not in {p["name"] for p in await response.json()}
