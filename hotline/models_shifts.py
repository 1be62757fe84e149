"""Tortoise models of the shifts feature: agent schedules and business calendars.

Times of day are minutes after local midnight (0..1440): a schedule is the
centre's local wall-clock time, and minutes compare and sort without any
timezone arithmetic.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.models import Tenant


class ShiftPattern(Model):
    """One weekly working range of an agent; several per weekday are allowed."""

    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Agent", related_name="shift_patterns", on_delete=fields.CASCADE
    )
    weekday = fields.IntField()  # 0 = Monday, as datetime.weekday()
    start_minute = fields.IntField()
    end_minute = fields.IntField()

    class Meta:
        indexes = (("agent_id",),)
        table = "shift_pattern"


class ShiftException(Model):
    """A date that differs from the weekly pattern: off, or replacement ranges.

    All exceptions of one date together replace that weekday's patterns; an
    "off" row wins over ranges on the same date.
    """

    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Agent", related_name="shift_exceptions", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    off = fields.BooleanField(default=False)
    start_minute = fields.IntField(null=True)
    end_minute = fields.IntField(null=True)
    note = fields.CharField(max_length=200, default="")

    class Meta:
        indexes = (("agent_id",),)
        table = "shift_exception"


class BusinessCalendar(Model):
    """Business hours and holidays that a flow's time_condition can name.

    ``hours`` has the time_condition shape ({"days", "from", "to"});
    ``holidays`` is a list of {"date": "YYYY-MM-DD", "name": "..."}.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    timezone = fields.CharField(max_length=64)
    hours: Any = fields.JSONField(default=list)
    holidays: Any = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="calendars", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "business_calendar"
