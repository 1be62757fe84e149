"""Call recordings: one row per recorded conversation, kept after the file goes.

A row says where its file is and what became of it.  ``status`` is the
truth a listener sees: "recording" while the call lasts, "stored" with a
file, "failed" when Asterisk left no usable audio, "purged" by the queue's
retention, "erased" on request.  A row is never deleted: the audit trail of
who listened and what was removed points at it.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CallRecording(Model):
    id = fields.IntField(primary_key=True)
    call_id = fields.CharField(max_length=64, db_index=True)
    tenant_id = fields.IntField(null=True)
    queue = fields.CharField(max_length=64, null=True)
    agent_extension = fields.CharField(max_length=32, null=True)
    caller_id = fields.CharField(max_length=64, default="")
    started_at = fields.DatetimeField(db_index=True)
    ended_at = fields.DatetimeField(null=True)
    duration_s = fields.FloatField(null=True)
    size_bytes = fields.IntField(null=True)
    # 2: caller left, agent right; 1 when only one side could be captured.
    channels = fields.IntField(default=2)
    # Relative to the recordings directory (hotline/recordings); None once removed.
    file_path = fields.CharField(max_length=255, null=True)
    status = fields.CharField(max_length=16, default="recording")
    removed_at = fields.DatetimeField(null=True)
    removed_reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "call_recording"
        # The retention pass: a queue's recordings older than its cutoff.
        indexes = (("queue", "started_at"),)
