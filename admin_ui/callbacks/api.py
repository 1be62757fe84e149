"""/api/v1/callbacks: schedule, list, place and cancel callbacks (回拨).

Placing rings the agent's phone, then the caller's number through
``[to-pstn]``; every change is audited with the token's name and address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Principal, require
from admin_ui.web.openapi_ops import operation
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from ari_apps.callbacks import services
from hotline import dial_policy, outbound_guard
from hotline.center import Actor, ContactCenter
from hotline.errors import InvalidRequest


def _actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal.name, client_ip(request), principal.tenant_id, source="api")


def dial_rules(request: Request) -> dial_policy.DialRules:
    return outbound_guard.rules_or_defaults(getattr(request.app.state, "settings", None))


def parse_due(value: object) -> datetime:
    """ISO 8601 with an offset; empty: now."""
    if value in (None, ""):
        return datetime.now(UTC)
    try:
        due = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidRequest(
            f"due_at: not an ISO 8601 time: {str(value)[:40]!r}", {"field": "due_at"}
        ) from None
    if due.tzinfo is None:
        raise InvalidRequest("due_at: give a time zone offset", {"field": "due_at"})
    return due


async def list_callbacks(request: Request) -> Response:
    principal = await require(request, "view")
    agent = request.query_params.get("agent") or None
    open_only = request.query_params.get("open") == "1"
    rows = await services.listed(principal.tenant_id, agent=agent, open_only=open_only)
    return JSONResponse(rows)


async def schedule_callback(request: Request) -> Response:
    principal = await require(request, "agent-control")
    body = await json_object(request)
    if body.get("kind") == "queue":
        # Virtual hold from the web or API: a place in the queue from due_at.
        priority = body.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise InvalidRequest("priority: a whole number", {"field": "priority"})
        row = await services.request_queue_callback(
            principal.tenant_id,
            _actor(request, principal),
            dial_rules(request),
            number=str(body.get("number", "")),
            queue=str(body.get("queue", "")),
            priority=priority,
            due_at=parse_due(body.get("due_at")),
            notes=str(body.get("notes", "")),
            call_id=str(body["call_id"]) if body.get("call_id") else None,
        )
        return JSONResponse(row, status_code=201)
    row = await services.schedule(
        principal.tenant_id,
        _actor(request, principal),
        dial_rules(request),
        number=str(body.get("number", "")),
        agent=str(body.get("agent", "")),
        due_at=parse_due(body.get("due_at")),
        notes=str(body.get("notes", "")),
        call_id=str(body["call_id"]) if body.get("call_id") else None,
        queue=str(body["queue"]) if body.get("queue") else None,
    )
    return JSONResponse(row, status_code=201)


async def place_callback(request: Request) -> Response:
    principal = await require(request, "agent-control")
    body = await json_object(request)
    center: ContactCenter = request.app.state.center
    agent = str(body["agent"]) if body.get("agent") else None
    row = await center.place_callback(
        principal.tenant_id,
        request.path_params["callback_id"],
        agent,
        _actor(request, principal),
    )
    return JSONResponse(row)


async def cancel_callback(request: Request) -> Response:
    principal = await require(request, "agent-control")
    row = await services.cancel(
        principal.tenant_id, request.path_params["callback_id"], _actor(request, principal)
    )
    return JSONResponse(row)


ROUTES = [
    Route("/callbacks", list_callbacks),
    Route("/callbacks", schedule_callback, methods=["POST"]),
    Route("/callbacks/{callback_id:int}/place", place_callback, methods=["POST"]),
    Route("/callbacks/{callback_id:int}/cancel", cancel_callback, methods=["POST"]),
]

_NOT_FOUND = "no such callback (or another tenant's)"
_SCHEDULE = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["number"],
            "properties": {
                "kind": {
                    "type": "string",
                    "enum": ["agent", "queue"],
                    "description": "agent (default): placed from the agent's phone; queue:"
                    " virtual hold, a place in `queue` from due_at, the caller rung first",
                },
                "number": {"type": "string", "description": "digits, as [to-pstn] dials them"},
                "agent": {"type": "string", "description": "kind agent: the extension to place it"},
                "priority": {"type": "integer", "description": "kind queue: 0..1000"},
                "due_at": {"type": "string", "description": "ISO 8601 with offset; empty: now"},
                "notes": {"type": "string"},
                "call_id": {"type": "string", "description": "the call it follows up"},
                "queue": {"type": "string"},
            },
        }
    }
}
_PLACE = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"agent": {"type": "string", "description": "default: its own"}},
        }
    }
}
OPENAPI_PATHS: dict[str, Any] = {
    "/callbacks": {
        "get": operation(
            "Callbacks: {id, kind, number, call_id, queue, agent, due_at, notes, state,"
            " attempts, last_result, created_by, priority, place_since, connected_at,"
            " created_at}; ?agent= one agent's, ?open=1 those not done or cancelled"
        ),
        "post": operation("Schedule a callback (audited)", body=_SCHEDULE),
    },
    "/callbacks/{callback_id}/place": {
        "post": operation(
            "Place it now: ring the agent's phone, then the caller (audited)",
            ("callback_id",),
            body=_PLACE,
            not_found=_NOT_FOUND,
        ),
    },
    "/callbacks/{callback_id}/cancel": {
        "post": operation("Cancel it (audited)", ("callback_id",), not_found=_NOT_FOUND),
    },
}
