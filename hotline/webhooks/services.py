"""Webhooks' use cases for the page and the API: subscriptions and deliveries.

Each works in one tenant (the signed-in user's or the API token's): another
tenant's subscription or delivery is "not found".  A mutation returns the
``Change`` the web layer writes to the audit log; the secret is never in it.

The dispatcher itself is ``hotline.webhooks.dispatcher.WebhookDispatcher``
(re-exported here); the composition root starts and stops it.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from hotline.accounts.changes import Change
from hotline.accounts.errors import FieldError, FormInvalid
from hotline.errors import NotFound
from hotline.models_webhook import WebhookDelivery, WebhookSubscription
from hotline.webhooks import core, store
from hotline.webhooks.dispatcher import WebhookDispatcher as WebhookDispatcher

NAME_MAX: Final = 64
URL_MAX: Final = 500
OBJECT_TYPE: Final = "webhook"


@dataclass(frozen=True)
class SubscriptionInput:
    name: str = ""
    url: str = ""
    kinds: tuple[str, ...] = core.KINDS


@dataclass(frozen=True)
class Created:
    row: WebhookSubscription
    secret: str  # shown once, on the page that answers the creation
    change: Change


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    name: str
    url: str
    kinds: list[str]
    active: bool
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "kinds": self.kinds,
            "active": self.active,
            "created_at": self.created_at,
            "deliveries": self.counts,
        }


def _view(row: WebhookSubscription, counts: Counter[str] | None) -> SubscriptionView:
    return SubscriptionView(
        id=row.id,
        name=row.name,
        url=row.url,
        kinds=[kind for kind in core.KINDS if kind in row.kinds],
        active=row.active,
        created_at=core.iso_utc(row.created_at),
        counts={status: (counts or Counter())[status] for status in core.STATUSES},
    )


def _audited(row: WebhookSubscription) -> dict[str, Any]:
    return {"name": row.name, "url": row.url, "kinds": list(row.kinds), "active": row.active}


def validate(data: SubscriptionInput) -> dict[str, FieldError]:
    errors: dict[str, FieldError] = {}
    name = data.name.strip()
    if not name or len(name) > NAME_MAX:
        errors["name"] = FieldError("webhooks.error.name", {"max": str(NAME_MAX)})
    parts = urlsplit(data.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(data.url) > URL_MAX:
        errors["url"] = FieldError("webhooks.error.url", {"max": str(URL_MAX)})
    if not data.kinds or not set(data.kinds) <= set(core.KINDS):
        errors["kinds"] = FieldError("webhooks.error.kinds")
    return errors


async def create_subscription(tenant_id: int, data: SubscriptionInput) -> Created:
    """A new subscription with a new secret; FormInvalid names the refused fields."""
    errors = validate(data)
    if errors:
        raise FormInvalid(errors)
    secret = secrets.token_urlsafe(32)
    row = await WebhookSubscription.create(
        tenant_id=tenant_id,
        name=data.name.strip(),
        url=data.url.strip(),
        secret=secret,
        kinds=[kind for kind in core.KINDS if kind in data.kinds],
    )
    change = Change("webhook_created", OBJECT_TYPE, row.id, None, _audited(row))
    return Created(row, secret, change)


async def _subscription(tenant_id: int, subscription_id: int) -> WebhookSubscription:
    row = await store.subscription(tenant_id, subscription_id)
    if row is None:
        raise NotFound(f"no webhook {subscription_id}")
    return row


async def set_active(tenant_id: int, subscription_id: int, active: bool) -> Change | None:
    """Activate or deactivate; None when it already was."""
    row = await _subscription(tenant_id, subscription_id)
    if row.active == active:
        return None
    before = _audited(row)
    row.active = active
    await row.save(update_fields=["active"])
    action = "webhook_activated" if active else "webhook_deactivated"
    return Change(action, OBJECT_TYPE, row.id, before, _audited(row))


async def delete_subscription(tenant_id: int, subscription_id: int) -> Change:
    """Delete the subscription and its deliveries."""
    row = await _subscription(tenant_id, subscription_id)
    before = _audited(row)
    await row.delete()
    return Change("webhook_deleted", OBJECT_TYPE, subscription_id, before, None)


async def list_subscriptions(tenant_id: int) -> list[SubscriptionView]:
    counts = await store.delivery_counts(tenant_id)
    return [_view(row, counts.get(row.id)) for row in await store.subscriptions_of(tenant_id)]


def delivery_view(row: WebhookDelivery) -> dict[str, Any]:
    """A delivery as the page and the API show it."""
    return {
        "id": row.id,
        "subscription_id": row.subscription_id,
        "subscription": row.subscription.name,
        "event_id": str(row.event_id),
        "kind": row.kind,
        "call_id": row.call_id,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": core.iso_utc(row.next_attempt_at) if row.next_attempt_at else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "created_at": core.iso_utc(row.created_at),
        "delivered_at": core.iso_utc(row.delivered_at) if row.delivered_at else None,
    }


async def list_deliveries(
    tenant_id: int, subscription_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    if subscription_id is not None:
        await _subscription(tenant_id, subscription_id)
    rows = await store.recent_deliveries(tenant_id, subscription_id=subscription_id, limit=limit)
    return [delivery_view(row) for row in rows]


async def redeliver(tenant_id: int, delivery_id: int) -> Change:
    """Send a delivery again from its first attempt (same event id, same body)."""
    row = await store.delivery(tenant_id, delivery_id)
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    before = {"status": row.status, "attempts": row.attempts}
    await store.requeue(row, datetime.now(UTC))
    after = {"status": row.status, "attempts": row.attempts, "event_id": str(row.event_id)}
    return Change("webhook_redelivered", "webhook_delivery", row.id, before, after)
