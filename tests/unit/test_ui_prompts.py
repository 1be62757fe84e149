"""The /prompts pages: upload in any supported format, TTS drafts, versions, languages,
used by, delete guarded by live flows."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ari_apps.ivr import services as flows
from ari_apps.ivr.demo import MAIN_MENU_NAME
from hotline.models import AuditEntry, Flow
from hotline.models_prompts import Prompt, PromptVersion
from hotline.tenancy import home_tenant_id
from tests.unit.test_prompt_convert import encoded_tone, make_wav, wav_format
from tests.unit.ui_support import UiClient
from voice_prompts import services as prompt_services
from voice_prompts.services import PromptFiles

GOLDEN_DIR = Path(__file__).parent / "golden" / "prompts"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def sound_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The English prompt directory of a sounds tree under tmp_path."""
    files = PromptFiles(tmp_path / "sounds")
    monkeypatch.setattr(prompt_services, "current_files", lambda: files)
    return files.directory("en")


def assert_matches_golden(html: str, name: str) -> None:
    normalised = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(normalised, encoding="utf-8")
    assert normalised == path.read_text(encoding="utf-8")


async def upload(
    ui: UiClient,
    name: str,
    data: bytes,
    *,
    category: str = "greeting",
    language: str = "en",
    filename: str = "prompt.wav",
    headers: dict[str, str] | None = None,
) -> int:
    response = await ui.post(
        "/prompts",
        {"name": name, "category": category, "language": language},
        files={"file": (filename, data, "audio/wav")},
        headers=headers,
    )
    return response.status_code


def stored_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


async def use_in_demo_flow(name: str) -> Flow:
    """The demo flow's draft becomes a greeting that plays ``name``, then hangs up.

    A flow of its own (not the demo menu with one change): the demo menu's
    other nodes are not under test here.
    """
    flow = await Flow.get(name=MAIN_MENU_NAME)
    draft = {
        "start": "greet",
        "nodes": {
            "greet": {
                "kind": "play",
                "media": [f"prompt:{name}", "sound:hello-world"],
                "next": "bye",
            },
            "bye": {"kind": "hangup", "reason": "done"},
        },
    }
    await flows.put_draft(flow.id, draft, tenant_id=await home_tenant_id())
    return flow


async def test_given_no_prompts_then_page_lists_none_and_names_the_formats(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    response = await ui.get("/prompts")
    assert response.status_code == 200
    assert ui.last.template == "prompts/index.html"
    assert ui.last.context["items"] == []
    assert "WAV, MP3, OGG/Opus, M4A (AAC) and WebM" in response.text
    assert 'accept=".wav,.wave,.mp3,.ogg,.oga,.opus,.m4a,.mp4,.webm,.weba,audio/*"' in response.text
    assert 'action="/prompts/tts"' in response.text
    for control in ("record-start", "record-stop", "record-save", "record-name"):
        assert f'id="{control}"' in response.text


async def test_given_good_wav_then_converted_stored_listed_and_played_back(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    data = make_wav(1.5, channels=2, rate=44100)
    response = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "greeting", "language": "en"},
        files={"file": ("welcome.wav", data, "audio/wav")},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/prompts?uploaded=welcome&version=1"
    prompt = await Prompt.get(name="welcome")
    assert (prompt.category, prompt.language, prompt.version) == ("greeting", "en", 1)
    assert prompt.duration_s == pytest.approx(1.5, abs=0.02)
    assert prompt.uploaded_by == "administrator" and len(prompt.sha256) == 64
    assert stored_files(sound_dir) == [
        "welcome.sln16",
        "welcome.v1.sln16",
        "welcome.v1.wav",
        "welcome.wav",
    ]

    page = await ui.get("/prompts?uploaded=welcome&version=1")
    [item] = ui.last.context["items"]
    assert item["prompt"].name == "welcome" and set(item["current"]) == {"en"}
    assert ui.last.context["notice"]["key"] == "prompts.notice.uploaded"
    assert 'src="/prompts/welcome/audio?language=en"' in page.text

    played = await ui.get("/prompts/welcome/audio?language=en")
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/wav"
    assert wav_format(played.content)[:3] == (1, 8000, 2)
    assert played.content == (sound_dir / "welcome.wav").read_bytes()
    assert prompt.size_bytes == len(played.content)

    entry = await AuditEntry.get(action="upload", object_type="prompt")
    assert entry.object_id == "welcome" and entry.before is None
    assert entry.after["sha256"] == prompt.sha256 and entry.username == "administrator"
    assert entry.after["source_format"] == "wav"


@pytest.mark.parametrize("key", ["mp3", "ogg", "m4a", "webm"])
async def test_given_compressed_format_then_accepted_through_the_form(
    ui: UiClient, sound_dir: Path, key: str
) -> None:
    await ui.login("administrator")
    extension = "m4a" if key == "m4a" else key
    status = await upload(ui, "welcome", encoded_tone(key), filename=f"w.{extension}")
    assert status == 303
    [stored] = await PromptVersion.all()
    assert (stored.source_format, stored.source, stored.version) == (key, "upload", 1)


BAD_FILES = {
    "empty": b"",
    "mismatch": b"ID3\x04\x00" + b"\xff\xfb\x90\x00" * 64,
    "corrupt": make_wav(1.0)[:3000],
    "not_audio": b"this is a text file\n" * 10,
    "too_long": make_wav(301),
}


@pytest.mark.parametrize("reason", sorted(BAD_FILES))
async def test_given_bad_file_then_rejected_with_its_reason_and_nothing_stored(
    ui: UiClient, sound_dir: Path, reason: str
) -> None:
    await ui.login("administrator")
    status = await upload(ui, "welcome", BAD_FILES[reason], category="menu", filename="a.wav")
    assert status == 422
    assert ui.last.template == "prompts/index.html"
    error = ui.last.context["error"]
    assert error["field"] == "file" and error["key"] == f"prompts.error.{reason}"
    # What the user typed is kept.
    assert ui.last.context["form"] == {"name": "welcome", "category": "menu", "language": "en"}
    assert await Prompt.all().count() == 0
    assert stored_files(sound_dir) == []
    assert await AuditEntry.filter(action="upload").count() == 0


async def test_given_mp3_named_wav_then_message_names_what_it_really_is(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    response = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "greeting", "language": "en"},
        files={"file": ("welcome.wav", BAD_FILES["mismatch"], "audio/wav")},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert ui.last.template == "prompts/_panel.html"
    assert ui.last.context["error"]["values"] == {"extension": "wav", "kind": "MP3"}
    assert "it is named .wav but its content is MP3" in response.text


async def test_given_bad_name_then_rejected_on_the_name_field(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    assert await upload(ui, "Main Menu!", make_wav()) == 422
    assert ui.last.context["error"]["field"] == "name"
    assert ui.last.context["form"]["name"] == "Main Menu!"
    assert stored_files(sound_dir) == []


async def test_given_same_name_uploaded_again_then_new_version_and_old_audio_kept(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("supervisor")
    assert await upload(ui, "welcome", make_wav(0.5)) == 303
    first = (sound_dir / "welcome.wav").read_bytes()
    assert await upload(ui, "welcome", make_wav(0.8), headers=HTMX) == 200
    assert ui.last.template == "prompts/_panel.html"
    assert ui.last.context["notice"]["values"] == {"name": "welcome", "version": 2}
    prompt = await Prompt.get(name="welcome")
    assert prompt.version == 2 and prompt.duration_s == pytest.approx(0.8, abs=0.02)
    assert "welcome.v1.wav" in stored_files(sound_dir)
    assert (sound_dir / "welcome.v1.wav").read_bytes() == first
    current = (await ui.get("/prompts/welcome/audio")).content
    assert current == (sound_dir / "welcome.v2.wav").read_bytes() != first
    assert (await ui.get("/prompts/welcome/audio?version=1")).content == first
    await ui.get("/prompts")
    [item] = ui.last.context["items"]
    assert [v.version for v in item["versions"]] == [2, 1]
    entry = await AuditEntry.filter(action="upload").order_by("-id").first()
    assert entry is not None
    assert entry.before["version"] == 1 and entry.after["version"] == 2


async def test_given_zh_cn_upload_then_it_lives_beside_english_in_its_own_directory(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    assert await upload(ui, "welcome", make_wav(0.5)) == 303
    assert await upload(ui, "welcome", make_wav(0.7), language="zh-CN") == 303
    zh_dir = sound_dir.parent.parent / "zh_CN" / "hotline"
    assert stored_files(zh_dir) == [
        "welcome.sln16",
        "welcome.v2.sln16",
        "welcome.v2.wav",
        "welcome.wav",
    ]
    page = await ui.get("/prompts")
    [item] = ui.last.context["items"]
    assert {lang: v.version for lang, v in item["current"].items()} == {"en": 1, "zh-CN": 2}
    assert 'src="/prompts/welcome/audio?language=zh-CN"' in page.text
    zh_audio = await ui.get("/prompts/welcome/audio?language=zh-CN")
    assert zh_audio.content == (zh_dir / "welcome.wav").read_bytes()
    assert (await ui.get("/prompts/welcome/audio?language=fr")).status_code == 404


@pytest.mark.parametrize(("language", "text"), [("en", "Welcome"), ("zh-CN", "欢迎致电")])
async def test_given_tts_form_then_a_draft_is_stored_as_a_version(
    ui: UiClient, sound_dir: Path, language: str, text: str
) -> None:
    await ui.login("administrator")
    response = await ui.post(
        "/prompts/tts",
        {"name": "draft", "category": "menu", "language": language, "tts_text": text},
    )
    assert response.status_code == 303
    [stored] = await PromptVersion.all()
    assert (stored.source, stored.tts_text, stored.language) == ("tts", text, language)
    assert stored.duration_s > 0.3
    page = await ui.get("/prompts")
    assert "text-to-speech" in page.text
    entry = await AuditEntry.get(action="tts_draft")
    assert entry.after["source"] == "tts"


async def test_given_empty_tts_text_then_refused_on_the_tts_form_and_nothing_stored(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    response = await ui.post(
        "/prompts/tts",
        {"name": "draft", "category": "menu", "language": "en", "tts_text": "   "},
        headers=HTMX,
    )
    assert response.status_code == 422
    error = ui.last.context["error"]
    assert (error["form"], error["field"], error["key"]) == (
        "tts",
        "tts_text",
        "prompts.error.tts_empty",
    )
    assert ui.last.context["tts_form"]["name"] == "draft"
    assert "Text: enter the words to speak." in response.text
    assert await Prompt.all().count() == 0


async def test_given_prompt_in_a_draft_then_used_by_shows_the_flow(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await upload(ui, "welcome", make_wav())
    flow = await use_in_demo_flow("welcome")
    await ui.get("/prompts")
    [item] = ui.last.context["items"]
    [usage] = item["used_by"]
    assert (usage.flow_id, usage.flow_name, usage.where, usage.live) == (
        flow.id,
        MAIN_MENU_NAME,
        "draft",
        False,
    )


async def test_given_prompt_used_by_published_flow_then_delete_refused_naming_the_flow(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await upload(ui, "welcome", make_wav())
    flow = await use_in_demo_flow("welcome")
    published = await flows.publish(flow.id, "tester", tenant_id=await home_tenant_id())
    await ui.get("/prompts")
    used_by = ui.last.context["items"][0]["used_by"]
    assert any(u.live and u.version == published["version"] for u in used_by)

    response = await ui.post("/prompts/welcome/delete")
    assert response.status_code == 409
    assert ui.last.context["error"]["key"] == "prompts.error.in_use"
    assert ui.last.context["error"]["values"]["flows"] == MAIN_MENU_NAME
    assert f"the published flow(s) {MAIN_MENU_NAME} play it" in response.text
    assert await Prompt.filter(name="welcome").exists()
    assert "welcome.wav" in stored_files(sound_dir)
    assert await AuditEntry.filter(action="delete").count() == 0


async def test_given_prompt_only_in_a_draft_then_delete_allowed_and_audited(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await upload(ui, "welcome", make_wav())
    await upload(ui, "welcome", make_wav(0.7))
    await use_in_demo_flow("welcome")
    response = await ui.post("/prompts/welcome/delete")
    assert response.status_code == 303
    assert response.headers["location"] == "/prompts?deleted=welcome"
    assert not await Prompt.filter(name="welcome").exists()
    assert stored_files(sound_dir) == []
    entry = await AuditEntry.get(action="delete", object_type="prompt")
    assert entry.before["version"] == 2
    assert entry.before["files"] == [
        f"en/welcome{suffix}"
        for suffix in (".sln16", ".v1.sln16", ".v1.wav", ".v2.sln16", ".v2.wav", ".wav")
    ]
    assert await PromptVersion.all().count() == 0
    assert (await ui.get("/prompts/welcome/audio")).status_code == 404


async def test_given_unknown_prompt_then_delete_and_audio_answer_404(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    assert (await ui.post("/prompts/nothing/delete")).status_code == 404
    assert ui.last.context["error"]["key"] == "prompts.error.not_found"
    assert (await ui.get("/prompts/nothing/audio")).status_code == 404
    assert (await ui.get("/prompts/..%2Fetc/audio")).status_code == 404


async def test_given_auditor_then_sees_prompts_but_no_upload_and_cannot_upload(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("auditor")
    page = await ui.get("/prompts")
    assert page.status_code == 200 and 'action="/prompts"' not in page.text
    assert 'id="record-start"' not in page.text
    assert await upload(ui, "welcome", make_wav()) == 403
    assert await Prompt.all().count() == 0


async def test_given_chinese_user_then_rejection_is_explained_in_chinese(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/prompts"})
    response = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "greeting", "language": "en"},
        files={"file": ("x.wav", BAD_FILES["mismatch"], "audio/wav")},
    )
    assert response.status_code == 422
    assert "扩展名是 .wav，但内容是 MP3" in response.text


async def test_given_catalogue_then_known_prompt_names_lists_them(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await upload(ui, "welcome", make_wav())
    await upload(ui, "closed_hours", make_wav())
    known = await prompt_services.known_prompt_names(await home_tenant_id())
    assert known == frozenset({"welcome", "closed_hours"})


async def test_given_htmx_requests_then_panel_fragments_match_golden(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await upload(ui, "welcome", make_wav(2.0))
    await use_in_demo_flow("welcome")
    listing = await ui.client.get("/prompts", headers=HTMX)
    assert ui.last.template == "prompts/_panel.html"
    assert_matches_golden(listing.text, "panel_list.html")
    rejected = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "menu", "language": "en"},
        files={"file": ("x.wav", BAD_FILES["mismatch"], "audio/wav")},
        headers=HTMX,
    )
    assert ui.last.template == "prompts/_panel.html"
    assert rejected.status_code == 422
    assert_matches_golden(rejected.text, "panel_rejected.html")


async def test_given_recorder_script_then_served_with_the_controls_the_page_has(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("telecom_engineer")
    page = await ui.get("/prompts")
    script = await ui.get("/static/prompt-recorder.js")
    assert script.status_code == 200
    for control in ("record-start", "record-stop", "record-save", "record-name"):
        assert f'id="{control}"' in page.text and f'"{control}"' in script.text
    # It uploads through the same guarded endpoint, with the CSRF header.
    assert 'fetch("/prompts"' in script.text and '"X-CSRF-Token"' in script.text


async def test_given_an_old_version_then_make_current_again_restores_its_audio(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("supervisor")
    await upload(ui, "welcome", make_wav(0.5))
    first = (sound_dir / "welcome.wav").read_bytes()
    await upload(ui, "welcome", make_wav(0.8))
    page = await ui.get("/prompts")
    # Only the version that does not play offers the button.
    assert 'action="/prompts/welcome/versions/1/restore"' in page.text
    assert 'action="/prompts/welcome/versions/2/restore"' not in page.text

    response = await ui.post("/prompts/welcome/versions/1/restore")
    assert response.status_code == 303
    assert response.headers["location"] == "/prompts?restored=1&name=welcome&version=3"
    assert (sound_dir / "welcome.wav").read_bytes() == first
    await ui.get(response.headers["location"])
    assert ui.last.context["notice"] == {
        "key": "prompts.notice.restored",
        "values": {"name": "welcome", "restored": "1", "version": "3"},
    }
    [item] = ui.last.context["items"]
    assert [v.version for v in item["versions"]] == [3, 2, 1]
    assert item["current"]["en"].source == "restore"

    again = await ui.post("/prompts/welcome/versions/2/restore", headers=HTMX)
    assert again.status_code == 200 and ui.last.template == "prompts/_panel.html"
    assert "Version 2 of welcome plays again (stored as version 4)." in again.text
    assert (await ui.post("/prompts/welcome/versions/9/restore")).status_code == 404
    assert [e.action for e in await AuditEntry.filter(action="restore")] == ["restore"] * 2


async def test_given_auditor_then_no_restore_button_and_restore_refused(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("supervisor")
    await upload(ui, "welcome", make_wav(0.5))
    await upload(ui, "welcome", make_wav(0.8))
    await ui.login("auditor")
    page = await ui.get("/prompts")
    assert "/restore" not in page.text
    assert (await ui.post("/prompts/welcome/versions/1/restore")).status_code == 403
    assert await PromptVersion.filter(version=3).count() == 0
