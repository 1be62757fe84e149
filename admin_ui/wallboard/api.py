"""/api/v1/monitoring: supervisors' listen, whisper and barge sessions, for
a business system's or a softphone's own buttons.  Each start, mode change
and stop is audited with the token's name and the caller's address.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Principal, require
from admin_ui.web.openapi_ops import operation
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from hotline.center import Actor, ContactCenter
from hotline.errors import NotFound
from hotline.live_status import agent_statuses, check_agent, check_phone


def _center(request: Request) -> ContactCenter:
    center: ContactCenter = request.app.state.center
    return center


def _actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal.name, client_ip(request), principal.tenant_id, source="api")


async def _visible_sessions(request: Request, tenant_id: int) -> list[dict[str, Any]]:
    agents = {a["extension"] for a in await agent_statuses(_center(request), tenant_id)}
    return [s for s in _center(request).monitoring_sessions() if s["agent"] in agents]


async def _session_of_tenant(request: Request, tenant_id: int, session_id: str) -> None:
    if not any(s["session_id"] == session_id for s in await _visible_sessions(request, tenant_id)):
        raise NotFound(f"no monitoring session {session_id}")


async def list_sessions(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await _visible_sessions(request, principal.tenant_id))


async def start_session(request: Request) -> Response:
    principal = await require(request, "agent-control")
    body = await json_object(request)
    agent, supervisor = str(body.get("agent", "")), str(body.get("supervisor", ""))
    await check_agent(principal.tenant_id, agent)
    # The phone that rings must be a phone of the same tenant too.
    await check_phone(principal.tenant_id, supervisor)
    session = await _center(request).start_monitoring(
        agent, supervisor, str(body.get("mode", "")), _actor(request, principal)
    )
    return JSONResponse(session, status_code=201)


async def change_session(request: Request) -> Response:
    principal = await require(request, "agent-control")
    session_id = request.path_params["session_id"]
    await _session_of_tenant(request, principal.tenant_id, session_id)
    body = await json_object(request)
    session = await _center(request).change_monitoring(
        session_id, str(body.get("mode", "")), _actor(request, principal)
    )
    return JSONResponse(session)


async def stop_session(request: Request) -> Response:
    principal = await require(request, "agent-control")
    session_id = request.path_params["session_id"]
    await _session_of_tenant(request, principal.tenant_id, session_id)
    session = await _center(request).stop_monitoring(session_id, _actor(request, principal))
    return JSONResponse(session)


async def release_call(request: Request) -> Response:
    principal = await require(request, "agent-control")
    agent = str((await json_object(request)).get("agent", ""))
    await check_agent(principal.tenant_id, agent)
    return JSONResponse(await _center(request).force_release(agent, _actor(request, principal)))


ROUTES: list[Route] = [
    Route("/monitoring", list_sessions),
    Route("/monitoring/release", release_call, methods=["POST"]),
    Route("/monitoring", start_session, methods=["POST"]),
    Route("/monitoring/{session_id}/mode", change_session, methods=["POST"]),
    Route("/monitoring/{session_id}/stop", stop_session, methods=["POST"]),
]

_START = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["agent", "supervisor", "mode"],
            "properties": {
                "agent": {"type": "string", "description": "the agent on a call"},
                "supervisor": {"type": "string", "description": "the phone to ring"},
                "mode": {"type": "string", "enum": ["listen", "whisper", "barge"]},
            },
        }
    }
}
_MODE = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["mode"],
            "properties": {"mode": {"type": "string", "enum": ["listen", "whisper", "barge"]}},
        }
    }
}
_NOT_FOUND = "no such agent or session (or another tenant's)"
OPENAPI_PATHS: dict[str, Any] = {
    "/monitoring": {
        "get": operation("Supervisors listening to agents now"),
        "post": operation(
            "Ring the supervisor's phone and join it to the agent's call: listen (hears both),"
            " whisper (speaks to the agent only) or barge (three-way); audited",
            body=_START,
            not_found=_NOT_FOUND,
        ),
    },
    "/monitoring/release": {
        "post": operation(
            "Force release: end the agent's call with a caller ({agent}); audited",
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["agent"],
                        "properties": {"agent": {"type": "string"}},
                    }
                }
            },
            not_found=_NOT_FOUND,
        )
    },
    "/monitoring/{session_id}/mode": {
        "post": operation(
            "Change a session's mode on the same phone call; audited",
            ("session_id",),
            _MODE,
            not_found=_NOT_FOUND,
        )
    },
    "/monitoring/{session_id}/stop": {
        "post": operation(
            "End a session (the supervisor's phone hangs up); audited",
            ("session_id",),
            not_found=_NOT_FOUND,
        )
    },
}
