"""Tortoise models of the toll-fraud guards: voicemail PIN lockouts and the
calls Hotline places for PSTN callers (call-back, fax-back).

Tables of their own, never columns on ``vm_mailbox`` or ``fax_job``: schema
creation is additive (new tables only), so existing databases pick them up
on their next start.  Rows here are counters, pruned as they age; what
happened is kept in the audit log (``audit_entry``, user "pstn").
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class PinFailure(Model):
    """One wrong voicemail PIN: the box number keyed and the caller's number.

    Counted per box and per caller over a sliding window (vm/pin_lockout.py);
    a box's rows go when its PIN is entered right.
    """

    id = fields.IntField(primary_key=True)
    box = fields.CharField(max_length=16, db_index=True)
    caller = fields.CharField(max_length=80, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "vm_pin_failure"
        ordering = ("id",)


class PinLockout(Model):
    """A box (``scope`` "box") or a caller number (``scope`` "caller") that
    may not enter a PIN until ``until``."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=8)
    key = fields.CharField(max_length=80)
    locked_at = fields.DatetimeField()
    until = fields.DatetimeField(db_index=True)
    failures = fields.IntField()

    class Meta:
        table = "vm_pin_lockout"
        ordering = ("-id",)


class OutboundRequest(Model):
    """A caller asked Hotline to dial ``number`` (``kind`` "callback" or
    "fax_back"); ``allowed`` says whether the rules let it.  The daily limits
    count the allowed ones of the last 24 hours."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    caller = fields.CharField(max_length=80, db_index=True)
    number = fields.CharField(max_length=32, db_index=True)
    at = fields.DatetimeField(db_index=True)
    allowed = fields.BooleanField()
    reason = fields.CharField(max_length=32, default="")

    class Meta:
        table = "pstn_outbound_request"
        ordering = ("id",)
