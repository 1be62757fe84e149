"""Voicemail over HTTP: /api/v1/voicemail (bearer tokens, audio_url with the
same token, audited DELETE that updates MWI) and the /voicemail inbox pages
(templates and their context, htmx partials, errors, audit)."""

from __future__ import annotations

import pytest

from hotline.models import AuditEntry
from hotline.models_voicemail import VoicemailMessage
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api
from tests.unit.test_prompt_convert import make_wav
from tests.unit.test_vm_services import Vm
from tests.unit.test_vm_services import vm as vm
from tests.unit.ui_support import UiClient
from vm.mailboxes import check_pin, get_box
from vm.messages import mark_heard, store_message

HTMX = {"HX-Request": "true"}


async def leave(box: str = "5000", caller: str = "5550100", seconds: float = 2.0) -> int:
    message = await store_message(
        await get_box(box, tenant_id=await home_tenant_id()),
        caller,
        make_wav(seconds),
        None,
        "call-1",
    )
    return message.id


# --- API ---------------------------------------------------------------------------


async def test_api_lists_messages_with_an_audio_url_that_takes_the_same_token(
    api: Api, vm: Vm
) -> None:
    message_id = await leave()
    response = await api.get("/voicemail/boxes/5000/messages", role="auditor")
    assert response.status_code == 200
    [listed] = response.json()
    assert listed["id"] == message_id and listed["caller_id"] == "5550100"
    assert listed["duration_s"] == pytest.approx(2.0, abs=0.01)
    assert listed["received_at"]
    assert listed["audio_url"] == (
        f"http://hotline.test/api/v1/voicemail/messages/{message_id}/audio"
    )
    audio = await api.client.get(listed["audio_url"], headers=api.auth("auditor"))
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content == make_wav(2.0)
    anonymous = await api.client.get(listed["audio_url"])
    assert anonymous.status_code == 401


async def test_api_unknown_box_is_404_naming_it(api: Api, vm: Vm) -> None:
    response = await api.get("/voicemail/boxes/4242/messages")
    assert response.status_code == 404
    assert "4242" in response.text


async def test_api_delete_is_audited_removes_the_file_and_turns_the_lamp_off(
    api: Api, vm: Vm
) -> None:
    message_id = await leave()
    path = vm.store / (await VoicemailMessage.get(id=message_id)).audio_path
    assert vm.lamp("5000") == (1, 0)
    assert (
        await api.send("DELETE", f"/voicemail/messages/{message_id}", "auditor")
    ).status_code == 403
    response = await api.send("DELETE", f"/voicemail/messages/{message_id}")
    assert response.status_code == 204
    assert not path.exists() and vm.lamp("5000") == (0, 0)
    assert (await api.get("/voicemail/boxes/5000/messages")).json() == []
    entry = await AuditEntry.get(action="voicemail_deleted")
    assert entry.source == "api" and entry.object_id == str(message_id)
    assert entry.before["caller_id"] == "5550100"
    again = await api.send("DELETE", f"/voicemail/messages/{message_id}")
    assert again.status_code == 404


# --- web inbox ---------------------------------------------------------------------


async def test_inbox_lists_boxes_with_counts(ui: UiClient, vm: Vm) -> None:
    await leave()
    await mark_heard(await leave())
    await ui.login("supervisor")
    response = await ui.get("/voicemail")
    assert response.status_code == 200
    assert ui.last.template == "voicemail/list.html"
    rows = {row.box.number: (row.new, row.old) for row in ui.last.context["rows"]}
    assert rows == {"1001": (0, 0), "1002": (0, 0), "5000": (1, 1)}
    assert 'href="/voicemail/5000"' in response.text
    await ui.get("/voicemail", headers=HTMX)
    assert ui.last.template == "voicemail/_boxes.html"


async def test_box_page_plays_saves_and_deletes_with_htmx_partials(ui: UiClient, vm: Vm) -> None:
    first, second = await leave(caller="111"), await leave(caller="222")
    await ui.login("supervisor")
    page = await ui.get("/voicemail/5000")
    assert ui.last.template == "voicemail/box.html"
    assert [m.id for m in ui.last.context["view"].messages] == [second, first]  # newest first
    assert f'src="/voicemail/5000/messages/{first}/audio"' in page.text
    audio = await ui.get(f"/voicemail/5000/messages/{first}/audio")
    assert audio.status_code == 200 and audio.content == make_wav(2.0)

    saved = await ui.post(f"/voicemail/5000/messages/{first}/save", headers=HTMX)
    assert saved.status_code == 200 and ui.last.template == "voicemail/_messages.html"
    assert ui.last.context["notice"] == "saved"
    assert 'id="vm-messages"' in saved.text
    assert (await VoicemailMessage.get(id=first)).folder == "saved"
    assert vm.lamp("5000") == (1, 1)

    deleted = await ui.post(f"/voicemail/5000/messages/{second}/delete", headers=HTMX)
    assert deleted.status_code == 200 and ui.last.context["notice"] == "deleted"
    assert [m.id for m in ui.last.context["view"].messages] == [first]
    assert vm.lamp("5000") == (0, 1)
    actions = [e.action for e in await AuditEntry.filter(object_type="voicemail_message")]
    assert sorted(actions) == ["voicemail_deleted", "voicemail_saved"]
    entry = await AuditEntry.get(action="voicemail_deleted")
    assert entry.username == "supervisor" and entry.ip


async def test_message_is_only_reachable_through_its_own_box(ui: UiClient, vm: Vm) -> None:
    message_id = await leave(box="5000")
    await ui.login("administrator")
    assert (await ui.get(f"/voicemail/1001/messages/{message_id}/audio")).status_code == 404
    response = await ui.post(f"/voicemail/1001/messages/{message_id}/delete")
    assert response.status_code == 404
    assert await VoicemailMessage.exists(id=message_id)


async def test_without_javascript_a_post_redirects_back_to_the_box(ui: UiClient, vm: Vm) -> None:
    message_id = await leave()
    await ui.login("supervisor")
    response = await ui.post(f"/voicemail/5000/messages/{message_id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == "/voicemail/5000?done=deleted"
    await ui.get(response.headers["location"])
    assert ui.last.context["notice"] == "deleted"


async def test_settings_bad_input_names_the_reason_and_saves_nothing(ui: UiClient, vm: Vm) -> None:
    await ui.login("supervisor")
    response = await ui.post(
        "/voicemail/5000/settings", {"email": "nope", "retention_days": "7"}, headers=HTMX
    )
    assert response.status_code == 422
    assert ui.last.template == "voicemail/_settings.html"
    assert ui.last.context["error"]["key"] == "voicemail.error.bad_email"
    assert ui.last.context["form"] == {"email": "nope", "retention_days": "7"}
    assert "nope is not an email address" in response.text
    response = await ui.post(
        "/voicemail/5000/settings", {"email": "a@example.org", "retention_days": "x"}, headers=HTMX
    )
    assert ui.last.context["error"]["key"] == "voicemail.error.bad_retention"
    box = await get_box("5000", tenant_id=await home_tenant_id())
    assert box.email == "support@example.org" and box.retention_days == 30
    assert not await AuditEntry.exists(action="voicemail_box_updated")

    ok = await ui.post(
        "/voicemail/5000/settings",
        {"email": "desk@example.org", "retention_days": ""},
        headers=HTMX,
    )
    assert ok.status_code == 200 and ui.last.context["notice"] == "settings"
    box = await get_box("5000", tenant_id=await home_tenant_id())
    assert box.email == "desk@example.org" and box.retention_days is None
    entry = await AuditEntry.get(action="voicemail_box_updated")
    assert entry.before["retention_days"] == 30 and entry.after["retention_days"] is None


async def test_pin_change_checks_both_entries_and_never_audits_the_pin(
    ui: UiClient, vm: Vm
) -> None:
    await ui.login("supervisor")
    response = await ui.post(
        "/voicemail/1001/pin", {"pin": "123456", "pin_confirm": "654321"}, headers=HTMX
    )
    assert response.status_code == 422
    assert ui.last.context["error"]["key"] == "voicemail.error.pin_mismatch"
    response = await ui.post(
        "/voicemail/1001/pin", {"pin": "12", "pin_confirm": "12"}, headers=HTMX
    )
    assert ui.last.context["error"]["key"] == "voicemail.error.bad_pin"
    response = await ui.post(
        "/voicemail/1001/pin", {"pin": "918273", "pin_confirm": "918273"}, headers=HTMX
    )
    assert response.status_code == 200 and ui.last.context["notice"] == "pin"
    assert await check_pin(await get_box("1001", tenant_id=await home_tenant_id()), "918273")
    entry = await AuditEntry.get(action="voicemail_pin_changed")
    assert "918273" not in str(entry.before) + str(entry.after)


async def test_greeting_upload_converts_plays_and_refuses_bad_files(ui: UiClient, vm: Vm) -> None:
    await ui.login("supervisor")
    bad = await ui.post(
        "/voicemail/5000/greetings/busy",
        files={"file": ("busy.wav", b"RIFF not really", "audio/wav")},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert ui.last.context["error"]["key"].startswith("prompts.error.")
    assert not (vm.store / "5000" / "greeting-busy.wav").exists()

    good = await ui.post(
        "/voicemail/5000/greetings/busy",
        files={"file": ("busy.wav", make_wav(2.0, rate=16000), "audio/wav")},
        headers=HTMX,
    )
    assert good.status_code == 200 and ui.last.context["view"].greetings["busy"]
    assert 'src="/voicemail/5000/greetings/busy/audio"' in good.text
    played = await ui.get("/voicemail/5000/greetings/busy/audio")
    assert played.status_code == 200 and played.content.startswith(b"RIFF")
    assert await AuditEntry.exists(action="voicemail_greeting_uploaded")

    await ui.post("/voicemail/5000/greetings/busy/delete", headers=HTMX)
    assert not ui.last.context["view"].greetings["busy"]
    assert not (vm.store / "5000" / "greeting-busy.wav").exists()
    assert (await ui.get("/voicemail/5000/greetings/bogus/audio")).status_code == 404


async def test_auditor_sees_the_inbox_but_no_forms(ui: UiClient, vm: Vm) -> None:
    await leave()
    await ui.login("auditor")
    page = await ui.get("/voicemail/5000")
    assert page.status_code == 200
    assert "/delete" not in page.text and 'name="pin"' not in page.text


async def test_chinese_page_is_translated(ui: UiClient, vm: Vm) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/voicemail"})
    page = await ui.get("/voicemail")
    assert "语音信箱" in page.text and "留言保留天数" in page.text
