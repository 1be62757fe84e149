"""Webhook rows (hotline/models_webhook.py): subscriptions and their deliveries.

Every query that a person's request makes takes the tenant; the dispatcher's
own queries (due deliveries, outcomes) work across tenants, as it serves all.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from hotline.models_webhook import WebhookDelivery, WebhookSubscription
from hotline.row_checks import any_row
from hotline.tenancy import scoped

# A last_error longer than the column is cut, not refused.
_ERROR_MAX = 300


async def subscriptions_of(tenant_id: int) -> list[WebhookSubscription]:
    return list(await scoped(WebhookSubscription, tenant_id).order_by("-created_at", "-id"))


async def subscription(tenant_id: int, subscription_id: int) -> WebhookSubscription | None:
    return await scoped(WebhookSubscription, tenant_id).get_or_none(id=subscription_id)


async def delivery_counts(tenant_id: int) -> dict[int, Counter[str]]:
    """Per subscription id, how many of its deliveries are in each status."""
    rows = await scoped(WebhookDelivery, tenant_id).values_list("subscription_id", "status")
    counts: dict[int, Counter[str]] = {}
    for subscription_id, status in rows:
        counts.setdefault(subscription_id, Counter())[status] += 1
    return counts


async def recent_deliveries(
    tenant_id: int, *, subscription_id: int | None = None, limit: int = 50
) -> list[WebhookDelivery]:
    query = scoped(WebhookDelivery, tenant_id)
    if subscription_id is not None:
        query = query.filter(subscription_id=subscription_id)
    return list(await query.order_by("-id").limit(limit).prefetch_related("subscription"))


async def delivery(tenant_id: int, delivery_id: int) -> WebhookDelivery | None:
    return await scoped(WebhookDelivery, tenant_id).get_or_none(id=delivery_id)


async def active_for(tenant_id: int, kind: str) -> list[WebhookSubscription]:
    rows = await WebhookSubscription.filter(tenant_id=tenant_id, active=True).order_by("id")
    # The kinds are a JSON list: a handful of subscriptions, filtered here.
    return [row for row in rows if kind in row.kinds]


async def active_kinds() -> frozenset[str]:
    """Every kind some active subscription (of any tenant) asked for."""
    if not await any_row(WebhookSubscription, active=True):
        return frozenset()  # most installs: read every few seconds during calls
    lists = await WebhookSubscription.filter(active=True).values_list("kinds", flat=True)
    return frozenset(kind for kinds in lists for kind in (kinds or ()))


async def already_sent(subscription_id: int, kind: str, call_id: str) -> bool:
    return await WebhookDelivery.exists(subscription_id=subscription_id, kind=kind, call_id=call_id)


async def add_delivery(
    subscription_id: int, event_id: str, kind: str, payload: dict[str, Any], now: datetime
) -> WebhookDelivery:
    return await WebhookDelivery.create(
        subscription_id=subscription_id,
        event_id=event_id,
        kind=kind,
        call_id=str(payload["call_id"]),
        payload=payload,
        status="pending",
        next_attempt_at=now,
    )


async def due(now: datetime, limit: int) -> list[WebhookDelivery]:
    """Pending deliveries whose time has come, oldest first, with their subscription."""
    if not await any_row(WebhookDelivery, status="pending"):
        return []  # the dispatcher asks every pass (hotline/row_checks.py)
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(
        await WebhookDelivery.filter(ready, status="pending")
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .prefetch_related("subscription")
    )


async def next_due_at() -> datetime | None:
    if not await any_row(WebhookDelivery, status="pending"):
        return None
    row = (
        await WebhookDelivery.filter(status="pending")
        .order_by("next_attempt_at")
        .first()
        .values_list("next_attempt_at", flat=True)
    )
    return row if isinstance(row, datetime) else None


async def record_attempt(
    delivery_id: int,
    *,
    attempts: int,
    status: str,
    next_attempt_at: datetime | None,
    status_code: int | None,
    error: str,
    delivered_at: datetime | None,
) -> None:
    await WebhookDelivery.filter(id=delivery_id).update(
        attempts=attempts,
        status=status,
        next_attempt_at=next_attempt_at,
        last_status_code=status_code,
        last_error=error[:_ERROR_MAX],
        delivered_at=delivered_at,
    )


async def requeue(row: WebhookDelivery, now: datetime) -> None:
    """Send again from the first attempt, with the same event id."""
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = now
    row.delivered_at = None
    await row.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at"])
