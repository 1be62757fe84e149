"""Callbacks (回拨): a caller to ring back, from an agent's phone.

Scheduled on the desk for a time the caller asked for, or made at once by a
supervisor from the wallboard's abandoned calls.  Placing one rings the
agent's phone first and then the caller through ``[to-pstn]``
(``ari_apps/callbacks``).

A *queue* callback (virtual hold, ``kind`` "queue") is asked for by a caller
waiting in a queue: it keeps the caller's place (``place_since``, their
original arrival, and ``priority``) and rings the caller, not an agent, when
that place reaches the front; ``agent`` is then the agent who took it."""

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
    # The agent whose phone places it ("" for a queue callback not yet taken).
    agent = fields.CharField(max_length=32)
    due_at = fields.DatetimeField(db_index=True)
    notes = fields.TextField(default="")
    # ari_apps.callbacks.core.STATES
    state = fields.CharField(max_length=16, default="scheduled", db_index=True)
    attempts = fields.IntField(default=0)
    last_result = fields.CharField(max_length=32, default="")
    created_by = fields.CharField(max_length=64)
    # "agent" (placed from an agent's phone) or "queue" (virtual hold).
    kind = fields.CharField(max_length=8, default="agent", db_default="agent", db_index=True)
    # A queue callback's place: the original arrival in the queue, and priority.
    place_since = fields.DatetimeField(null=True)
    priority = fields.IntField(default=0, db_default=0)
    # When the caller was connected to an agent (the time to callback ends).
    connected_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "callback"
