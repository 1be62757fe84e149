"""Callbacks (回拨): a caller to ring back, from an agent's phone.

Scheduled on the desk for a time the caller asked for, or made at once by a
supervisor from the wallboard's abandoned calls.  Placing one rings the
agent's phone first and then the caller through ``[to-pstn]``
(``ari_apps/callbacks``)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Callback(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    number = fields.CharField(max_length=32)
    # The call it follows up (an abandoned call, or the agent's), if any.
    call_id = fields.CharField(max_length=64, null=True)
    queue = fields.CharField(max_length=64, null=True)
    # The agent whose phone places it.
    agent = fields.CharField(max_length=32)
    due_at = fields.DatetimeField(db_index=True)
    notes = fields.TextField(default="")
    # ari_apps.callbacks.core.STATES
    state = fields.CharField(max_length=16, default="scheduled", db_index=True)
    attempts = fields.IntField(default=0)
    last_result = fields.CharField(max_length=32, default="")
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "callback"
