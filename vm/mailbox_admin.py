"""The web inbox's use cases: a tenant's boxes with their counts, one box's
messages and greetings, and its settings (email, retention, PIN).

Everything here names the box it acts on, and a message is only found
through its box, so a form for box A can never touch a message of box B.
Everything works in one tenant (``tenant_id``, the signed-in user's): another
tenant's box or message is as unknown as a missing one.  The pieces are
voicemail's own: ``mailboxes``, ``messages``, ``greetings``, ``mwi_counts``
and ``store``; a refusal is ``vm.store.VoicemailRejected``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import vm.greetings
import vm.mailboxes
import vm.messages
import vm.mwi_counts
import vm.store
from hotline.errors import NotFound
from hotline.models_voicemail import GREETING_KINDS, Mailbox, VoicemailMessage
from vm.store import VoicemailRejected


@dataclass(frozen=True)
class BoxRow:
    box: Mailbox
    new: int
    old: int


@dataclass(frozen=True)
class BoxView:
    box: Mailbox
    messages: list[VoicemailMessage]
    new: int
    old: int
    greetings: dict[str, bool]


async def box_rows(tenant_id: int) -> list[BoxRow]:
    rows = []
    for box in await vm.mailboxes.list_boxes(tenant_id=tenant_id):
        new, old = await vm.mwi_counts.mwi_counts(box)
        rows.append(BoxRow(box, new, old))
    return rows


async def box_view(number: str, tenant_id: int) -> BoxView:
    box = await vm.mailboxes.get_box(number, tenant_id=tenant_id)
    new, old = await vm.mwi_counts.mwi_counts(box)
    messages = await vm.messages.list_messages(box)
    messages.reverse()  # the inbox shows the newest first
    greetings = {kind: bool(box.greeting_path(kind)) for kind in GREETING_KINDS}
    return BoxView(box, messages, new, old, greetings)


def parse_retention(text: str) -> int | None:
    """ "" keeps messages forever; otherwise a whole number of days."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise VoicemailRejected(
            "bad_retention", "retention is 1 to 3650 days, or empty to keep", "retention_days"
        )
    return int(text)


async def update_settings(
    number: str, email: str, retention_text: str, tenant_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) snapshots for the audit; nothing is saved on bad input."""
    box = await vm.mailboxes.get_box(number, tenant_id=tenant_id)
    before = vm.mailboxes.box_snapshot(box)
    await vm.mailboxes.update_box(box, email=email, retention_days=parse_retention(retention_text))
    return before, vm.mailboxes.box_snapshot(box)


async def set_pin(number: str, pin: str, confirm: str, tenant_id: int) -> None:
    box = await vm.mailboxes.get_box(number, tenant_id=tenant_id)
    if pin != confirm:
        raise VoicemailRejected("pin_mismatch", "the two PINs differ", "pin")
    await vm.mailboxes.set_pin(box, pin)


def _greeting_kind(kind: str) -> str:
    if kind not in GREETING_KINDS:
        raise NotFound(f"no greeting kind {kind!r}")
    return kind


async def upload_greeting(
    number: str, kind: str, data: bytes, filename: str, tenant_id: int
) -> None:
    box = await vm.mailboxes.get_box(number, tenant_id=tenant_id)
    if not data:
        raise VoicemailRejected("empty", "choose an audio file", "greeting")
    await vm.greetings.set_greeting(box, _greeting_kind(kind), data, filename)


async def delete_greeting(number: str, kind: str, tenant_id: int) -> None:
    await vm.greetings.clear_greeting(
        await vm.mailboxes.get_box(number, tenant_id=tenant_id), _greeting_kind(kind)
    )


async def greeting_audio(number: str, kind: str, tenant_id: int) -> bytes:
    box = await vm.mailboxes.get_box(number, tenant_id=tenant_id)
    relative = box.greeting_path(_greeting_kind(kind))
    path = vm.store.audio_file(relative) if relative else None
    if path is None or not path.is_file():
        raise NotFound(f"box {number} has no {kind} greeting")
    return await asyncio.to_thread(path.read_bytes)


async def _message_in_box(number: str, message_id: int, tenant_id: int) -> VoicemailMessage:
    # Another tenant's box: "does not exist".
    await vm.mailboxes.get_box(number, tenant_id=tenant_id)
    message = await vm.messages.get_message(message_id, tenant_id=tenant_id)
    if message.mailbox.number != number:
        raise NotFound(f"voicemail message {message_id} is not in box {number}")
    return message


async def message_audio(number: str, message_id: int, tenant_id: int) -> bytes:
    await _message_in_box(number, message_id, tenant_id)
    return (await vm.messages.message_audio(message_id, tenant_id=tenant_id))[1]


async def save_message(number: str, message_id: int, tenant_id: int) -> dict[str, Any]:
    await _message_in_box(number, message_id, tenant_id)
    return vm.messages.message_snapshot(
        await vm.messages.save_message(message_id, tenant_id=tenant_id)
    )


async def delete_message(number: str, message_id: int, tenant_id: int) -> dict[str, Any]:
    await _message_in_box(number, message_id, tenant_id)
    return await vm.messages.delete_message(message_id, tenant_id=tenant_id)
