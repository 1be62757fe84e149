"""Tenant scoping of flows, DIDs, call records and the JSON API: a second
tenant's administrator (pages) and token (API) see their own flows, calls,
queues and agents only, and the demo tenant's answer 404 and stay as they
were."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from ari_apps.app import CallCenter
from ari_apps.ari.events import parse_event
from ari_apps.cases.demo import STATUS_FLOW
from ari_apps.customers.demo import CUSTOMER_FLOW
from ari_apps.ivr import services as flows
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.ivr.stasis import start_test_flow
from ari_apps.knowledge.demo import ANSWERS_FLOW
from ari_apps.survey.demo import SURVEY_FLOW
from hotline import calls, live_status, lookup_hosts, seed
from hotline.api_tokens import SCOPES
from hotline.errors import Conflict, FlowInvalid, NotFound
from hotline.models import (
    Agent,
    AuditEntry,
    CallRecord,
    Did,
    Flow,
    FlowVersion,
    Queue,
    Tenant,
    User,
)
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from hotline.writer import WRITER
from tests.unit.stand_in import StandInCenter
from tests.unit.test_api_tokens import bearer, create_token
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.ui_support import UiClient

pytestmark = pytest.mark.security

WATER_QUEUE = "water-queue"
WATER_AGENT = "2001"


async def demo_flow() -> Flow:
    return await Flow.get(tenant_id=await home_tenant_id(), name=seed.DEMO_FLOW)


async def demo_state() -> dict[str, Any]:
    """Everything a foreign request must leave as it was."""
    return {
        "flows": await Flow.all().order_by("id").values(),
        "versions": await FlowVersion.all().order_by("id").values("id", "flow_id", "version"),
        "dids": await Did.all().order_by("number").values("number", "flow_id", "tenant_id"),
        "audit": await AuditEntry.all().count(),
    }


async def water_world(ui: UiClient) -> Tenant:
    """The second tenant, signed in, with a queue and an agent the ACD runs."""
    other, _ = await other_tenant_admin(ui)
    await Queue.create(tenant=other, name=WATER_QUEUE)
    await Agent.create(tenant=other, extension=WATER_AGENT, sip_password="x")
    ui.center.queues[WATER_QUEUE] = {**ui.center.queues[seed.DEMO_QUEUE], "name": WATER_QUEUE}
    ui.center.agents[WATER_AGENT] = {
        "extension": WATER_AGENT,
        "state": "logged_out",
        "reason": None,
        "registered": True,
    }
    return other


async def water_token(ui: UiClient) -> dict[str, str]:
    """A token of the signed-in (second) tenant's administrator, every scope."""
    _, clear = await create_token(ui, name="water ops", scopes=list(SCOPES))
    return bearer(clear)


async def api(
    ui: UiClient, method: str, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    return await ui.client.request(method, f"/api/v1{path}", headers=headers, json=body)


async def water_flow(tenant: Tenant, name: str = "Water line") -> int:
    created = await flows.create_flow(name, tenant_id=tenant.id)
    return int(created["id"])


# -- pages ------------------------------------------------------------------------------


async def test_given_second_tenant_admin_when_listing_flows_then_only_their_own(
    ui: UiClient,
) -> None:
    home = await Tenant.get(id=await home_tenant_id())
    await lookup_hosts.add(home, "crm.demo-tenant.test", "test")
    other, _ = await other_tenant_admin(ui)

    assert (await ui.post("/flows", {"name": "Water line"})).status_code == 303
    created = await Flow.get(name="Water line")
    assert created.tenant_id == other.id  # type: ignore[attr-defined]

    response = await ui.get("/flows")
    assert response.status_code == 200
    assert [row["name"] for row in ui.last.context["flows"]] == ["Water line"]
    assert ui.last.context["hosts"] == []
    assert f'href="/flows/{(await demo_flow()).id}"' not in response.text
    assert "crm.demo-tenant.test" not in response.text

    # Their allow-list is their own tenant's.
    assert (await ui.post("/flows/lookup-hosts", {"entries": "api.water.test"})).status_code == 303
    assert await lookup_hosts.entries(other.id) == ["api.water.test"]
    assert await lookup_hosts.entries(home.id) == ["crm.demo-tenant.test"]
    assert (
        await ui.post("/flows/lookup-hosts/remove", {"entry": "crm.demo-tenant.test"})
    ).status_code == 404
    assert await lookup_hosts.entries(home.id) == ["crm.demo-tenant.test"]

    # And the demo tenant's administrator does not see theirs.
    await ui.login("administrator")
    await ui.get("/flows")
    # The demo tenant's own: its menu, its post-call survey, its case status
    # line, its self-service answers and its customer line.
    assert [row["name"] for row in ui.last.context["flows"]] == [
        seed.DEMO_FLOW,
        SURVEY_FLOW,
        STATUS_FLOW,
        ANSWERS_FLOW,
        CUSTOMER_FLOW,
    ]
    assert (await ui.get(f"/flows/{created.id}")).status_code == 404


async def test_given_second_tenant_admin_when_touching_the_demo_flow_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    _, admin = await other_tenant_admin(ui)
    await User.filter(id=admin.id).update(phone_extension=WATER_AGENT)
    flow = await demo_flow()
    before = await demo_state()
    base = f"/flows/{flow.id}"

    for path in (base, f"{base}/versions", f"{base}/diff?from=1&to=draft"):
        response = await ui.get(path)
        assert response.status_code == 404, path
        assert seed.DEMO_FLOW not in response.text
    posts: list[tuple[str, dict[str, str]]] = [
        (f"{base}/nodes", {"node_id": "mine", "kind": "hangup"}),
        (f"{base}/nodes/greet", {"label": "taken over"}),
        (f"{base}/nodes/greet/delete", {}),
        (f"{base}/start", {"start": "goodbye"}),
        (f"{base}/draft", {"definition": '{"start": "x", "nodes": {}}'}),
        (f"{base}/publish", {}),
        (f"{base}/dids", {"number": "8111"}),
        (f"{base}/dids/{seed.DEMO_DID}/delete", {}),
        (f"{base}/test-call", {}),
        (f"{base}/versions/1/rollback", {}),
    ]
    for path, form in posts:
        response = await ui.post(path, form)
        assert response.status_code == 404, path
        assert ui.last.template == "flows/not_found.html"

    assert await demo_state() == before
    assert ui.center.test_calls == []


async def test_given_second_tenant_flow_then_editor_offers_their_queues_and_validation_only_them(
    ui: UiClient,
) -> None:
    other = await water_world(ui)
    flow_id = await water_flow(other)

    await ui.get(f"/flows/{flow_id}")
    assert ui.last.context["queues"] == [WATER_QUEUE]
    context = await flows.validation_context(other.id)
    assert context.known_queues == frozenset({WATER_QUEUE})

    # The demo menu queues to the demo tenant's queue: unknown in this tenant.
    saved = await flows.put_draft(flow_id, copy.deepcopy(MAIN_MENU), tenant_id=other.id)
    assert [(i["node_id"], i["code"]) for i in saved["issues"]] == [
        ("support_queue", "unknown_queue")
    ]
    with pytest.raises(FlowInvalid):
        await flows.publish(flow_id, "water_admin", tenant_id=other.id)
    assert not await FlowVersion.exists(flow_id=flow_id)

    # Their own queue validates.
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["support_queue"]["queue"] = WATER_QUEUE
    await flows.put_draft(flow_id, draft, tenant_id=other.id)
    assert (await flows.publish(flow_id, "water_admin", tenant_id=other.id))["version"] == 1


async def test_given_a_did_of_the_demo_tenant_when_assigning_it_then_not_available_unnamed(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    flow_id = await water_flow(other)
    before = await demo_state()

    with pytest.raises(Conflict) as refused:
        await flows.assign_did(flow_id, seed.DEMO_DID, tenant_id=other.id)
    assert refused.value.message == f"DID {seed.DEMO_DID} is not available"
    assert refused.value.details == {"field": "number"}

    response = await ui.post(f"/flows/{flow_id}/dids", {"number": seed.DEMO_DID})
    assert response.status_code == 409
    assert ui.last.context["typed"].did_error == f"DID {seed.DEMO_DID} is not available"
    assert seed.DEMO_FLOW not in response.text
    assert await demo_state() == before

    # A free number is theirs; within a tenant the usual message names the flow.
    await flows.assign_did(flow_id, "8222", tenant_id=other.id)
    assert (await Did.get(number="8222")).tenant_id == other.id  # type: ignore[attr-defined]
    second = await water_flow(other, "Water night line")
    with pytest.raises(Conflict, match="Water line"):
        await flows.assign_did(second, "8222", tenant_id=other.id)


async def test_given_the_flow_services_when_called_with_another_tenant_then_not_found(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    flow = await demo_flow()
    before = await demo_state()
    tid = other.id
    attempts: dict[str, Callable[[], Awaitable[object]]] = {
        "get_flow": lambda: flows.get_flow(flow.id, tenant_id=tid),
        "put_draft": lambda: flows.put_draft(flow.id, MAIN_MENU, tenant_id=tid),
        "validate_draft": lambda: flows.validate_draft(flow.id, tenant_id=tid),
        "publish": lambda: flows.publish(flow.id, "water_admin", tenant_id=tid),
        "version_definition": lambda: flows.version_definition(flow.id, 1, tenant_id=tid),
        "rollback": lambda: flows.rollback(flow.id, 1, "water_admin", tenant_id=tid),
        "flow_dids": lambda: flows.flow_dids(flow.id, tenant_id=tid),
        "assign_did": lambda: flows.assign_did(flow.id, "8333", tenant_id=tid),
        "unassign_did": lambda: flows.unassign_did(flow.id, seed.DEMO_DID, tenant_id=tid),
    }
    for name, attempt in attempts.items():
        with pytest.raises(NotFound, match=f"no flow {flow.id}"):
            await attempt()
        assert await demo_state() == before, name
    assert await flows.list_flows(tid) == []


async def test_given_second_tenant_flow_when_test_calling_then_it_runs_in_that_tenant(
    ui: UiClient,
) -> None:
    other, admin = await other_tenant_admin(ui)
    await User.filter(id=admin.id).update(phone_extension=WATER_AGENT)
    flow_id = await water_flow(other)

    response = await ui.post(f"/flows/{flow_id}/test-call")
    assert response.status_code == 303, response.text[:300]
    draft = (await Flow.get(id=flow_id)).draft
    assert ui.center.test_calls == [(WATER_AGENT, draft, other.id)]


async def test_given_second_tenant_admin_then_the_dashboard_shows_their_queues_agents_calls(
    ui: UiClient,
) -> None:
    other = await water_world(ui)
    ui.center.calls.append({"call_id": "water-1", "stage": "ivr", "tenant_id": other.id})

    assert (await ui.get("/")).status_code == 200
    assert [queue["name"] for queue in ui.last.context["queues"]] == [WATER_QUEUE]
    assert [agent["extension"] for agent in ui.last.context["agents"]] == [WATER_AGENT]
    assert ui.last.context["calls"] == [{"call_id": "water-1", "stage": "ivr"}]


# -- the JSON API -------------------------------------------------------------------------


async def test_given_second_tenant_token_when_listing_then_only_their_flows_queues_and_agents(
    ui: UiClient,
) -> None:
    other = await water_world(ui)
    headers = await water_token(ui)
    flow_id = await water_flow(other)

    listed = (await api(ui, "GET", "/flows", headers)).json()
    assert [flow["id"] for flow in listed] == [flow_id]
    queues = (await api(ui, "GET", "/queues", headers)).json()
    assert [queue["name"] for queue in queues] == [WATER_QUEUE]
    agents = (await api(ui, "GET", "/agents", headers)).json()
    assert [agent["extension"] for agent in agents] == [WATER_AGENT]
    assert (await api(ui, "GET", f"/queues/{WATER_QUEUE}", headers)).status_code == 200
    assert (await api(ui, "GET", f"/agents/{WATER_AGENT}", headers)).status_code == 200
    assert (await api(ui, "GET", "/pause-reasons", headers)).json() == []

    # The demo tenant's, running in the same ACD, are unknown, as a name nobody has.
    for path in (f"/queues/{seed.DEMO_QUEUE}", f"/agents/{seed.DEMO_AGENTS[0]}"):
        response = await api(ui, "GET", path, headers)
        assert response.status_code == 404, path
        assert response.json()["error_id"] == "not-found"
    response = await api(ui, "GET", f"/queues/{seed.DEMO_QUEUE}", headers)
    assert response.json()["message"] == f"no queue {seed.DEMO_QUEUE!r}"


async def test_given_second_tenant_token_when_touching_the_demo_flow_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    headers = await water_token(ui)
    flow = await demo_flow()
    before = await demo_state()
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["label"] = "taken over"

    requests: list[tuple[str, str, Any]] = [
        ("GET", f"/flows/{flow.id}", None),
        ("PUT", f"/flows/{flow.id}/draft", draft),
        ("POST", f"/flows/{flow.id}/validate", None),
        ("POST", f"/flows/{flow.id}/publish", None),
    ]
    for method, path, body in requests:
        response = await api(ui, method, path, headers, body)
        assert response.status_code == 404, (method, path)
        assert response.json() == {
            "error_id": "not-found",
            "message": f"no flow {flow.id}",
            "details": {},
        }
    assert await demo_state() == before


async def test_given_second_tenant_token_when_acting_on_a_demo_agent_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await water_world(ui)
    headers = await water_token(ui)
    live_before = {ext: dict(status) for ext, status in ui.center.agents.items()}
    agents_before = await Agent.all().order_by("id").values()
    audit_before = await AuditEntry.all().count()

    for extension in seed.DEMO_AGENTS:
        for action in ("login", "logout", "pause", "ready"):
            body = {"reason": "lunch"} if action == "pause" else None
            response = await api(ui, "POST", f"/agents/{extension}/{action}", headers, body)
            assert response.status_code == 404, (extension, action)
            assert response.json()["message"] == f"no agent {extension!r}"

    assert ui.center.actions == []
    assert {ext: dict(s) for ext, s in ui.center.agents.items()} == live_before
    assert await Agent.all().order_by("id").values() == agents_before
    assert await AuditEntry.all().count() == audit_before

    # Their own agent they control.
    response = await api(ui, "POST", f"/agents/{WATER_AGENT}/login", headers)
    assert response.status_code == 200
    assert ui.center.actions == [(WATER_AGENT, "login", None)]


async def test_given_calls_of_both_tenants_then_each_token_reads_its_own(
    ui: UiClient, seeded: Settings
) -> None:
    other = await water_world(ui)
    headers = await water_token(ui)
    home_headers = bearer(seeded.api_token)
    home = await home_tenant_id()
    for call_id, tenant_id in (("home-1", home), ("water-1", other.id), ("service-1", None)):
        await calls.open_record(
            call_id, did="8000", caller_id="555", tenant_id=tenant_id, flow_version_id=None
        )
    await calls.add_event("home-1", "queued", queue=seed.DEMO_QUEUE)

    recent = (await api(ui, "GET", "/calls/recent", headers)).json()
    assert [call["call_id"] for call in recent] == ["water-1"]
    assert (await api(ui, "GET", "/calls/water-1", headers)).status_code == 200
    for call_id in ("home-1", "service-1"):
        response = await api(ui, "GET", f"/calls/{call_id}", headers)
        assert response.status_code == 404
        assert response.json()["message"] == f"no call {call_id!r}"

    # A call without a tenant (a direct service, e.g. voicemail on 8500) is the home tenant's.
    recent = (await api(ui, "GET", "/calls/recent", home_headers)).json()
    assert {call["call_id"] for call in recent} == {"home-1", "service-1"}
    assert (await api(ui, "GET", "/calls/water-1", home_headers)).status_code == 404
    detail = (await api(ui, "GET", "/calls/home-1", home_headers)).json()
    assert [entry["kind"] for entry in detail["timeline"]] == ["entered", "queued"]


async def test_given_live_calls_of_both_tenants_then_each_token_sees_its_own(
    ui: UiClient, seeded: Settings
) -> None:
    other = await water_world(ui)
    headers = await water_token(ui)
    home = await home_tenant_id()
    ui.center.calls = [
        {"call_id": "home-ivr", "stage": "ivr", "node": "menu", "tenant_id": home},
        {"call_id": "water-ivr", "stage": "ivr", "node": "menu", "tenant_id": other.id},
        # Adopted after a restart: no flow session, only the queue it waits in.
        {"call_id": "water-queued", "stage": "queue", "node": None, "queue": WATER_QUEUE},
        {"call_id": "home-queued", "stage": "queue", "node": None, "queue": seed.DEMO_QUEUE},
        {"call_id": "unknown", "stage": "ivr", "node": None},
    ]

    water = (await api(ui, "GET", "/calls/live", headers)).json()
    assert [call["call_id"] for call in water] == ["water-ivr", "water-queued"]
    assert all("tenant_id" not in call for call in water)
    home_calls = (await api(ui, "GET", "/calls/live", bearer(seeded.api_token))).json()
    assert [call["call_id"] for call in home_calls] == ["home-ivr", "home-queued", "unknown"]


async def test_given_live_status_then_another_tenants_names_are_unknown(seeded: Settings) -> None:
    other = await Tenant.create(name="water")
    center = StandInCenter()
    with pytest.raises(NotFound, match="no queue 'support'"):
        await live_status.queue_status(center, other.id, seed.DEMO_QUEUE)
    with pytest.raises(NotFound, match="no agent '1001'"):
        await live_status.agent_status(center, other.id, "1001")
    assert await live_status.queue_statuses(center, other.id) == []
    assert await live_status.agent_statuses(center, other.id) == []
    home = await home_tenant_id()
    assert await live_status.queue_status(center, home, seed.DEMO_QUEUE) == center.queues["support"]


# -- the contact center ---------------------------------------------------------------------


async def test_given_a_test_call_answered_then_it_runs_and_is_recorded_as_the_flows_tenant(
    seeded: Settings, call_center: CallCenter
) -> None:
    other = await Tenant.create(name="water")
    await call_center.start()
    try:
        call_center.test_flows["test-water"] = (copy.deepcopy(MAIN_MENU), other.id)
        event = {
            "type": "StasisStart",
            "application": "hotline",
            "args": ["test-flow"],
            "channel": {"id": "test-water", "state": "Up", "caller": {"number": ""}},
        }
        await start_test_flow(call_center, parse_event(event))

        # Its http_lookup allow-list is the runner's tenant's.
        assert call_center.runners["test-water"].tenant_id == other.id
        [live] = [call for call in call_center.live_calls() if call["call_id"] == "test-water"]
        assert live["tenant_id"] == other.id
        await calls.flush()
        record = await CallRecord.get(call_id="test-water")
        assert record.tenant_id == other.id
        home = await home_tenant_id()
        assert "test-water" not in {
            c["call_id"] for c in await calls.recent_calls(9, tenant_id=home)
        }
    finally:
        for runner in call_center.runners.values():
            runner.close()
        await WRITER.flush()
        await call_center.stop()
