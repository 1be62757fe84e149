"""Tortoise model of the hosts a tenant's ``http_lookup`` nodes may reach.

A table of its own (schema creation only adds tables); see
``hotline/lookup_policy.py`` for what an entry may say and
``hotline/lookup_hosts.py`` for who changes it.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class LookupAllowedHost(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Tenant", related_name="lookup_hosts", on_delete=fields.CASCADE
    )
    entry = fields.CharField(max_length=255)
    added_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lookup_allowed_host"
        unique_together = (("tenant", "entry"),)
        ordering = ("entry",)
