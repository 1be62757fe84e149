"""Voicemail boxes: finding, creating and configuring them, and their PIN.

Tenants
-------
Boxes belong to a tenant (``Mailbox.tenant``), messages to their box's
(``hotline/tenancy.py``).  What the web inbox and the API call takes the
tenant of the signed-in user or token (``tenant_id``): another tenant's box
or message is "not found", exactly like a missing one.  Box numbers stay one
numbering plan (the unique key is global), so a call finds its box by number
alone (``box_by_number``) and a number another tenant holds is refused when
creating a box as "not available", saying no more.  Forwarding from the phone
reaches only boxes of the source box's tenant (``vm/messages.py``).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from typing import Any, Final

from hotline.errors import NotFound
from hotline.models_voicemail import BOX_KINDS, GREETING_KINDS, Mailbox
from hotline.passwords import hash_password, verify_password
from hotline.tenancy import scoped
from vm.access_core import MIN_PIN_DIGITS
from vm.mwi_counts import publish_mwi
from vm.store import VoicemailRejected, audio_file, publish_event

MAX_PIN_DIGITS: Final = 10
_BOX_NUMBER = re.compile(r"^[0-9]{2,10}$")
# What a PIN may be set to (see "PIN" below).
SETTABLE_PIN: Final = re.compile(rf"^[0-9]{{{MIN_PIN_DIGITS},{MAX_PIN_DIGITS}}}$")


# -- boxes ---------------------------------------------------------------------------
def no_box(number: str) -> NotFound:
    # One answer for a missing box and another tenant's: ids tell nothing.
    return NotFound(f"voicemail box {number} does not exist", {"box": number})


async def box_by_number(number: str, *, tenant_id: int | None = None) -> Mailbox:
    """The box a call reaches by number: one numbering plan across tenants.

    Call-time only (leaving a message, the phone menu); the web inbox and the
    API use :func:`get_box` with their tenant.  With ``tenant_id`` (the phone
    menu knows whose call it is) another tenant's box is as missing as none.
    """
    query = Mailbox.all() if tenant_id is None else scoped(Mailbox, tenant_id)
    box = await query.get_or_none(number=number)
    if box is None:
        raise no_box(number)
    return box


async def get_box(number: str, *, tenant_id: int) -> Mailbox:
    """``tenant_id``'s box ``number``; NotFound for a missing or foreign one."""
    box = await scoped(Mailbox, tenant_id).get_or_none(number=number)
    if box is None:
        raise no_box(number)
    return box


async def list_boxes(*, tenant_id: int) -> list[Mailbox]:
    return list(await scoped(Mailbox, tenant_id))


async def create_box(
    number: str,
    *,
    tenant_id: int,
    name: str = "",
    kind: str = "general",
    owner: str = "",
    email: str = "",
    retention_days: int | None = None,
    max_message_s: int = 180,
    pin: str | None = None,
    pin_hash: str = "",
) -> Mailbox:
    if not _BOX_NUMBER.match(number):
        raise VoicemailRejected("bad_number", "a box number is 2 to 10 digits", "number")
    if kind not in BOX_KINDS:
        raise VoicemailRejected("bad_kind", f"kind must be one of {BOX_KINDS}", "kind")
    # One numbering plan: the check is global, and a number another tenant
    # holds is only "not available", without saying whose.
    taken = await Mailbox.get_or_none(number=number)
    if taken is not None:
        if taken.tenant_id == tenant_id:
            raise VoicemailRejected("exists", f"voicemail box {number} already exists", "number")
        raise VoicemailRejected(
            "not_available", f"voicemail box number {number} is not available", "number"
        )
    box = Mailbox(
        tenant_id=tenant_id,
        number=number,
        name=name,
        kind=kind,
        owner=owner,
        max_message_s=max_message_s,
    )
    _apply_settings(box, email=email, retention_days=retention_days)
    box.pin_hash = pin_hash
    if pin is not None:
        box.pin_hash = await asyncio.to_thread(_hash_pin, pin)
    await box.save()
    await publish_mwi(box)
    return box


def _apply_settings(box: Mailbox, *, email: str, retention_days: int | None) -> None:
    email = email.strip()
    if email and (len(email) > 254 or not re.match(r"^[^@\s]+@[^@\s]+$", email)):
        raise VoicemailRejected(
            "bad_email", f"{email!r} is not an email address", "email", address=email[:80]
        )
    if retention_days is not None and not 1 <= retention_days <= 3650:
        raise VoicemailRejected(
            "bad_retention", "retention is 1 to 3650 days, or empty to keep", "retention_days"
        )
    box.email = email
    box.retention_days = retention_days


async def update_box(box: Mailbox, *, email: str, retention_days: int | None) -> Mailbox:
    _apply_settings(box, email=email, retention_days=retention_days)
    await box.save()
    publish_event("box_changed", box=box.number)
    return box


def box_snapshot(box: Mailbox) -> dict[str, Any]:
    """What the audit log keeps of a box (never the PIN hash)."""
    return {
        "number": box.number,
        "name": box.name,
        "kind": box.kind,
        "owner": box.owner,
        "email": box.email,
        "retention_days": box.retention_days,
        "pin_set": bool(box.pin_hash),
        "greetings": [kind for kind in GREETING_KINDS if box.greeting_path(kind)],
    }


def remove_box_files(box: Mailbox) -> None:
    shutil.rmtree(audio_file(f"{box.number}/.keep").parent, ignore_errors=True)


# -- PIN -------------------------------------------------------------------------------
# A PIN is set (UI, phone, box creation) only with MIN_PIN_DIGITS to
# MAX_PIN_DIGITS digits.  A shorter PIN stored before the minimum rose still
# opens its box (check_pin never looks at the length) until it is changed.
def _hash_pin(pin: str) -> str:
    if not SETTABLE_PIN.match(pin):
        raise VoicemailRejected(
            "bad_pin", f"a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits", "pin"
        )
    return hash_password(pin)


async def check_pin(box: Mailbox, pin: str) -> bool:
    """True when ``pin`` opens ``box``; a box without a PIN opens for nobody."""
    if not box.pin_hash or not pin:
        return False
    # argon2 takes tens of milliseconds: keep the event loop free for calls.
    return await asyncio.to_thread(verify_password, box.pin_hash, pin)


async def set_pin(box: Mailbox, pin: str) -> None:
    box.pin_hash = await asyncio.to_thread(_hash_pin, pin)
    await box.save(update_fields=["pin_hash"])
    publish_event("pin_changed", box=box.number)
