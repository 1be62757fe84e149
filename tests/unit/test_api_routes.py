"""The ASGI app over a seeded in-memory database: /healthz, auth per role, every /api/v1 route.

The app runs in the test's own event loop through httpx's ASGI transport, so
the Tortoise connection opened by the fixture is the one the handlers use.
The contact center is a stand-in of the ``ContactCenter`` shape; the real one
needs Asterisk and is covered by the integration tests.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.routing import Route
from tortoise import connections

from admin_ui.api import routes as api_route_table
from admin_ui.app import create_app
from admin_ui.reports.exports import FORMATS as REPORT_FORMATS
from ari_apps import demo_data
from ari_apps.ivr.demo import MAIN_MENU
from hotline import calls
from hotline.center import ContactCenter
from hotline.metrics.report_kinds import CASE_KINDS
from hotline.models import ApiToken, Flow
from hotline.seed import token_digest
from hotline.settings import Settings
from tests.unit.stand_in import AGENT_ACTIONS, StandInCenter


@dataclass
class Api:
    client: httpx.AsyncClient
    center: StandInCenter
    tokens: dict[str, str]
    flow_id: int

    def auth(self, role: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[role]}"}

    async def get(self, path: str, role: str = "administrator") -> httpx.Response:
        return await self.client.get(f"/api/v1{path}", headers=self.auth(role))

    async def send(
        self, method: str, path: str, role: str = "administrator", body: Any = None
    ) -> httpx.Response:
        return await self.client.request(
            method, f"/api/v1{path}", headers=self.auth(role), json=body
        )


@pytest.fixture
async def api(seeded: Settings) -> AsyncIterator[Api]:
    tokens = {
        "administrator": seeded.api_token,
        "supervisor": "supervisor-token-for-tests",
        "auditor": "auditor-token-for-tests",
    }
    for role in ("supervisor", "auditor"):
        await ApiToken.create(
            name=f"{role} tests", token_sha256=token_digest(tokens[role]), role=role
        )
    flow = await Flow.get(name="Main menu")
    center = StandInCenter()
    checked: ContactCenter = center  # the stand-in must keep the protocol's shape
    transport = httpx.ASGITransport(app=create_app(checked, settings=seeded))
    async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
        yield Api(client, center, tokens, flow.id)


def menu_with(**changes: Any) -> dict[str, Any]:
    """The demo menu with some menu options replaced."""
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["menu"]["options"].update(changes)
    return draft


# --- /healthz --------------------------------------------------------------


async def test_given_asterisk_connected_and_database_up_when_health_checked_then_200(
    api: Api,
) -> None:
    response = await api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "checks": {
            "asterisk": {"ok": True, "reason": None},
            "database": {"ok": True, "reason": None},
        },
    }


async def test_given_asterisk_disconnected_when_health_checked_then_503_naming_asterisk(
    api: Api,
) -> None:
    api.center.connected = False
    response = await api.client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "checks": {
            "asterisk": {"ok": False, "reason": api.center.not_connected_reason},
            "database": {"ok": True, "reason": None},
        },
    }


async def test_given_database_broken_when_health_checked_then_503_naming_database(
    api: Api,
) -> None:
    # The health query reads the tenant table; without it the database is down
    # as far as Hotline is concerned.
    await connections.get("default").execute_script("ALTER TABLE tenant RENAME TO tenant_gone")
    response = await api.client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["asterisk"] == {"ok": True, "reason": None}
    assert body["checks"]["database"]["ok"] is False
    assert "no such table: tenant" in body["checks"]["database"]["reason"]


# --- authentication and roles on every route --------------------------------

VIEWERS = frozenset({"auditor", "supervisor", "administrator"})
AGENT_CONTROLLERS = frozenset({"supervisor", "administrator"})
ADMINISTRATORS = frozenset({"administrator"})
# Where call events go is not a supervisor's business (webhooks:view).
WEBHOOK_READERS = frozenset({"auditor", "administrator"})


@dataclass(frozen=True)
class RouteCase:
    method: str
    template: str  # as the OpenAPI document spells the path
    path: str  # a concrete path that succeeds for an allowed role
    allowed: frozenset[str]
    ok_status: int = 200
    body: Any = None


def route_cases(flow_id: int) -> list[RouteCase]:
    return [
        RouteCase("GET", "/queues", "/queues", VIEWERS),
        RouteCase(
            "GET",
            "/reports/agents",
            "/reports/agents?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z",
            VIEWERS,
        ),
        RouteCase(
            "GET",
            "/reports/surveys",
            "/reports/surveys?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z",
            VIEWERS,
        ),
        RouteCase(
            "GET",
            "/reports/queues",
            "/reports/queues?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z",
            VIEWERS,
        ),
        *(
            RouteCase(
                "GET", path, f"{path}?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", VIEWERS
            )
            for path in (
                "/reports/dispositions",
                "/reports/entries",
                *(f"/reports/{kind}" for kind in CASE_KINDS),
                *(
                    f"/reports/{kind}.{file_format}"
                    for kind in ("queues", "agents", "dispositions", "entries", *CASE_KINDS)
                    for file_format in REPORT_FORMATS
                ),
            )
        ),
        RouteCase("GET", "/queues/{name}", "/queues/support", VIEWERS),
        RouteCase("GET", "/agents", "/agents", VIEWERS),
        RouteCase("GET", "/agents/{extension}", "/agents/1001", VIEWERS),
        RouteCase(
            "POST",
            "/agents/{extension}/{action}",
            "/agents/1001/pause",
            AGENT_CONTROLLERS,
            body={"reason": "lunch"},
        ),
        RouteCase(
            "POST",
            "/agents/{extension}/call",
            "/agents/1001/call",
            AGENT_CONTROLLERS,
            body={"action": "hold"},
        ),
        RouteCase("GET", "/pause-reasons", "/pause-reasons", VIEWERS),
        # Webhooks: no subscription 999999 in any tenant.
        RouteCase("GET", "/webhooks", "/webhooks", WEBHOOK_READERS),
        RouteCase(
            "GET",
            "/webhooks/{webhook_id}/deliveries",
            "/webhooks/999999/deliveries",
            WEBHOOK_READERS,
            404,
        ),
        RouteCase("GET", "/calls/live", "/calls/live", VIEWERS),
        RouteCase("GET", "/calls/recent", "/calls/recent", VIEWERS),
        RouteCase("GET", "/calls/{call_id}", "/calls/call-1", VIEWERS),
        # call-1 has no agent: an allowed role is told so (400), others 403.
        RouteCase(
            "POST",
            "/calls/{call_id}/disposition",
            "/calls/call-1/disposition",
            AGENT_CONTROLLERS,
            400,
            body={"code": "resolved"},
        ),
        # call-1 was not recorded: an allowed role hears so (404), others 403.
        RouteCase("GET", "/calls/{call_id}/recording", "/calls/call-1/recording", VIEWERS, 404),
        RouteCase(
            "POST",
            "/recordings/erasure",
            "/recordings/erasure",
            ADMINISTRATORS,
            body={
                "caller_id": "5550100",
                "from": "2026-01-01T00:00:00Z",
                "to": "2026-02-01T00:00:00Z",
            },
        ),
        RouteCase("GET", "/callbacks", "/callbacks", VIEWERS),
        RouteCase(
            "POST",
            "/callbacks",
            "/callbacks",
            AGENT_CONTROLLERS,
            201,
            body={"number": "5550123", "agent": "1001"},
        ),
        # No such callback: an allowed role hears so (404), others 403.
        RouteCase(
            "POST", "/callbacks/{callback_id}/place", "/callbacks/999/place", AGENT_CONTROLLERS, 404
        ),
        RouteCase(
            "POST",
            "/callbacks/{callback_id}/cancel",
            "/callbacks/999/cancel",
            AGENT_CONTROLLERS,
            404,
        ),
        RouteCase("GET", "/cases", "/cases", VIEWERS),
        RouteCase("GET", "/reports/cases", "/reports/cases", VIEWERS),
        RouteCase("GET", "/follow-ups", "/follow-ups", VIEWERS),
        RouteCase(
            "POST",
            "/follow-ups",
            "/follow-ups",
            ADMINISTRATORS,
            201,
            body={"assignee": "agent1001"},
        ),
        RouteCase(
            "POST",
            "/follow-ups/{follow_up_id}/call",
            "/follow-ups/999/call",
            AGENT_CONTROLLERS,
            404,
            body={"agent": "1001"},
        ),
        RouteCase(
            "POST",
            "/follow-ups/{follow_up_id}/result",
            "/follow-ups/999/result",
            ADMINISTRATORS,
            404,
            body={"outcome": "satisfied"},
        ),
        RouteCase(
            "POST",
            "/cases",
            "/cases",
            ADMINISTRATORS,
            201,
            body={"category": "投诉", "subject": "Water bill twice", "caller_number": "5550123"},
        ),
        # No such case: an allowed role hears so (404), others 403.
        RouteCase("GET", "/cases/{case_id}", "/cases/999", VIEWERS, 404),
        RouteCase(
            "POST",
            "/cases/{case_id}/actions",
            "/cases/999/actions",
            ADMINISTRATORS,
            404,
            body={"action": "chase"},
        ),
        # No such case (nor file): an allowed role hears so (404), others 403.
        RouteCase(
            "GET",
            "/cases/{case_id}/attachments/{attachment_id}",
            "/cases/999/attachments/1",
            VIEWERS,
            404,
        ),
        RouteCase("GET", "/quality/reviews", "/quality/reviews?month=2026-12", VIEWERS),
        RouteCase("GET", "/reports/quality", "/reports/quality", VIEWERS),
        RouteCase("GET", "/knowledge", "/knowledge?q=水费", VIEWERS),
        RouteCase("GET", "/knowledge/{article_id}", "/knowledge/999", VIEWERS, 404),
        RouteCase(
            "POST",
            "/knowledge/{article_id}/send",
            "/knowledge/999/send",
            ADMINISTRATORS,
            404,
            body={"channel": "sms", "to": "13800138000"},
        ),
        RouteCase("GET", "/customers", "/customers?q=Zhang", VIEWERS),
        RouteCase(
            "POST",
            "/customers",
            "/customers",
            ADMINISTRATORS,
            201,
            body={"name": "Route test", "numbers": ["13512345678"]},
        ),
        RouteCase("GET", "/customers/lookup", "/customers/lookup?number=13800138000", VIEWERS),
        # JSON is no file: an allowed role hears so (400), others 403.
        RouteCase("POST", "/customers/import", "/customers/import", ADMINISTRATORS, 400, body={}),
        RouteCase("GET", "/customers/{customer_id}", "/customers/999", VIEWERS, 404),
        RouteCase("GET", "/campaigns", "/campaigns", VIEWERS),
        RouteCase(
            "POST", "/campaigns", "/campaigns", ADMINISTRATORS, 201, body={"name": "Reminders"}
        ),
        # No such campaign: an allowed role hears so (404), others 403.
        RouteCase("GET", "/campaigns/{campaign_id}", "/campaigns/999", VIEWERS, 404),
        RouteCase(
            "PUT",
            "/campaigns/{campaign_id}",
            "/campaigns/999",
            ADMINISTRATORS,
            404,
            body={"max_attempts": 2},
        ),
        *(
            RouteCase(
                "POST",
                f"/campaigns/{{campaign_id}}/{action}",
                f"/campaigns/999/{action}",
                ADMINISTRATORS,
                404,
            )
            for action in ("start", "pause", "resume", "stop")
        ),
        RouteCase(
            "GET", "/campaigns/{campaign_id}/contacts", "/campaigns/999/contacts", VIEWERS, 404
        ),
        RouteCase(
            "POST",
            "/campaigns/{campaign_id}/contacts",
            "/campaigns/999/contacts",
            ADMINISTRATORS,
            404,
            body={"contacts": [{"phone": "+8613800000010"}]},
        ),
        # A list comes as multipart: JSON is refused before the campaign is looked up.
        RouteCase(
            "POST",
            "/campaigns/{campaign_id}/contacts/import",
            "/campaigns/999/contacts/import",
            ADMINISTRATORS,
            400,
            body={"file": "no"},
        ),
        RouteCase(
            "GET",
            "/campaigns/{campaign_id}/contacts/rejected.csv",
            "/campaigns/999/contacts/rejected.csv",
            VIEWERS,
            404,
        ),
        RouteCase(
            "GET", "/campaigns/{campaign_id}/attempts", "/campaigns/999/attempts", VIEWERS, 404
        ),
        RouteCase(
            "GET",
            "/campaigns/{campaign_id}/attempts.{file_format}",
            "/campaigns/999/attempts.csv",
            VIEWERS,
            404,
        ),
        RouteCase(
            "GET", "/campaigns/{campaign_id}/preview", "/campaigns/999/preview", VIEWERS, 404
        ),
        RouteCase(
            "POST",
            "/campaigns/{campaign_id}/preview/call",
            "/campaigns/999/preview/call",
            AGENT_CONTROLLERS,
            404,
            body={"agent": "1001", "contact_id": 1},
        ),
        RouteCase("GET", "/dnc", "/dnc", VIEWERS),
        RouteCase("POST", "/dnc", "/dnc", ADMINISTRATORS, 201, body={"phone": "+8613800000060"}),
        RouteCase("GET", "/monitoring", "/monitoring", VIEWERS),
        RouteCase(
            "POST",
            "/monitoring/release",
            "/monitoring/release",
            AGENT_CONTROLLERS,
            body={"agent": "1001"},
        ),
        RouteCase(
            "POST",
            "/monitoring",
            "/monitoring",
            AGENT_CONTROLLERS,
            201,
            body={"agent": "1001", "supervisor": "1002", "mode": "listen"},
        ),
        # No such session: an allowed role hears so (404), others 403.
        RouteCase(
            "POST",
            "/monitoring/{session_id}/mode",
            "/monitoring/none/mode",
            AGENT_CONTROLLERS,
            404,
            body={"mode": "barge"},
        ),
        RouteCase(
            "POST", "/monitoring/{session_id}/stop", "/monitoring/none/stop", AGENT_CONTROLLERS, 404
        ),
        RouteCase("GET", "/flows", "/flows", VIEWERS),
        RouteCase("GET", "/flows/{flow_id}", f"/flows/{flow_id}", VIEWERS),
        RouteCase(
            "PUT",
            "/flows/{flow_id}/draft",
            f"/flows/{flow_id}/draft",
            ADMINISTRATORS,
            body=MAIN_MENU,
        ),
        RouteCase("POST", "/flows/{flow_id}/validate", f"/flows/{flow_id}/validate", VIEWERS),
        RouteCase(
            "POST", "/flows/{flow_id}/publish", f"/flows/{flow_id}/publish", ADMINISTRATORS, 201
        ),
        # Fax: an upload without a file is refused (400) after the role check;
        # DID 8009 is saved; no job or DID 999999.
        RouteCase("GET", "/fax/documents", "/fax/documents", VIEWERS),
        RouteCase("POST", "/fax/documents", "/fax/documents", ADMINISTRATORS, 400),
        RouteCase("GET", "/fax/jobs", "/fax/jobs", VIEWERS),
        RouteCase("GET", "/fax/jobs/{job_id}", "/fax/jobs/999999", VIEWERS, 404),
        RouteCase("GET", "/fax/jobs/{job_id}/pdf", "/fax/jobs/999999/pdf", VIEWERS, 404),
        RouteCase(
            "POST", "/fax/jobs/{job_id}/retry", "/fax/jobs/999999/retry", ADMINISTRATORS, 404
        ),
        RouteCase("GET", "/fax/retry-policy", "/fax/retry-policy", VIEWERS),
        RouteCase(
            "PUT",
            "/fax/retry-policy",
            "/fax/retry-policy",
            ADMINISTRATORS,
            body={"max_attempts": 3, "first_delay_s": 60, "max_delay_s": 900},
        ),
        RouteCase("GET", "/fax/dids", "/fax/dids", VIEWERS),
        RouteCase(
            "PUT",
            "/fax/dids/{number}",
            "/fax/dids/8009",
            ADMINISTRATORS,
            body={"email": "f@x.test"},
        ),
        RouteCase("DELETE", "/fax/dids/{number}", "/fax/dids/999999", ADMINISTRATORS, 404),
        # Prompts: an empty JSON body passes the role check, then is refused
        # (no name) before anything is converted or stored; no prompt 999999.
        RouteCase("GET", "/prompts", "/prompts", VIEWERS),
        RouteCase("POST", "/prompts", "/prompts", ADMINISTRATORS, 422, body={}),
        RouteCase("GET", "/prompts/{prompt_id}/audio", "/prompts/999999/audio", VIEWERS, 404),
        RouteCase("DELETE", "/prompts/{prompt_id}", "/prompts/999999", ADMINISTRATORS, 404),
        RouteCase(
            "POST",
            "/prompts/{prompt_id}/versions/{version}/restore",
            "/prompts/999999/versions/1/restore",
            ADMINISTRATORS,
            404,
        ),
        # Voicemail: the seeded box 5000 lists; message routes pass the role
        # check and then find no message 404 (tests/unit/test_vm_api.py has them succeed).
        RouteCase(
            "GET", "/voicemail/boxes/{box}/messages", "/voicemail/boxes/5000/messages", VIEWERS
        ),
        RouteCase(
            "GET",
            "/voicemail/messages/{message_id}/audio",
            "/voicemail/messages/999999/audio",
            VIEWERS,
            404,
        ),
        RouteCase(
            "DELETE",
            "/voicemail/messages/{message_id}",
            "/voicemail/messages/999999",
            ADMINISTRATORS,
            404,
        ),
    ]


def api_routes() -> set[tuple[str, str]]:
    """(method, path) of every route in admin_ui.api, path params without converters."""
    found: set[tuple[str, str]] = set()
    for route in api_route_table:
        assert isinstance(route, Route)
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for method in route.methods or ():
            if method != "HEAD":  # Starlette adds HEAD to every GET by itself
                found.add((method, path))
    return found


def test_given_the_route_table_then_the_role_cases_below_cover_every_protected_route() -> None:
    covered = {(case.method, case.template) for case in route_cases(flow_id=1)}
    assert covered == api_routes() - {("GET", "/openapi.json")}


@pytest.mark.parametrize("index", range(len(route_cases(flow_id=1))))
async def test_given_each_route_when_called_per_role_then_only_allowed_roles_get_through(
    api: Api, index: int
) -> None:
    case = route_cases(api.flow_id)[index]
    await calls.open_record(
        "call-1", did="8000", caller_id="555", tenant_id=None, flow_version_id=1
    )
    url = f"/api/v1{case.path}"

    anonymous = await api.client.request(case.method, url, json=case.body)
    assert anonymous.status_code == 401, case
    assert anonymous.json()["error_id"] == "unauthorized"
    stranger = await api.client.request(
        case.method, url, json=case.body, headers={"authorization": "Bearer not-a-known-token"}
    )
    assert stranger.status_code == 401, case
    assert stranger.json() == {
        "error_id": "unauthorized",
        "message": "unknown token",
        "details": {},
    }

    for role in ("auditor", "supervisor", "administrator"):
        response = await api.send(case.method, case.path, role, case.body)
        if role in case.allowed:
            assert response.status_code == case.ok_status, (case, role, response.text)
        else:
            assert response.status_code == 403, (case, role, response.text)
            assert response.json()["error_id"] == "forbidden"
    # A refused agent action never reached the contact center.
    if case.template == "/agents/{extension}/{action}":
        assert api.center.actions == [("1001", "pause", "lunch")] * len(AGENT_CONTROLLERS)


async def test_given_lowercase_bearer_scheme_when_calling_then_accepted(api: Api) -> None:
    headers = {"authorization": f"bearer   {api.tokens['auditor']}"}
    response = await api.client.get("/api/v1/queues", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc"], ids=repr
)
async def test_given_malformed_authorization_when_calling_then_401_asks_for_bearer_token(
    api: Api, header: str
) -> None:
    response = await api.client.get("/api/v1/queues", headers={"authorization": header})
    assert response.status_code == 401
    assert response.json()["message"] == "a bearer token is required"


async def test_given_token_with_unknown_role_when_viewing_then_403(api: Api) -> None:
    await ApiToken.create(name="odd", token_sha256=token_digest("odd-token"), role="guest")
    response = await api.client.get("/api/v1/queues", headers={"authorization": "Bearer odd-token"})
    assert response.status_code == 403
    assert "guest" in response.json()["message"]


# --- OpenAPI ---------------------------------------------------------------


async def test_given_openapi_document_then_it_lists_exactly_the_routes_of_the_api(
    api: Api,
) -> None:
    response = await api.client.get("/api/v1/openapi.json")  # public: no token
    assert response.status_code == 200
    document = response.json()
    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert listed == api_routes() - {("GET", "/openapi.json")}


async def test_given_openapi_document_then_every_path_parameter_is_declared(api: Api) -> None:
    document = (await api.client.get("/api/v1/openapi.json")).json()
    for path, operations in document["paths"].items():
        in_path = set(re.findall(r"\{(\w+)\}", path))
        for operation in operations.values():
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == in_path, path


# --- queues, agents, live calls ---------------------------------------------


async def test_given_center_state_when_viewing_queues_agents_and_live_calls_then_shown(
    api: Api,
) -> None:
    assert (await api.get("/queues", "auditor")).json() == [api.center.queues["support"]]
    assert (await api.get("/queues/support", "auditor")).json()["name"] == "support"
    agents = (await api.get("/agents", "auditor")).json()
    assert [a["extension"] for a in agents] == ["1001", "1002"]
    assert (await api.get("/agents/1002", "auditor")).json()["state"] == "logged_out"
    assert (await api.get("/calls/live", "auditor")).json() == api.center.calls


async def test_given_unknown_queue_when_viewing_it_then_404(api: Api) -> None:
    response = await api.get("/queues/sales")
    assert response.status_code == 404
    assert response.json()["error_id"] == "not-found"
    assert "sales" in response.json()["message"]


async def test_given_unknown_agent_when_viewing_it_then_404(api: Api) -> None:
    response = await api.get("/agents/4242")
    assert response.status_code == 404
    assert "4242" in response.json()["message"]


async def test_given_supervisor_when_pausing_agent_with_reason_then_center_gets_the_reason(
    api: Api,
) -> None:
    response = await api.send("POST", "/agents/1001/pause", "supervisor", {"reason": "training"})
    assert response.status_code == 200
    assert response.json() == {
        "registered": True,
        "extension": "1001",
        "state": "not_ready",
        "reason": "training",
    }
    assert api.center.actions == [("1001", "pause", "training")]


async def test_given_no_body_when_logging_agent_in_then_action_runs_without_reason(
    api: Api,
) -> None:
    response = await api.client.post("/api/v1/agents/1002/login", headers=api.auth("supervisor"))
    assert response.status_code == 200
    assert response.json()["state"] == "ready"
    assert api.center.actions == [("1002", "login", None)]


async def test_given_unknown_agent_when_acting_on_it_then_404(api: Api) -> None:
    response = await api.send("POST", "/agents/4242/login", "supervisor")
    assert response.status_code == 404
    assert response.json()["error_id"] == "not-found"
    assert api.center.actions == []


async def test_given_unknown_action_when_acting_on_agent_then_400_listing_valid_actions(
    api: Api,
) -> None:
    response = await api.send("POST", "/agents/1001/dance", "supervisor")
    assert response.status_code == 400
    body = response.json()
    assert body["error_id"] == "invalid-request"
    assert "dance" in body["message"]
    assert all(action in body["message"] for action in AGENT_ACTIONS)


async def test_given_bad_json_when_acting_on_agent_then_400_before_the_center_is_asked(
    api: Api,
) -> None:
    response = await api.client.post(
        "/api/v1/agents/1001/pause", headers=api.auth("supervisor"), content=b"{reason: lunch"
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("request body is not valid JSON")
    assert api.center.actions == []


# --- call records -------------------------------------------------------------


async def test_given_a_call_with_events_when_fetching_it_then_timeline_is_in_order(
    api: Api,
) -> None:
    await calls.open_record(
        "call-7", did="8000", caller_id="5551234", tenant_id=None, flow_version_id=1
    )
    await calls.add_event("call-7", "ivr-input", node="menu", digits="1")
    await calls.add_event("call-7", "queued", queue="support")
    await calls.update_record("call-7", queue="support", agent_extension="1001")
    await calls.add_event("call-7", "offered", agent="1001")
    await calls.close_record("call-7", "answered")

    response = await api.get("/calls/call-7", "auditor")
    assert response.status_code == 200
    detail = response.json()
    assert (detail["did"], detail["caller_id"], detail["queue"], detail["agent"]) == (
        "8000",
        "5551234",
        "support",
        "1001",
    )
    assert detail["disposition"] == "answered"
    assert detail["ended_at"] is not None
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds == ["entered", "ivr-input", "queued", "offered", "ended"]
    assert detail["timeline"][1]["data"] == {"node": "menu", "digits": "1"}
    times = [datetime.fromisoformat(entry["at"]) for entry in detail["timeline"]]
    assert times == sorted(times)


async def test_given_calls_when_listing_recent_then_newest_first_and_limited(api: Api) -> None:
    for hour, call_id in ((9, "morning"), (12, "noon"), (17, "evening")):
        await calls.open_record(
            call_id, did="8000", caller_id="", tenant_id=None, flow_version_id=1
        )
        await calls.update_record(call_id, started_at=datetime(2026, 3, 2, hour, tzinfo=UTC))

    everything = await api.get("/calls/recent", "auditor")
    assert [c["call_id"] for c in everything.json()] == ["evening", "noon", "morning"]
    two = await api.get("/calls/recent?limit=2", "auditor")
    assert [c["call_id"] for c in two.json()] == ["evening", "noon"]
    # Out-of-range limits are clamped rather than refused.
    assert len((await api.get("/calls/recent?limit=0", "auditor")).json()) == 1


async def test_given_non_numeric_limit_when_listing_recent_calls_then_400(api: Api) -> None:
    response = await api.get("/calls/recent?limit=many")
    assert response.status_code == 400
    assert response.json()["message"] == "limit must be an integer"


async def test_given_unknown_call_when_fetching_it_then_404(api: Api) -> None:
    response = await api.get("/calls/no-such-call")
    assert response.status_code == 404
    assert "no-such-call" in response.json()["message"]


# --- flows ------------------------------------------------------------------


async def test_given_seeded_demo_when_listing_and_getting_flows_then_main_menu_v1_is_live(
    api: Api,
) -> None:
    listed = (await api.get("/flows", "auditor")).json()
    # The demo's menu, its post-call survey, its case status line, its customer line and its
    # self-service answers, each published once.
    assert sorted((f["name"], f["published_version"]) for f in listed) == [
        ("Case status", 1),
        ("Customer line", 1),
        ("Main menu", 1),
        ("Post-call survey", 1),
        ("Self-service answers", 1),
    ]
    assert api.flow_id in {f["id"] for f in listed}
    flow = (await api.get(f"/flows/{api.flow_id}", "auditor")).json()
    assert flow["draft"] == MAIN_MENU
    assert [(v["version"], v["published_by"], v["live"]) for v in flow["versions"]] == [
        (1, "seed", True)
    ]
    assert flow["published_version_id"] == flow["versions"][0]["id"]


async def test_given_unknown_flow_when_getting_it_then_404(api: Api) -> None:
    response = await api.get("/flows/999")
    assert response.status_code == 404
    assert response.json() == {"error_id": "not-found", "message": "no flow 999", "details": {}}


async def test_given_option_to_missing_node_when_saving_draft_then_saved_with_issue_naming_it(
    api: Api,
) -> None:
    draft = menu_with(**{"2": "voicemail_box"})
    response = await api.send("PUT", f"/flows/{api.flow_id}/draft", body=draft)
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True
    dangling = [issue for issue in body["issues"] if issue["code"] == "dangling_edge"]
    assert len(dangling) == 1
    assert dangling[0]["node_id"] == "menu"
    assert "voicemail_box" in dangling[0]["message"]
    # Saving never loses work, even when invalid; the live version is untouched.
    flow = (await api.get(f"/flows/{api.flow_id}")).json()
    assert flow["draft"] == draft
    assert len(flow["versions"]) == 1

    validated = await api.send("POST", f"/flows/{api.flow_id}/validate", "auditor")
    assert validated.status_code == 200
    assert validated.json()["valid"] is False
    assert validated.json()["issues"] == body["issues"]


async def test_given_invalid_draft_when_publishing_then_422_flow_invalid_naming_the_node(
    api: Api,
) -> None:
    await api.send("PUT", f"/flows/{api.flow_id}/draft", body=menu_with(**{"2": "voicemail_box"}))
    response = await api.send("POST", f"/flows/{api.flow_id}/publish")
    assert response.status_code == 422
    body = response.json()
    assert body["error_id"] == "flow-invalid"
    assert "'menu'" in body["message"]
    assert "voicemail_box" in body["message"]
    assert {"menu"} <= {issue["node_id"] for issue in body["details"]["issues"]}
    listed = (await api.get("/flows")).json()
    assert listed[0]["published_version"] == 1


async def test_given_valid_draft_when_publishing_then_201_and_version_increments(
    api: Api,
) -> None:
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["label"] = "Welcome back"
    saved = await api.send("PUT", f"/flows/{api.flow_id}/draft", body=draft)
    assert saved.json()["issues"] == []
    assert (await api.send("POST", f"/flows/{api.flow_id}/validate")).json() == {
        "valid": True,
        "issues": [],
    }

    first = await api.send("POST", f"/flows/{api.flow_id}/publish")
    second = await api.send("POST", f"/flows/{api.flow_id}/publish")
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["version"], second.json()["version"]) == (2, 3)

    flow = (await api.get(f"/flows/{api.flow_id}")).json()
    assert [v["version"] for v in flow["versions"]] == [1, 2, 3]
    assert [v["live"] for v in flow["versions"]] == [False, False, True]
    assert flow["published_version_id"] == second.json()["version_id"]
    assert flow["versions"][2]["published_by"] == "demo admin"
    assert (await api.get("/flows")).json()[0]["published_version"] == 3


async def test_given_bad_json_when_saving_draft_then_400_with_clear_message(api: Api) -> None:
    response = await api.client.put(
        f"/api/v1/flows/{api.flow_id}/draft", headers=api.auth("administrator"), content=b"{start"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error_id"] == "invalid-request"
    assert body["message"].startswith("request body is not valid JSON: ")


@pytest.mark.parametrize("raw", [b'["start", "nodes"]', b'"greet"', b"null"], ids=repr)
async def test_given_json_that_is_not_an_object_when_saving_draft_then_400(
    api: Api, raw: bytes
) -> None:
    response = await api.client.put(
        f"/api/v1/flows/{api.flow_id}/draft", headers=api.auth("administrator"), content=raw
    )
    assert response.status_code == 400
    assert "JSON object" in response.json()["message"]
    assert (await api.get(f"/flows/{api.flow_id}")).json()["draft"] == MAIN_MENU


# --- routing errors keep the API's error shape ------------------------------


@pytest.mark.parametrize("path", ["/nothing-here", "/flows/not-a-number"])
async def test_given_unknown_api_path_when_requested_then_json_404(api: Api, path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 404
    assert response.json()["error_id"] == "not-found"


async def test_given_wrong_method_when_requested_then_json_405_with_allow_header(
    api: Api,
) -> None:
    response = await api.get(f"/flows/{api.flow_id}/publish")
    assert response.status_code == 405
    assert response.json()["error_id"] == "method-not-allowed"
    assert response.headers["allow"] == "POST"


async def test_given_api_changes_then_each_is_in_the_audit_log_with_user_and_ip(api: Api) -> None:
    from hotline.models import AuditEntry

    await api.send("PUT", f"/flows/{api.flow_id}/draft", body=menu_with())
    await api.send("POST", f"/flows/{api.flow_id}/publish")
    await api.send("POST", "/agents/1001/pause", "supervisor", {"reason": "lunch"})
    entries = await AuditEntry.all().order_by("id")
    assert [e.action for e in entries] == ["flow_draft_saved", "flow_published", "agent_pause"]
    assert all(e.source == "api" and e.ip for e in entries)
    assert entries[2].username == "supervisor tests"
    assert entries[0].after["start"] == "greet"
    with pytest.raises(PermissionError):
        entries[0].action = "tampered"
        await entries[0].save()


@pytest.mark.security
async def test_given_hotline_api_token_changed_when_seeded_again_then_the_old_token_is_refused(
    api: Api, seeded: Settings
) -> None:
    old_token = seeded.api_token
    assert (await api.client.get("/api/v1/queues", headers=_bearer(old_token))).status_code == 200
    await demo_data.seed_demo(dataclasses.replace(seeded, api_token="a-new-demo-token"))
    assert (await api.client.get("/api/v1/queues", headers=_bearer(old_token))).status_code == 401
    new = await api.client.get("/api/v1/queues", headers=_bearer("a-new-demo-token"))
    assert new.status_code == 200


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
