"""The flow service over a seeded in-memory database: versions, publishing, validation context."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ari_apps.ivr import services as flows
from ari_apps.ivr.demo import MAIN_MENU
from hotline.errors import FlowInvalid, InvalidRequest, NotFound
from hotline.models import Flow, FlowVersion, Queue, Tenant
from hotline.settings import Settings
from tests.unit.conftest import DEMO_SOUNDS


async def demo_flow_id() -> int:
    flow = await Flow.get(name="Main menu")
    return flow.id


async def demo() -> int:
    """The demo tenant's id: every flow service call names its tenant."""
    return (await Tenant.get(name="demo")).id


def relabelled(label: str) -> dict[str, Any]:
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["label"] = label
    return draft


def with_support_queue(queue: str) -> dict[str, Any]:
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["support_queue"]["queue"] = queue
    return draft


async def test_given_v1_when_publishing_v2_then_v1_definition_is_unchanged(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    v1_id = (await Flow.get(id=flow_id)).published_version_id
    assert v1_id is not None

    await flows.put_draft(flow_id, relabelled("Second edition"), tenant_id=await demo())
    v2 = await flows.publish(flow_id, "alice", tenant_id=await demo())

    assert v2["version"] == 2
    assert await flows.published_definition(v1_id) == MAIN_MENU
    v2_definition = await flows.published_definition(v2["version_id"])
    assert v2_definition["nodes"]["greet"]["label"] == "Second edition"


async def test_given_published_version_when_draft_edited_afterwards_then_version_keeps_its_graph(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    await flows.put_draft(flow_id, relabelled("Published"), tenant_id=await demo())
    published = await flows.publish(flow_id, "alice", tenant_id=await demo())

    await flows.put_draft(flow_id, relabelled("Work in progress"), tenant_id=await demo())

    definition = await flows.published_definition(published["version_id"])
    assert definition["nodes"]["greet"]["label"] == "Published"
    assert (await flows.get_flow(flow_id, tenant_id=await demo()))["draft"]["nodes"]["greet"][
        "label"
    ] == ("Work in progress")


async def test_given_publishes_when_each_lands_then_published_version_id_moves_to_it(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    seen: list[int | None] = [(await Flow.get(id=flow_id)).published_version_id]
    for label in ("two", "three"):
        await flows.put_draft(flow_id, relabelled(label), tenant_id=await demo())
        result = await flows.publish(flow_id, "alice", tenant_id=await demo())
        flow = await Flow.get(id=flow_id)
        assert flow.published_version_id == result["version_id"]
        seen.append(flow.published_version_id)

    assert len(set(seen)) == 3
    detail = await flows.get_flow(flow_id, tenant_id=await demo())
    assert [(v["version"], v["live"]) for v in detail["versions"]] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert [v["published_by"] for v in detail["versions"]] == ["seed", "alice", "alice"]


async def test_given_two_flows_when_publishing_then_version_numbers_count_per_flow(
    seeded: Settings,
) -> None:
    tenant = await Tenant.get(name="demo")
    other = await Flow.create(tenant=tenant, name="After hours", draft=relabelled("Closed"))
    before = {f["name"]: f["published_version"] for f in await flows.list_flows(await demo())}
    assert before["After hours"] is None

    result = await flows.publish(other.id, "alice", tenant_id=await demo())

    assert result["version"] == 1
    listed = {f["name"]: f["published_version"] for f in await flows.list_flows(await demo())}
    # The demo's post-call survey is a flow of its own, published once.
    assert listed == {
        "Main menu": 1,
        "After hours": 1,
        "Post-call survey": 1,
        "Case status": 1,
        "Self-service answers": 1,
        "Customer line": 1,
    }


async def test_given_invalid_draft_when_publishing_then_flow_invalid_and_no_version_created(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    live_before = (await Flow.get(id=flow_id)).published_version_id
    await flows.put_draft(flow_id, with_support_queue("sales"), tenant_id=await demo())

    with pytest.raises(FlowInvalid) as raised:
        await flows.publish(flow_id, "alice", tenant_id=await demo())

    assert raised.value.status_code == 422
    assert "'support_queue'" in raised.value.message
    assert [i["code"] for i in raised.value.details["issues"]] == ["unknown_queue"]
    assert await FlowVersion.filter(flow_id=flow_id).count() == 1
    assert (await Flow.get(id=flow_id)).published_version_id == live_before


async def test_given_seeded_demo_when_building_validation_context_then_support_queue_is_known(
    seeded: Settings,
) -> None:
    context = await flows.validation_context(await demo())
    assert context.known_queues == frozenset({"support"})
    assert context.known_sounds == DEMO_SOUNDS


async def test_given_queue_node_to_unknown_queue_when_validating_then_issue_names_the_node(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    saved = await flows.put_draft(flow_id, with_support_queue("sales"), tenant_id=await demo())
    assert saved["issues"] == [
        {
            "node_id": "support_queue",
            "code": "unknown_queue",
            "message": "queue 'sales' does not exist",
        }
    ]
    assert await flows.validate_draft(flow_id, tenant_id=await demo()) == {
        "valid": False,
        "issues": saved["issues"],
    }


async def test_given_queue_created_later_when_validating_then_it_is_known_without_restart(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    await flows.put_draft(flow_id, with_support_queue("sales"), tenant_id=await demo())
    tenant = await Tenant.get(name="demo")
    await Queue.create(tenant=tenant, name="sales")

    assert await flows.validate_draft(flow_id, tenant_id=await demo()) == {
        "valid": True,
        "issues": [],
    }


async def test_given_unknown_sound_when_validating_then_issue_names_the_node(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["media"] = ["sound:no-such-recording"]
    await flows.put_draft(flow_id, draft, tenant_id=await demo())

    result = await flows.validate_draft(flow_id, tenant_id=await demo())

    assert [(i["node_id"], i["code"]) for i in result["issues"]] == [("greet", "unknown_sound")]


async def test_given_not_a_graph_when_validating_then_flow_level_issue(seeded: Settings) -> None:
    flow_id = await demo_flow_id()
    await flows.put_draft(flow_id, {"hello": "world"}, tenant_id=await demo())

    result = await flows.validate_draft(flow_id, tenant_id=await demo())

    assert result["valid"] is False
    assert [i["node_id"] for i in result["issues"]] == [None]


async def test_given_non_object_draft_when_saving_then_invalid_request_and_draft_kept(
    seeded: Settings,
) -> None:
    flow_id = await demo_flow_id()
    with pytest.raises(InvalidRequest):
        await flows.put_draft(flow_id, ["start", "nodes"], tenant_id=await demo())
    assert (await flows.get_flow(flow_id, tenant_id=await demo()))["draft"] == MAIN_MENU


@pytest.mark.parametrize("operation", ["get_flow", "validate_draft", "publish", "put_draft"])
async def test_given_unknown_flow_when_operating_on_it_then_not_found(
    seeded: Settings, operation: str
) -> None:
    tid = await demo()
    calls = {
        "get_flow": lambda: flows.get_flow(999, tenant_id=tid),
        "validate_draft": lambda: flows.validate_draft(999, tenant_id=tid),
        "publish": lambda: flows.publish(999, "alice", tenant_id=tid),
        "put_draft": lambda: flows.put_draft(999, MAIN_MENU, tenant_id=tid),
    }
    with pytest.raises(NotFound, match="no flow 999"):
        await calls[operation]()


async def test_given_unknown_version_when_reading_definition_then_not_found(
    seeded: Settings,
) -> None:
    with pytest.raises(NotFound, match="no flow version 999"):
        await flows.published_definition(999)
