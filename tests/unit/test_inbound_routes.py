"""The inbound routing cache follows every change that decides where a DID goes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ari_apps.ivr import routes
from ari_apps.ivr import services as flows
from hotline.models import Did, Flow
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id


@pytest.fixture
async def db(seeded: Settings) -> AsyncIterator[None]:
    routes.invalidate()
    yield
    routes.invalidate()


async def test_published_flow_is_found_and_then_served_from_memory(db: None) -> None:
    route = await routes.route_for("8000")
    assert isinstance(route, routes.FlowRoute)
    assert route.definition.start == "greet"
    assert await routes.route_for("8000") is route


async def test_publishing_a_new_version_reaches_the_next_call(db: None) -> None:
    before = await routes.route_for("8000")
    assert isinstance(before, routes.FlowRoute)
    flow = await Flow.get(name="Main menu")
    await flows.publish(flow.id, "tester", tenant_id=await home_tenant_id())
    after = await routes.route_for("8000")
    assert isinstance(after, routes.FlowRoute)
    assert after.version_id != before.version_id


async def test_assigning_and_removing_a_did_reaches_the_next_call(db: None) -> None:
    assert await routes.route_for("8123") is None
    flow = await Flow.get(name="Main menu")
    await flows.assign_did(flow.id, "8123", tenant_id=await home_tenant_id())
    assert isinstance(await routes.route_for("8123"), routes.FlowRoute)
    await flows.unassign_did(flow.id, "8123", tenant_id=await home_tenant_id())
    assert await routes.route_for("8123") is None
    assert not await Did.exists(number="8123")
