"""Post-call survey answers: one row per caller handed to a survey.

A row is written when the survey starts (the caller was asked) and gets its
rating when the caller keys one; a caller who hangs up first stays "not
rated" (rating NULL), which the response rate counts (METRICS.md, CSAT).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SurveyResponse(Model):
    id = fields.IntField(primary_key=True)
    call_id = fields.CharField(max_length=64, db_index=True)
    tenant_id = fields.IntField(null=True)
    queue = fields.CharField(max_length=64)
    agent_extension = fields.CharField(max_length=32)
    offered_at = fields.DatetimeField(db_index=True)
    rating = fields.IntField(null=True)  # 1..5
    rated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "survey_response"
