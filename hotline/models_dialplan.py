"""Tortoise models of the dialplan feature: drafts and applied versions.

One draft per document kind ("dialplan", "trunks"); every apply attempt is a
version row, so the history shows what went live and what was rolled back.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DialplanDraft(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, unique=True)
    text = fields.TextField(default="")
    updated_by = fields.CharField(max_length=100, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dialplan_draft"


class DialplanVersion(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, db_index=True)
    text = fields.TextField()
    applied_by = fields.CharField(max_length=100, default="")
    applied_at = fields.DatetimeField(auto_now_add=True)
    result = fields.CharField(max_length=16)  # applied / rolled_back / rejected
    error = fields.TextField(default="")

    class Meta:
        table = "dialplan_version"
        ordering = ("-id",)
