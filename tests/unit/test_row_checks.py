"""``any_row``: the pollers' cheap first look, against a real (in-memory)
database; and the guarded queries still finding the rows they act on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ari_apps.campaigns import dialing
from ari_apps.campaigns import store as campaign_store
from hotline.models import Tenant
from hotline.models_campaigns import Campaign
from hotline.models_webhook import WebhookSubscription
from hotline.row_checks import NOT_NULL, any_row
from hotline.seed import DEMO_TENANT
from hotline.settings import Settings
from hotline.webhooks import store as webhook_store

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def campaign(**values: Any) -> Campaign:
    return await Campaign.create(tenant_id=1, name=f"c{await Campaign.all().count()}", **values)


async def test_equality_in_null_and_not_null_conditions(seeded: Settings) -> None:
    await Campaign.all().delete()
    assert not await any_row(Campaign)
    await campaign(state="draft")
    assert await any_row(Campaign)
    assert await any_row(Campaign, state="draft")
    assert not await any_row(Campaign, state="running")
    assert await any_row(Campaign, state=("running", "draft"))
    assert await any_row(Campaign, state={"draft"}, scheduled_start=None)
    assert not await any_row(Campaign, state="draft", scheduled_start=NOT_NULL)
    await campaign(state="draft", scheduled_start=NOW)
    assert await any_row(Campaign, state="draft", scheduled_start=NOT_NULL)


async def test_an_empty_list_matches_nothing_and_an_unknown_field_is_named(
    seeded: Settings,
) -> None:
    await campaign(state="draft")
    assert not await any_row(Campaign, state=[])
    with pytest.raises(ValueError, match="Campaign has no column field 'colour'"):
        await any_row(Campaign, colour="red")


async def test_the_dialers_guarded_queries_still_find_their_campaigns(seeded: Settings) -> None:
    await Campaign.all().delete()
    assert await campaign_store.running_campaigns() == []
    await dialing.start_scheduled(NOW)  # nothing scheduled: nothing happens
    due = await campaign(state="draft", scheduled_start=NOW - timedelta(minutes=1))
    later = await campaign(state="draft", scheduled_start=NOW + timedelta(hours=1))
    unscheduled = await campaign(state="draft")
    await dialing.start_scheduled(NOW)
    states = {c.id: c.state for c in await Campaign.all()}
    assert states == {due.id: "running", later.id: "draft", unscheduled.id: "draft"}
    assert [c.id for c in await campaign_store.running_campaigns()] == [due.id]


async def test_the_webhook_stores_guarded_queries_still_find_pending_deliveries(
    seeded: Settings,
) -> None:
    assert await webhook_store.due(NOW, 10) == []
    assert await webhook_store.next_due_at() is None
    assert await webhook_store.active_kinds() == frozenset()
    tenant = await Tenant.get(name=DEMO_TENANT)
    subscription = await WebhookSubscription.create(
        tenant=tenant, name="crm", url="http://127.0.0.1:9/hook", secret="s", kinds=["call.ended"]
    )
    assert await webhook_store.active_kinds() == {"call.ended"}
    later = NOW + timedelta(minutes=5)
    row = await webhook_store.add_delivery(
        subscription.id, str(uuid.uuid4()), "call.ended", {"call_id": "c-1"}, later
    )
    assert await webhook_store.due(NOW, 10) == []
    assert await webhook_store.next_due_at() == later
    assert [r.id for r in await webhook_store.due(later, 10)] == [row.id]
