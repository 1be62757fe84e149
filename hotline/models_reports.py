"""Saved custom reports (自定义报表): a standard report with the columns,
grouping and filters someone chose, under a name, shared with a role."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class SavedReport(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    name = fields.CharField(max_length=80)
    # One of hotline.metrics.report_kinds.KINDS.
    kind = fields.CharField(max_length=32)
    # "" or one of hotline.metrics.intervals.GRAINS (the queue report only).
    by = fields.CharField(max_length=16, default="")
    columns: Any = fields.JSONField(default=list)
    # {"queue": name} / {"agent": extension}: rows kept when they match.
    filters: Any = fields.JSONField(default=dict)
    owner = fields.CharField(max_length=64)
    # Users with this role see and run it too; None: the owner only.
    shared_role = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "saved_report"
        unique_together = (("tenant_id", "name"),)
