"""Quality inspection (质检): score sheets, and reviews of recorded calls
(and the cases taken on them) by inspectors, seen and accepted or appealed
by the agent.  A review keeps the sheet's items as they were when it was
scored, so a later change of the sheet never changes an old score."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class QaForm(Model):
    """A score sheet (评分表): items, each worth points, some critical."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    name = fields.CharField(max_length=64)
    items: Any = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    updated_by = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "qa_form"
        unique_together = (("tenant_id", "name"),)


class QaReview(Model):
    """One recorded call under review, for one agent, on one sheet."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    call_id = fields.CharField(max_length=64, db_index=True)
    agent = fields.CharField(max_length=32, db_index=True)
    form: fields.ForeignKeyRelation[QaForm] = fields.ForeignKeyField(
        "models.QaForm", related_name="reviews", on_delete=fields.RESTRICT
    )
    # pending, scored, appealed, final (hotline/quality/core.py).
    state = fields.CharField(max_length=12, default="pending", db_index=True)
    items: Any = fields.JSONField(default=list)
    points: Any = fields.JSONField(default=dict)
    score = fields.FloatField(null=True)
    tags: Any = fields.JSONField(default=list)
    comment = fields.TextField(default="")
    sampled_by = fields.CharField(max_length=64)
    sampled_at = fields.DatetimeField(auto_now_add=True)
    # When the call took place: the month a review counts in.
    call_started_at = fields.DatetimeField(db_index=True)
    inspector = fields.CharField(max_length=64, default="")
    scored_at = fields.DatetimeField(null=True)
    appeal_reason = fields.TextField(default="")
    appealed_at = fields.DatetimeField(null=True)
    decision = fields.CharField(max_length=12, default="")
    decision_note = fields.TextField(default="")
    final_at = fields.DatetimeField(null=True)

    class Meta:
        indexes = (("form_id",),)
        table = "qa_review"
        unique_together = (("tenant_id", "call_id", "agent"),)
