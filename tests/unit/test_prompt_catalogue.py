"""The prompt catalogue over a real database and files: TTS drafts, versions, languages,
used by, delivery paths, nothing stored on rejection, and /api/v1/prompts."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from admin_ui.app import create_app
from ari_apps.ivr import services as flows
from ari_apps.ivr.demo import MAIN_MENU, MAIN_MENU_NAME
from ari_apps.ivr.runner import media_uri
from hotline.audio_convert import PromptRejected
from hotline.languages import asterisk_language
from hotline.models import AuditEntry, Flow
from hotline.models_prompts import Prompt, PromptVersion
from hotline.settings import Settings, load_settings
from hotline.tenancy import home_tenant_id
from tests.unit.stand_in import StandInCenter
from tests.unit.test_prompt_convert import encoded_tone, make_wav, rms_dbfs, wav_format, wav_pcm
from voice_prompts import services, tts
from voice_prompts.services import PromptFiles


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PromptFiles:
    prompt_files = PromptFiles(tmp_path / "sounds")
    monkeypatch.setattr(services, "current_files", lambda: prompt_files)
    return prompt_files


def names_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Welcome to the hotline"), ("zh-CN", "欢迎致电")]
)
def test_given_text_then_tts_draft_is_speech_at_8_and_16_khz(language: str, text: str) -> None:
    draft = tts.synthesise(text, language)
    assert wav_format(draft.narrowband_wav)[:3] == (1, 8000, 2)
    assert draft.duration_s > 0.5
    assert rms_dbfs(wav_pcm(draft.narrowband_wav)) > -30  # not silent
    assert rms_dbfs(draft.wideband_sln16) > -30


def test_given_empty_or_huge_text_or_unknown_language_then_tts_refused() -> None:
    with pytest.raises(PromptRejected) as empty:
        tts.synthesise(" \n ", "en")
    assert (empty.value.reason, empty.value.field) == ("tts_empty", "tts_text")
    with pytest.raises(PromptRejected) as huge:
        tts.synthesise("a" * 1001, "en")
    assert huge.value.reason == "tts_too_long"
    with pytest.raises(PromptRejected) as unknown:
        tts.synthesise("bonjour", "fr")
    assert unknown.value.reason == "bad_language"


@pytest.mark.parametrize(
    ("flow_language", "asterisk"),
    [("en", "en"), ("zh-CN", "zh_CN"), ("", "en"), (None, "en"), ("pt-BR", "pt_BR"), ("../x", "x")],
)
def test_given_flow_language_then_playback_language_is_asterisk_spelling(
    flow_language: str | None, asterisk: str
) -> None:
    assert asterisk_language(flow_language) == asterisk


def test_given_prompt_media_then_it_plays_from_the_hotline_sounds_directory() -> None:
    assert media_uri("prompt:welcome") == "sound:hotline/welcome"
    assert media_uri("sound:hello-world") == "sound:hello-world"


def test_given_sandbox_then_english_follows_the_absolute_sounds_link_inside_the_root(
    tmp_path: Path,
) -> None:
    root = tmp_path / "chroot"
    (root / "usr/share/asterisk/sounds-real/en").mkdir(parents=True)
    (root / "usr/share/asterisk/sounds").mkdir(parents=True)
    (root / "usr/share/asterisk/sounds/en").symlink_to("/usr/share/asterisk/sounds-real/en")
    settings = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_ASTERISK_ROOT": str(root)}
    )
    prompt_files = services.prompt_files(settings)
    assert prompt_files.directory("en") == root / "usr/share/asterisk/sounds-real/en/hotline"
    assert prompt_files.directory("zh-CN") == root / "usr/share/asterisk/sounds/zh_CN/hotline"


def test_given_system_asterisk_then_sounds_dir_is_configurable(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ASTERISK": "system"})
    default = services.prompt_files(settings, {})
    assert default.directory("en") == tmp_path / "sounds/en/hotline"
    configured = services.prompt_files(settings, {"HOTLINE_SOUNDS_DIR": "/srv/sounds"})
    assert configured.directory("zh-CN") == Path("/srv/sounds/zh_CN/hotline")


async def test_given_versions_in_two_languages_then_current_per_language_and_all_kept(
    seeded: Settings, files: PromptFiles
) -> None:
    await services.upload(
        "welcome",
        "greeting",
        "en",
        make_wav(0.5),
        "a.wav",
        "alice",
        tenant_id=await home_tenant_id(),
    )
    await services.upload(
        "welcome",
        "greeting",
        "zh-CN",
        encoded_tone("ogg"),
        "b.ogg",
        "bob",
        tenant_id=await home_tenant_id(),
    )
    await services.tts_draft(
        "welcome", "menu", "en", "Hello again", "carol", tenant_id=await home_tenant_id()
    )
    [item] = await services.list_prompts(await home_tenant_id())
    assert [v.version for v in item["versions"]] == [3, 2, 1]
    assert {lang: v.version for lang, v in item["current"].items()} == {"en": 3, "zh-CN": 2}
    assert item["prompt"].category == "menu" and item["prompt"].version == 3
    assert names_in(files.directory("en")) == [
        "welcome.sln16",
        "welcome.v1.sln16",
        "welcome.v1.wav",
        "welcome.v3.sln16",
        "welcome.v3.wav",
        "welcome.wav",
    ]
    # The live files are the current version's.
    assert (files.directory("en") / "welcome.wav").read_bytes() == (
        files.directory("en") / "welcome.v3.wav"
    ).read_bytes()
    prompt = item["prompt"]
    assert await services.audio(prompt, "zh-CN") == files.read_live("welcome", "zh-CN")
    assert await services.audio(prompt, version=1) == files.read_kept("welcome", "en", 1)
    listed = services.as_json(item)
    assert listed["languages"]["en"]["source"] == "tts"
    assert listed["languages"]["zh-CN"]["source_format"] == "ogg"
    assert [v["current"] for v in listed["versions"]] == [True, True, False]


async def test_given_rejected_upload_of_existing_prompt_then_nothing_changes(
    seeded: Settings, files: PromptFiles
) -> None:
    await services.upload(
        "welcome",
        "greeting",
        "en",
        make_wav(0.5),
        "a.wav",
        "alice",
        tenant_id=await home_tenant_id(),
    )
    before = names_in(files.directory("en")), files.read_live("welcome", "en")
    with pytest.raises(PromptRejected):
        await services.upload(
            "welcome",
            "greeting",
            "en",
            encoded_tone("mp3"),
            "a.wav",
            "bob",
            tenant_id=await home_tenant_id(),
        )
    assert (names_in(files.directory("en")), files.read_live("welcome", "en")) == before
    assert await PromptVersion.all().count() == 1
    assert (await Prompt.get(name="welcome")).version == 1


async def test_given_database_refuses_then_files_of_the_new_version_are_undone(
    seeded: Settings, files: PromptFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    await services.upload(
        "welcome",
        "greeting",
        "en",
        make_wav(0.5),
        "a.wav",
        "alice",
        tenant_id=await home_tenant_id(),
    )
    live_before = files.read_live("welcome", "en")

    async def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(PromptVersion, "create", refuse)
    with pytest.raises(RuntimeError):
        await services.upload(
            "welcome",
            "greeting",
            "en",
            make_wav(0.9),
            "b.wav",
            "bob",
            tenant_id=await home_tenant_id(),
        )
    assert files.read_live("welcome", "en") == live_before
    assert "welcome.v2.wav" not in names_in(files.directory("en"))
    assert (await Prompt.get(name="welcome")).version == 1


async def test_given_prompt_stored_before_versions_then_it_is_backfilled_as_version(
    seeded: Settings, files: PromptFiles
) -> None:
    directory = files.directory("en")
    directory.mkdir(parents=True)
    (directory / "old.wav").write_bytes(make_wav(0.4))
    await Prompt.create(
        tenant_id=await home_tenant_id(),
        name="old", category="other", language="en", duration_s=0.4, size_bytes=6444,
        sha256="0" * 64, version=2,
    )  # fmt: skip
    [item] = await services.list_prompts(await home_tenant_id())
    assert [(v.version, v.language) for v in item["versions"]] == [(2, "en")]
    assert (directory / "old.v2.wav").read_bytes() == (directory / "old.wav").read_bytes()


async def _publish_flow_playing(flow_id: int, prompt: str) -> dict[str, Any]:
    """Draft and publish a flow that plays ``prompt``, then hangs up."""
    draft = {
        "start": "greet",
        "nodes": {
            "greet": {"kind": "play", "media": [f"prompt:{prompt}"], "next": "bye"},
            "bye": {"kind": "hangup", "reason": "done"},
        },
    }
    await flows.put_draft(flow_id, draft, tenant_id=await home_tenant_id())
    return await flows.publish(flow_id, "tester", tenant_id=await home_tenant_id())


async def test_given_flows_then_used_by_lists_drafts_and_published_versions(
    seeded: Settings, files: PromptFiles
) -> None:
    await services.upload(
        "welcome",
        "greeting",
        "en",
        make_wav(0.5),
        "a.wav",
        "alice",
        tenant_id=await home_tenant_id(),
    )
    flow = await Flow.get(name="Main menu")
    published = await _publish_flow_playing(flow.id, "welcome")
    used = (await services.usages(await home_tenant_id()))["welcome"]
    assert {(u.where, u.version, u.live) for u in used} == {
        ("draft", None, False),
        ("published", published["version"], True),
    }
    with pytest.raises(services.PromptInUse):
        await services.delete("welcome", tenant_id=await home_tenant_id())


@pytest.fixture
async def api_client(seeded: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(StandInCenter()))
    headers = {"authorization": f"Bearer {seeded.api_token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hotline.test/api/v1", headers=headers
    ) as client:
        yield client


async def test_given_api_upload_and_tts_then_listed_and_audio_served(
    api_client: httpx.AsyncClient, files: PromptFiles
) -> None:
    uploaded = await api_client.post(
        "/prompts",
        data={"name": "welcome", "language": "en", "category": "greeting"},
        files={"file": ("rec.webm", encoded_tone("webm"), "audio/webm")},
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["name"] == "welcome" and body["languages"]["en"]["source_format"] == "webm"
    drafted = await api_client.post(
        "/prompts",
        json={"name": "welcome", "language": "zh-CN", "category": "greeting", "tts_text": "您好"},
    )
    assert drafted.status_code == 201, drafted.text
    assert drafted.json()["languages"]["zh-CN"]["tts_text"] == "您好"

    [listed] = (await api_client.get("/prompts")).json()
    assert listed["audio_url"] == f"/api/v1/prompts/{listed['id']}/audio"
    audio = await api_client.get(f"/prompts/{listed['id']}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert wav_format(audio.content)[:3] == (1, 8000, 2)
    zh = await api_client.get(f"/prompts/{listed['id']}/audio?language=zh-CN")
    assert zh.content == files.read_live("welcome", "zh-CN")
    actions = [e.action for e in await AuditEntry.filter(object_type="prompt").order_by("id")]
    assert actions == ["upload", "tts_draft"]
    entry = await AuditEntry.filter(action="upload").first()
    assert entry is not None and entry.source == "api"


async def test_given_bad_api_upload_then_422_with_the_reason_and_nothing_stored(
    api_client: httpx.AsyncClient, files: PromptFiles
) -> None:
    response = await api_client.post(
        "/prompts",
        data={"name": "welcome", "language": "en"},
        files={"file": ("renamed.wav", encoded_tone("mp3"), "audio/wav")},
    )
    assert response.status_code == 422
    assert response.json()["details"] == {
        "reason": "mismatch",
        "field": "file",
        "extension": "wav",
        "kind": "MP3",
    }
    assert await Prompt.all().count() == 0
    assert names_in(files.directory("en")) == []
    assert (await api_client.post("/prompts", content=b"x")).status_code == 400


async def test_given_an_old_version_when_restored_then_its_audio_plays_as_the_next_version(
    api_client: httpx.AsyncClient, files: PromptFiles
) -> None:
    for seconds in (0.5, 0.9):
        uploaded = await api_client.post(
            "/prompts",
            data={"name": "welcome", "language": "en", "category": "greeting"},
            files={"file": ("p.wav", make_wav(seconds), "audio/wav")},
        )
        assert uploaded.status_code == 201, uploaded.text
    prompt_id = uploaded.json()["id"]
    first = files.read_kept("welcome", "en", 1)
    assert first is not None and files.read_live("welcome", "en") != first

    restored = await api_client.post(f"/prompts/{prompt_id}/versions/1/restore")
    assert restored.status_code == 201, restored.text
    body = restored.json()
    assert body["version"] == 3
    current = body["languages"]["en"]
    assert current["version"] == 3 and current["source"] == "restore"
    assert current["duration_s"] == pytest.approx(0.5, abs=0.02)
    # What plays now is version 1's audio, in both bandwidths; 1 and 2 are kept.
    assert files.read_live("welcome", "en") == first
    wideband = files.live("welcome", "en", ".sln16").read_bytes()
    assert wideband == files.read_kept("welcome", "en", 1, ".sln16")
    assert [v.version for v in await PromptVersion.filter(prompt_id=prompt_id)] == [1, 2, 3]
    entry = await AuditEntry.get(action="restore", object_type="prompt")
    assert entry.after["restored_version"] == 1 and entry.before["version"] == 2

    missing = await api_client.post(f"/prompts/{prompt_id}/versions/9/restore")
    assert missing.status_code == 404
    assert [v.version for v in await PromptVersion.filter(prompt_id=prompt_id)] == [1, 2, 3]


async def test_given_api_delete_then_prompt_and_files_gone_unless_a_live_flow_plays_it(
    api_client: httpx.AsyncClient, files: PromptFiles
) -> None:
    uploaded = await api_client.post(
        "/prompts",
        data={"name": "welcome", "language": "en", "category": "greeting"},
        files={"file": ("p.wav", make_wav(0.5), "audio/wav")},
    )
    prompt_id = uploaded.json()["id"]
    flow = await Flow.get(name=MAIN_MENU_NAME)
    await _publish_flow_playing(flow.id, "welcome")

    refused = await api_client.delete(f"/prompts/{prompt_id}")
    assert refused.status_code == 409
    assert refused.json()["details"]["flows"] == [MAIN_MENU_NAME]
    assert files.read_live("welcome", "en") is not None

    await flows.put_draft(flow.id, copy.deepcopy(MAIN_MENU), tenant_id=await home_tenant_id())
    await flows.publish(flow.id, "tester", tenant_id=await home_tenant_id())
    deleted = await api_client.delete(f"/prompts/{prompt_id}")
    assert deleted.status_code == 204
    assert not await Prompt.filter(id=prompt_id).exists()
    assert names_in(files.directory("en")) == []
    entry = await AuditEntry.get(action="delete", object_type="prompt")
    assert entry.source == "api" and entry.before["name"] == "welcome"
    assert (await api_client.delete(f"/prompts/{prompt_id}")).status_code == 404
