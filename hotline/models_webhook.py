"""Webhooks: a business system's subscription to call events, and each delivery.

A delivery row is written before anything is sent (``hotline/webhooks``),
so a restart loses no event: the dispatcher resumes the pending rows.  The
secret signs every body (``X-Hotline-Signature``); it is kept in clear
because signing needs it, and shown once, when the subscription is made.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.models import Tenant


class WebhookSubscription(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="webhook_subscriptions"
    )
    name = fields.CharField(max_length=64)
    url = fields.CharField(max_length=500)
    secret = fields.CharField(max_length=100)
    # Webhook kinds ("call.ringing", ...; hotline/webhooks/core.py KINDS).
    kinds: Any = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    tenant_id: int
    deliveries: fields.ReverseRelation[WebhookDelivery]

    class Meta:
        indexes = (("tenant_id",),)
        table = "webhook_subscription"


class WebhookDelivery(Model):
    id = fields.IntField(primary_key=True)
    subscription: fields.ForeignKeyRelation[WebhookSubscription] = fields.ForeignKeyField(
        "models.WebhookSubscription", related_name="deliveries", on_delete=fields.CASCADE
    )
    # The event's id: the same for every attempt, so a receiver can drop repeats.
    event_id = fields.UUIDField()
    kind = fields.CharField(max_length=32)
    call_id = fields.CharField(max_length=64, db_index=True)
    payload: Any = fields.JSONField()
    # "pending", "delivered" or "failed" (hotline/webhooks/core.py).
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    subscription_id: int

    class Meta:
        indexes = (("subscription_id",),)
        table = "webhook_delivery"
