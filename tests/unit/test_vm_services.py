"""Voicemail's use cases (vm.store, vm.mailboxes, vm.messages, vm.greetings,
vm.mwi_counts, vm.notifications, vm.retention) over a seeded in-memory
database with real files in tmp: messages (store, list, heard, save, delete,
forward), PIN, greetings through the prompt pipeline, retention purge, MWI
counts, email against a real aiosmtpd server, and the app_voicemail spool MWI
fallback."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.bus import BusEvent, EventBus
from hotline.errors import InvalidRequest, NotFound
from hotline.models_voicemail import VoicemailMessage
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.integration.smtp import SMTP_HOST, Inbox, start_smtp_server
from tests.unit.test_prompt_convert import make_wav
from vm.greetings import clear_greeting, greeting_media, set_greeting
from vm.mailboxes import check_pin, get_box, set_pin, update_box
from vm.messages import (
    delete_message,
    forward_message,
    get_message,
    list_messages,
    mark_heard,
    message_media,
    save_message,
    store_message,
    store_recording,
)
from vm.mwi import SpoolMwi
from vm.mwi_counts import mwi_counts
from vm.notifications import email_notification
from vm.retention import purge_expired
from vm.services import phone_mailboxes
from vm.store import (
    STORE_NAME,
    Runtime,
    VoicemailRejected,
    audio_file,
    configure,
    live_recording_name,
    recording_file,
    runtime,
    wav_duration_s,
)


class RecordingMwi:
    def __init__(self) -> None:
        self.latest: dict[str, tuple[int, int]] = {}

    async def set_mwi(self, mailbox: str, new_messages: int, old_messages: int) -> None:
        self.latest[mailbox] = (new_messages, old_messages)

    async def clear_mwi(self, mailbox: str) -> None:
        self.latest[mailbox] = (0, 0)


@dataclasses.dataclass
class Vm:
    store: Path
    mwi: RecordingMwi
    bus: EventBus
    events: list[BusEvent]

    def lamp(self, box: str) -> tuple[int, int]:
        return self.mwi.latest[f"{box}@hotline"]

    def drain(self) -> list[str]:
        return [event.kind for event in self.events]


@pytest.fixture
async def vm(seeded: Settings, tmp_path: Path) -> Vm:
    store = tmp_path / "recording" / STORE_NAME
    mwi = RecordingMwi()
    bus = EventBus()
    subscription = bus.subscribe({"voicemail"})
    events: list[BusEvent] = []
    original = subscription.offer

    def keep(event: BusEvent) -> None:
        events.append(event)
        original(event)

    subscription.offer = keep  # type: ignore[method-assign]
    configure(Runtime(store=store, bus=bus, mwi=mwi, settings=seeded))
    return Vm(store, mwi, bus, events)


async def test_given_wav_when_stored_then_file_row_duration_mwi_and_event(vm: Vm) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())
    message = await store_message(box, "5550100", make_wav(2.0), None, "call-1")
    assert message.duration_s == pytest.approx(2.0, abs=0.01)
    assert message.caller_id == "5550100" and message.folder == "new" and not message.heard
    stored = vm.store / message.audio_path
    assert stored.is_file() and stored.read_bytes() == make_wav(2.0)
    assert stored.parent.name == "5000"
    assert vm.lamp("5000") == (1, 0)
    assert "message_stored" in vm.drain()
    assert message_media(message) == (
        f"recording:hotline-vm/{message.audio_path.removesuffix('.wav')}"
    )


async def test_given_not_a_wav_when_stored_then_refused_and_nothing_kept(vm: Vm) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())
    with pytest.raises(VoicemailRejected) as rejected:
        await store_message(box, "5550100", b"not audio at all", None, "call-1")
    assert rejected.value.reason == "not_wav"
    assert await VoicemailMessage.all().count() == 0
    assert not vm.store.exists() or not any(vm.store.rglob("*.wav"))


async def test_heard_save_delete_move_the_counts_and_delete_removes_the_file(vm: Vm) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())
    first = await store_message(box, "1", make_wav(1.0), None, "c1")
    second = await store_message(box, "2", make_wav(1.5), None, "c2")
    assert [m.id for m in await list_messages(box)] == [first.id, second.id]
    assert await mwi_counts(box) == (2, 0)

    await mark_heard(first.id)
    assert vm.lamp("5000") == (1, 1)
    saved = await save_message(second.id, tenant_id=await home_tenant_id())
    assert saved.folder == "saved" and saved.heard
    assert vm.lamp("5000") == (0, 2)
    assert [m.id for m in await list_messages(box, "saved")] == [second.id]

    before = await delete_message(first.id, tenant_id=await home_tenant_id())
    assert before["caller_id"] == "1" and before["box"] == "5000"
    assert not (vm.store / first.audio_path).exists()
    assert vm.lamp("5000") == (0, 1)
    with pytest.raises(NotFound):
        await get_message(first.id, tenant_id=await home_tenant_id())
    assert {"message_heard", "message_saved", "message_deleted"} <= set(vm.drain())


async def test_forward_copies_into_the_other_box_as_new(vm: Vm) -> None:
    source = await get_box("5000", tenant_id=await home_tenant_id())
    message = await store_message(source, "5550100", make_wav(1.0), None, "c1")
    await mark_heard(message.id)
    copy = await forward_message(message.id, "1001")
    assert copy.id != message.id and copy.caller_id == "5550100" and not copy.heard
    assert (vm.store / copy.audio_path).read_bytes() == (vm.store / message.audio_path).read_bytes()
    assert copy.audio_path.startswith("1001/")
    assert vm.lamp("1001") == (1, 0) and vm.lamp("5000") == (0, 1)
    with pytest.raises(NotFound):
        await forward_message(message.id, "9999")


async def test_pin_is_hashed_checked_and_refused_when_malformed(vm: Vm) -> None:
    box = await get_box("1001", tenant_id=await home_tenant_id())
    await set_pin(box, "482913")
    assert "482913" not in box.pin_hash
    assert await check_pin(box, "482913")
    assert not await check_pin(box, "000000")
    for bad in ("12", "12345678901", "12ab"):
        with pytest.raises(VoicemailRejected) as rejected:
            await set_pin(box, bad)
        assert rejected.value.reason == "bad_pin"
    assert await check_pin(await get_box("1001", tenant_id=await home_tenant_id()), "482913")
    box.pin_hash = ""
    assert not await check_pin(box, "")


async def test_greeting_goes_through_the_prompt_pipeline_and_bad_audio_keeps_the_old(
    vm: Vm,
) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())
    assert greeting_media(box, "unavailable") is None
    await set_greeting(box, "unavailable", make_wav(2.0, rate=44100), "hello.wav")
    media = greeting_media(box, "unavailable")
    assert media == "recording:hotline-vm/5000/greeting-unavailable"
    stored = vm.store / "5000" / "greeting-unavailable.wav"
    assert wav_duration_s(stored.read_bytes()) > 1.0
    before = stored.read_bytes()

    with pytest.raises(VoicemailRejected) as rejected:
        await set_greeting(box, "unavailable", b"\x00garbage" * 50, "hello.wav")
    assert rejected.value.field == "greeting"
    assert rejected.value.i18n_key.startswith("prompts.error.")
    assert stored.read_bytes() == before

    await clear_greeting(box, "unavailable")
    assert not stored.exists() and greeting_media(box, "unavailable") is None


async def test_box_settings_are_validated_before_anything_is_saved(vm: Vm) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())
    with pytest.raises(VoicemailRejected) as rejected:
        await update_box(box, email="not an address", retention_days=10)
    assert rejected.value.reason == "bad_email"
    with pytest.raises(VoicemailRejected):
        await update_box(box, email="a@example.org", retention_days=0)
    fresh = await get_box("5000", tenant_id=await home_tenant_id())
    assert fresh.email == "support@example.org" and fresh.retention_days == 30
    await update_box(fresh, email="desk@example.org", retention_days=None)
    assert (await get_box("5000", tenant_id=await home_tenant_id())).retention_days is None


async def test_purge_deletes_only_expired_messages_and_their_files(vm: Vm) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())  # retention 30 days
    now = datetime.now(UTC)
    old = await store_message(
        box, "old", make_wav(1.0), None, "c1", received_at=now - timedelta(days=31)
    )
    recent = await store_message(
        box, "recent", make_wav(1.0), None, "c2", received_at=now - timedelta(days=29)
    )
    kept_forever = await store_message(
        await get_box("1001", tenant_id=await home_tenant_id()),  # no retention
        "ancient",
        make_wav(1.0),
        None,
        "c3",
        received_at=now - timedelta(days=3000),
    )
    assert await purge_expired(now) == 1
    remaining = {m.id for m in await VoicemailMessage.all()}
    assert remaining == {recent.id, kept_forever.id}
    assert not (vm.store / old.audio_path).exists()
    assert (vm.store / recent.audio_path).exists()
    assert vm.lamp("5000") == (1, 0)
    assert "messages_purged" in vm.drain()


async def test_recording_from_ari_is_moved_in_or_discarded_when_too_short(vm: Vm) -> None:
    box = await get_box("5000", tenant_id=await home_tenant_id())
    vm.store.parent.mkdir(parents=True, exist_ok=True)
    long_name = live_recording_name("msg", "5000")
    recording_file(long_name).write_bytes(make_wav(2.5))
    message = await store_recording(box, "5550100", long_name, "c1", 1.0)
    assert message is not None and message.duration_s == pytest.approx(2.5, abs=0.01)
    assert not recording_file(long_name).exists()
    assert (vm.store / message.audio_path).is_file()

    short_name = live_recording_name("msg", "5000")
    recording_file(short_name).write_bytes(make_wav(0.4))
    assert await store_recording(box, "5550100", short_name, "c2", 1.0) is None
    assert not recording_file(short_name).exists()
    assert await VoicemailMessage.all().count() == 1


def test_paths_never_leave_the_store(vm: Vm) -> None:
    with pytest.raises(InvalidRequest):
        audio_file("../../etc/passwd")
    with pytest.raises(InvalidRequest):
        recording_file("../escape")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    controller, inbox = start_smtp_server()
    yield controller.port, inbox
    controller.stop()


async def test_email_carries_the_wav_and_its_status_is_kept(
    vm: Vm, seeded: Settings, smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    settings = dataclasses.replace(seeded, smtp_host=SMTP_HOST, smtp_port=port)
    configure(dataclasses.replace(runtime(), settings=settings))
    box = await get_box("5000", tenant_id=await home_tenant_id())
    message = await store_message(box, "5550100", make_wav(1.0), None, "c1")
    assert await email_notification(message.id) == "sent"
    mail = await inbox.wait_for(lambda m: "5550100" in str(m["Subject"]), timeout_s=10)
    assert "5000" in str(mail["Subject"]) and mail["To"] == "support@example.org"
    attachments = list(mail.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["audio/wav"]
    assert attachments[0].get_payload(decode=True) == make_wav(1.0)
    assert (await get_message(message.id, tenant_id=await home_tenant_id())).email_status == "sent"


async def test_email_failure_is_kept_on_the_message_and_nothing_is_lost(
    vm: Vm, seeded: Settings
) -> None:
    unreachable = dataclasses.replace(seeded, smtp_host="127.0.0.1", smtp_port=9)
    configure(dataclasses.replace(runtime(), settings=unreachable))
    box = await get_box("5000", tenant_id=await home_tenant_id())
    message = await store_message(box, "5550100", make_wav(1.0), None, "c1")
    assert await email_notification(message.id) == "failed"
    kept = await get_message(message.id, tenant_id=await home_tenant_id())
    assert kept.email_status == "failed" and kept.email_error
    assert (vm.store / kept.audio_path).is_file()

    configure(dataclasses.replace(runtime(), settings=seeded))
    assert await email_notification(message.id) == "disabled"


async def test_agent_phone_shows_its_own_box_and_its_queues_boxes(vm: Vm) -> None:
    assert await phone_mailboxes("1001") == "1001@hotline,5000@hotline"


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=6))
def test_spool_mwi_markers_always_match_the_latest_counts(
    updates: list[tuple[int, int]],
) -> None:
    """app_voicemail counts msgNNNN.txt files: after any updates, the latest counts."""
    with tempfile.TemporaryDirectory() as root:
        spool = SpoolMwi(root)
        for new, old in updates:
            spool._write("5000@hotline", new, old)
        box_dir = Path(root) / "var/spool/asterisk/voicemail/hotline/5000"
        assert len(list((box_dir / "INBOX").glob("msg*.txt"))) == updates[-1][0]
        assert len(list((box_dir / "Old").glob("msg*.txt"))) == updates[-1][1]
