"""Tenant scoping of voicemail: a second tenant's administrator (pages) and
token (API) neither see nor change the demo tenant's boxes and messages,
another tenant's box answers exactly like a missing one, box numbers stay one
numbering plan, and the phone forwards only within the source box's tenant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from ari_apps.ari import AriClient
from ari_apps.ari.fake_server import FakeAriServer
from hotline import seed
from hotline.api_tokens import SCOPES
from hotline.errors import NotFound
from hotline.models import Agent, AuditEntry, Tenant
from hotline.models_voicemail import Mailbox, VoicemailMessage
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_tokens import bearer, create_token
from tests.unit.test_prompt_convert import make_wav
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.test_vm_services import Vm
from tests.unit.test_vm_services import vm as vm
from tests.unit.ui_support import UiClient
from vm import access_store
from vm.access_core import ForwardMessage
from vm.greetings import set_greeting
from vm.mailboxes import box_by_number, create_box, get_box, list_boxes
from vm.messages import (
    delete_message,
    forward_message,
    get_message,
    message_audio,
    save_message,
    store_message,
)
from vm.services import DEMO_BOX, phone_mailboxes
from vm.store import VoicemailRejected

pytestmark = pytest.mark.security

DEMO_BOXES = (DEMO_BOX, *seed.DEMO_AGENTS)
HTMX = {"HX-Request": "true"}


async def leave(box: str = DEMO_BOX, caller: str = "5550100") -> int:
    """A message left by a call (call-time: the box is found by number)."""
    target = await box_by_number(box)
    message = await store_message(target, caller, make_wav(1.0), None, "call-1")
    return message.id


def store_files(store: Path) -> list[str]:
    return sorted(str(path.relative_to(store)) for path in store.rglob("*") if path.is_file())


async def demo_state(vm: Vm) -> dict[str, Any]:
    """Everything a foreign request must leave as it was."""
    return {
        "boxes": await Mailbox.all().order_by("id").values(),
        "messages": await VoicemailMessage.all().order_by("id").values(),
        "audit": await AuditEntry.all().count(),
        "files": store_files(vm.store),
        "lamps": dict(vm.mwi.latest),
        "events": len(vm.events),
    }


async def water_token(ui: UiClient) -> dict[str, str]:
    """A token of the signed-in (second) tenant's administrator, every scope."""
    _, clear = await create_token(ui, name="water ops", scopes=list(SCOPES))
    return bearer(clear)


async def api(ui: UiClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    return await ui.client.request(method, f"/api/v1{path}", headers=headers)


async def test_given_demo_boxes_then_they_belong_to_the_demo_tenant(vm: Vm) -> None:
    home = await home_tenant_id()
    numbers = [box.number for box in await list_boxes(tenant_id=home)]
    assert sorted(numbers) == sorted(DEMO_BOXES)
    assert not await Mailbox.filter(tenant_id=None).exists()


# -- pages ------------------------------------------------------------------------------


async def test_given_second_tenant_admin_when_listing_then_none_of_the_demo_boxes(
    ui: UiClient, vm: Vm
) -> None:
    await leave()
    await other_tenant_admin(ui)

    response = await ui.get("/voicemail")
    assert response.status_code == 200
    assert ui.last.context["rows"] == []
    assert 'href="/voicemail/5000"' not in response.text


async def test_given_second_tenant_admin_when_touching_demo_boxes_then_404_and_unchanged(
    ui: UiClient, vm: Vm
) -> None:
    message_id = await leave()
    await set_greeting(await box_by_number(DEMO_BOX), "busy", make_wav(1.0))
    await other_tenant_admin(ui)
    before = await demo_state(vm)
    missing = await ui.get("/voicemail/4242")
    assert missing.status_code == 404

    for number in DEMO_BOXES:
        page = await ui.get(f"/voicemail/{number}")
        # The same answer as a box that does not exist: nothing tells them apart.
        assert page.status_code == 404
        assert page.text == missing.text.replace("4242", number)
        settings = {"email": "taken@water.test", "retention_days": "1"}
        assert (await ui.post(f"/voicemail/{number}/settings", settings)).status_code == 404
        pin = {"pin": "123456", "pin_confirm": "654321"}  # a mismatch tells nothing either
        assert (await ui.post(f"/voicemail/{number}/pin", pin)).status_code == 404
        pin = {"pin": "123456", "pin_confirm": "123456"}
        assert (await ui.post(f"/voicemail/{number}/pin", pin)).status_code == 404
        upload = {"file": ("busy.wav", make_wav(1.0), "audio/wav")}
        response = await ui.post(f"/voicemail/{number}/greetings/busy", files=upload)
        assert response.status_code == 404
        empty = await ui.post(f"/voicemail/{number}/greetings/busy", headers=HTMX)
        assert empty.status_code == 404
        assert (await ui.get(f"/voicemail/{number}/greetings/busy/audio")).status_code == 404
        assert (await ui.post(f"/voicemail/{number}/greetings/busy/delete")).status_code == 404

    message = f"/voicemail/{DEMO_BOX}/messages/{message_id}"
    assert (await ui.get(f"{message}/audio")).status_code == 404
    assert (await ui.post(f"{message}/save")).status_code == 404
    assert (await ui.post(f"{message}/delete")).status_code == 404

    assert await demo_state(vm) == before


async def test_given_second_tenant_box_when_reaching_a_demo_message_through_it_then_404(
    ui: UiClient, vm: Vm
) -> None:
    message_id = await leave()
    other, _ = await other_tenant_admin(ui)
    await create_box("7000", tenant_id=other.id, name="Water desk")
    before = await demo_state(vm)

    message = f"/voicemail/7000/messages/{message_id}"
    assert (await ui.get(f"{message}/audio")).status_code == 404
    assert (await ui.post(f"{message}/save")).status_code == 404
    assert (await ui.post(f"{message}/delete")).status_code == 404

    assert await demo_state(vm) == before


async def test_given_second_tenant_admin_then_their_own_box_works(ui: UiClient, vm: Vm) -> None:
    other, _ = await other_tenant_admin(ui)
    box = await create_box("7000", tenant_id=other.id, name="Water desk")
    assert box.tenant_id == other.id
    message_id = await leave("7000")

    assert (await ui.get("/voicemail")).status_code == 200
    assert [row.box.number for row in ui.last.context["rows"]] == ["7000"]
    assert (await ui.get("/voicemail/7000")).status_code == 200
    audio = await ui.get(f"/voicemail/7000/messages/{message_id}/audio")
    assert audio.status_code == 200 and audio.content == make_wav(1.0)
    settings = {"email": "desk@water.test", "retention_days": "7"}
    assert (await ui.post("/voicemail/7000/settings", settings)).status_code == 303
    assert (await Mailbox.get(number="7000")).email == "desk@water.test"
    assert (await ui.post(f"/voicemail/7000/messages/{message_id}/delete")).status_code == 303
    assert not await VoicemailMessage.exists(id=message_id)


# -- API --------------------------------------------------------------------------------


async def test_given_second_tenant_token_when_reading_demo_voicemail_then_404_and_unchanged(
    ui: UiClient, vm: Vm
) -> None:
    message_id = await leave()
    await other_tenant_admin(ui)
    headers = await water_token(ui)
    before = await demo_state(vm)

    missing = await api(ui, "GET", "/voicemail/boxes/4242/messages", headers)
    assert missing.status_code == 404
    for number in DEMO_BOXES:
        response = await api(ui, "GET", f"/voicemail/boxes/{number}/messages", headers)
        assert response.status_code == 404
        # The same answer as a box that does not exist.
        assert response.text == missing.text.replace("4242", number)
    unknown = await api(ui, "GET", "/voicemail/messages/999999/audio", headers)
    audio = await api(ui, "GET", f"/voicemail/messages/{message_id}/audio", headers)
    assert audio.status_code == unknown.status_code == 404
    deleted = await api(ui, "DELETE", f"/voicemail/messages/{message_id}", headers)
    assert deleted.status_code == 404

    assert await demo_state(vm) == before


async def test_given_tokens_of_two_tenants_then_each_reads_its_own_messages(
    ui: UiClient, vm: Vm
) -> None:
    demo_message = await leave()
    other, _ = await other_tenant_admin(ui)
    await create_box("7000", tenant_id=other.id)
    water_message = await leave("7000")
    headers = await water_token(ui)

    listed = (await api(ui, "GET", "/voicemail/boxes/7000/messages", headers)).json()
    assert [message["id"] for message in listed] == [water_message]
    audio = await api(ui, "GET", f"/voicemail/messages/{water_message}/audio", headers)
    assert audio.status_code == 200
    deleted = await api(ui, "DELETE", f"/voicemail/messages/{water_message}", headers)
    assert deleted.status_code == 204
    assert await VoicemailMessage.exists(id=demo_message)


# -- services ---------------------------------------------------------------------------


async def test_given_a_demo_box_number_when_another_tenant_creates_it_then_not_available(
    vm: Vm,
) -> None:
    other = await Tenant.create(name="water")
    before = await Mailbox.all().order_by("id").values()

    with pytest.raises(VoicemailRejected) as rejected:
        await create_box(seed.DEMO_AGENTS[0], tenant_id=other.id)
    assert rejected.value.reason == "not_available" and rejected.value.field == "number"
    # Neutral: neither "exists" nor anything about the holder.
    assert "exists" not in rejected.value.message
    assert str(await home_tenant_id()) not in str(rejected.value.details)
    assert await Mailbox.all().order_by("id").values() == before

    with pytest.raises(VoicemailRejected) as own:
        await create_box(seed.DEMO_AGENTS[0], tenant_id=await home_tenant_id())
    assert own.value.reason == "exists"


async def test_given_another_tenant_when_calling_the_services_then_not_found(vm: Vm) -> None:
    message_id = await leave()
    other = await Tenant.create(name="water")
    before = await VoicemailMessage.all().order_by("id").values()

    assert await list_boxes(tenant_id=other.id) == []
    with pytest.raises(NotFound):
        await get_box(DEMO_BOX, tenant_id=other.id)
    with pytest.raises(NotFound):
        await get_message(message_id, tenant_id=other.id)
    with pytest.raises(NotFound):
        await message_audio(message_id, tenant_id=other.id)
    with pytest.raises(NotFound):
        await save_message(message_id, tenant_id=other.id)
    with pytest.raises(NotFound):
        await delete_message(message_id, tenant_id=other.id)

    assert await VoicemailMessage.all().order_by("id").values() == before


# -- phone ------------------------------------------------------------------------------


async def test_given_a_box_of_another_tenant_when_forwarding_by_phone_then_unknown_box(
    vm: Vm,
) -> None:
    message_id = await leave()
    other = await Tenant.create(name="water")
    await create_box("7000", tenant_id=other.id)
    before = await VoicemailMessage.all().order_by("id").values()

    with pytest.raises(NotFound) as foreign:
        await forward_message(message_id, "7000")
    with pytest.raises(NotFound) as missing:
        await forward_message(message_id, "4242")
    assert foreign.value.message == missing.value.message.replace("4242", "7000")

    asker = access_store.Asker("5550100")
    answer = await access_store.answer("rq", ForwardMessage(str(message_id), "7000"), {}, asker)
    assert not answer.ok
    assert await VoicemailMessage.all().order_by("id").values() == before

    # Within the tenant it still works.
    copy = await forward_message(message_id, seed.DEMO_AGENTS[0])
    assert (await copy.mailbox).number == seed.DEMO_AGENTS[0]


async def test_given_a_box_of_another_tenant_owned_by_a_demo_extension_then_no_lamp(
    vm: Vm,
) -> None:
    other = await Tenant.create(name="water")
    await create_box("7000", tenant_id=other.id, kind="agent", owner=seed.DEMO_AGENTS[0])
    await create_box("7001", tenant_id=other.id, kind="queue", owner=seed.DEMO_QUEUE)

    shown = await phone_mailboxes(seed.DEMO_AGENTS[0])
    assert shown == f"{seed.DEMO_AGENTS[0]}@hotline,5000@hotline"
    await Agent.create(tenant=other, extension="2001", sip_password="x")
    assert await phone_mailboxes("2001") == ""


async def test_given_a_flow_of_another_tenant_when_leaving_voicemail_in_a_demo_box_then_refused(
    seeded: Settings, ari: FakeAriServer, client: AriClient
) -> None:
    """Box numbers are one plan: a flow naming the demo tenant's box 1001
    must not leave a message there; nothing is played, recorded or stored."""
    from ari_apps.call_services import CallServiceContext
    from hotline.bus import EventBus
    from vm.calls import LeaveVoicemail

    other = await Tenant.create(name="leak-test")
    call = CallServiceContext(
        ari=client,
        settings=seeded,
        bus=EventBus(),
        call_id="call-1",
        channel_id="chan-1",
        variables={"caller_id": "5550100"},
        tenant_id=other.id,
    )
    messages_before = await VoicemailMessage.all().count()
    result = await LeaveVoicemail().run(call, {"box": "1001"})

    assert result.outcome == "failed"
    assert result.variables == {"service_error": "no box 1001"}
    assert not [r for r in ari.requests if r.path.startswith("/channels/chan-1")]
    assert await VoicemailMessage.all().count() == messages_before
