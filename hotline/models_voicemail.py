"""Tortoise models of the voicemail feature (see vm/store.py, vm/mailboxes.py and
vm/messages.py for the rules)."""

from __future__ import annotations

from typing import Final

from tortoise import fields
from tortoise.models import Model

from hotline.models import Tenant

BOX_KINDS: Final = ("agent", "queue", "department", "general")
FOLDERS: Final = ("new", "saved")
GREETING_KINDS: Final = ("unavailable", "busy", "name")


class Mailbox(Model):
    """A voicemail box, e.g. "5000"; Asterisk knows it as the ARI mailbox ``5000@hotline``.

    ``owner`` is the agent's extension for kind "agent", the queue name for
    kind "queue", free text (or empty) otherwise.  Greeting fields hold the
    audio file's path relative to the voicemail store ("" = none recorded):
    the stock "the person at extension ... is unavailable" plays instead.
    """

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=16, unique=True)
    name = fields.CharField(max_length=64, default="")
    kind = fields.CharField(max_length=16, default="general")
    owner = fields.CharField(max_length=64, default="")
    pin_hash = fields.CharField(max_length=200, default="")  # argon2; "" = no phone access
    email = fields.CharField(max_length=254, default="")
    retention_days = fields.IntField(null=True)  # None keeps messages until deleted
    max_message_s = fields.IntField(default=180)
    greeting_unavailable = fields.CharField(max_length=200, default="")
    greeting_busy = fields.CharField(max_length=200, default="")
    greeting_name = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="mailboxes", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "vm_mailbox"
        ordering = ("number",)

    def greeting_path(self, kind: str) -> str:
        if kind not in GREETING_KINDS:
            raise ValueError(f"unknown greeting kind {kind!r}")
        value: str = getattr(self, f"greeting_{kind}")
        return value


class VoicemailMessage(Model):
    """One message left in a box.

    ``heard`` drives MWI: unheard messages are "new" on the lamp, heard ones
    "old".  ``folder`` is where the owner filed it ("new" until saved).
    ``audio_path`` is relative to the voicemail store.  ``email_status`` keeps
    how the notification went ("sent", "disabled", "no_address", "failed")
    with the reason in ``email_error``, so a mail outage loses nothing.
    """

    id = fields.IntField(primary_key=True)
    mailbox: fields.ForeignKeyRelation[Mailbox] = fields.ForeignKeyField(
        "models.Mailbox", related_name="messages", on_delete=fields.CASCADE
    )
    caller_id = fields.CharField(max_length=80, default="")
    duration_s = fields.FloatField()
    received_at = fields.DatetimeField()
    folder = fields.CharField(max_length=8, default="new")
    heard = fields.BooleanField(default=False)
    audio_path = fields.CharField(max_length=200)
    call_id = fields.CharField(max_length=64, default="")
    email_status = fields.CharField(max_length=16, default="pending")
    email_error = fields.CharField(max_length=300, default="")

    class Meta:
        indexes = (("mailbox_id",),)
        table = "vm_message"
        ordering = ("received_at", "id")
