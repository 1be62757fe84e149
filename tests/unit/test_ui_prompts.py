"""The /prompts pages: WAV-only upload, play back, used by, delete guarded by live flows."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest

from ari_apps.ivr.demo import MAIN_MENU, MAIN_MENU_NAME
from hotline import flows, prompts
from hotline.models import AuditEntry, Flow
from hotline.models_prompts import Prompt
from tests.unit.test_prompt_files import make_wav
from tests.unit.ui_support import UiClient

GOLDEN_DIR = Path(__file__).parent / "golden" / "prompts"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def sound_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "sounds" / "hotline"
    monkeypatch.setattr(prompts, "current_prompt_dir", lambda: directory)
    return directory


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
    flow = await Flow.get(name=MAIN_MENU_NAME)
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["media"] = [f"prompt:{name}", "sound:hello-world"]
    await flows.put_draft(flow.id, draft)
    return flow


async def test_given_no_prompts_then_page_lists_none_and_says_wav_only(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    response = await ui.get("/prompts")
    assert response.status_code == 200
    assert ui.last.template == "prompts/index.html"
    assert ui.last.context["items"] == []
    assert "PCM 16-bit, mono, 8000 Hz" in response.text
    for control in ("record-start", "record-stop", "record-save", "record-name"):
        assert f'id="{control}"' in response.text


async def test_given_good_wav_then_stored_listed_and_played_back_byte_identical(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    data = make_wav(1.5)
    response = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "greeting", "language": "zh-CN"},
        files={"file": ("welcome.wav", data, "audio/wav")},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/prompts?uploaded=welcome&version=1"
    prompt = await Prompt.get(name="welcome")
    assert (prompt.category, prompt.language, prompt.version) == ("greeting", "zh-CN", 1)
    assert prompt.duration_s == pytest.approx(1.5) and prompt.size_bytes == len(data)
    assert prompt.uploaded_by == "administrator" and len(prompt.sha256) == 64
    assert stored_files(sound_dir) == ["welcome.wav"]

    page = await ui.get("/prompts?uploaded=welcome&version=1")
    assert [item["prompt"].name for item in ui.last.context["items"]] == ["welcome"]
    assert ui.last.context["notice"]["key"] == "prompts.notice.uploaded"
    assert '<audio controls preload="none" src="/prompts/welcome/audio">' in page.text

    played = await ui.get("/prompts/welcome/audio")
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/wav"
    assert played.content == data

    entry = await AuditEntry.get(action="upload", object_type="prompt")
    assert entry.object_id == "welcome" and entry.before is None
    assert entry.after["sha256"] == prompt.sha256 and entry.username == "administrator"


BAD_FILES = {
    "empty": b"",
    "not_wav": b"ID3\x04\x00" + b"\xff\xfb\x90\x00" * 64,
    "corrupt": make_wav(1.0)[:3000],
    "wrong_format": make_wav(0.2, channels=2, rate=44100),
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


async def test_given_stereo_44k_then_message_names_the_wrong_format(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    response = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "greeting", "language": "en"},
        files={"file": ("welcome.wav", BAD_FILES["wrong_format"], "audio/wav")},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert ui.last.template == "prompts/_panel.html"
    assert ui.last.context["error"]["values"]["problems"] == "stereo, 44100 Hz"
    assert "wrong format (stereo, 44100 Hz)" in response.text


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
    first, second = make_wav(0.5), make_wav(0.8)
    assert await upload(ui, "welcome", first) == 303
    assert await upload(ui, "welcome", second, headers=HTMX) == 200
    assert ui.last.template == "prompts/_panel.html"
    assert ui.last.context["notice"]["values"] == {"name": "welcome", "version": 2}
    prompt = await Prompt.get(name="welcome")
    assert prompt.version == 2 and prompt.size_bytes == len(second)
    assert stored_files(sound_dir) == ["welcome.v1.wav", "welcome.wav"]
    assert (sound_dir / "welcome.v1.wav").read_bytes() == first
    assert (await ui.get("/prompts/welcome/audio")).content == second
    entry = await AuditEntry.filter(action="upload").order_by("-id").first()
    assert entry is not None
    assert entry.before["version"] == 1 and entry.after["archived_as"] == "welcome.v1.wav"


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
    published = await flows.publish(flow.id, "tester")
    await ui.get("/prompts")
    used_by = ui.last.context["items"][0]["used_by"]
    assert any(u.live and u.version == published["version"] for u in used_by)

    response = await ui.post("/prompts/welcome/delete")
    assert response.status_code == 409
    assert ui.last.context["error"]["key"] == "prompts.error.in_use"
    assert ui.last.context["error"]["values"]["flows"] == MAIN_MENU_NAME
    assert f"the published flow(s) {MAIN_MENU_NAME} play it" in response.text
    assert await Prompt.filter(name="welcome").exists()
    assert stored_files(sound_dir) == ["welcome.wav"]
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
    assert entry.before["files"] == ["welcome.v1.wav", "welcome.wav"]
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
        files={"file": ("x.wav", BAD_FILES["wrong_format"], "audio/wav")},
    )
    assert response.status_code == 422
    assert "格式不对（stereo, 44100 Hz）" in response.text


async def test_given_catalogue_then_known_prompt_names_lists_them(
    ui: UiClient, sound_dir: Path
) -> None:
    await ui.login("administrator")
    await upload(ui, "welcome", make_wav())
    await upload(ui, "closed_hours", make_wav())
    assert await prompts.known_prompt_names() == frozenset({"welcome", "closed_hours"})


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
        files={"file": ("x.wav", BAD_FILES["wrong_format"], "audio/wav")},
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
