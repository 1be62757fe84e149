"""Tortoise model of the agents' pause (not-ready) reasons, one list per tenant.

``code`` is what the ACD records (the agent's state, ``agent.pause_reason``,
reports), so it never changes once created; ``digits`` is what an agent keys
after ``*23`` on the phone.  A reason is deactivated, never deleted: agents'
past states still name it.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class PauseReason(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Tenant", related_name="pause_reasons", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=32)
    digits = fields.CharField(max_length=2)
    label_en = fields.CharField(max_length=64)
    label_zh = fields.CharField(max_length=64, default="")  # empty: the English label
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "pause_reason"
        unique_together = (("tenant", "code"), ("tenant", "digits"))
        ordering = ("position", "id")
