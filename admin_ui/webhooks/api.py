"""/api/v1/webhooks: the subscriptions and their deliveries (bearer token, read only).

A token needs the "view" scope and a role that may see webhooks on the
page (``webhooks:view``: administrators and auditors): a supervisor's token
reads queues and agents, not where call events are sent.  Secrets are never
listed.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Forbidden, Principal, require
from admin_ui.web.openapi_ops import operation
from hotline.errors import InvalidRequest
from hotline.permissions import BUILTIN_ROLES
from hotline.webhooks import services

PERMISSION = "webhooks:view"


async def _reader(request: Request) -> Principal:
    principal = await require(request, "view")
    if PERMISSION not in BUILTIN_ROLES.get(principal.role, frozenset()):
        raise Forbidden(f"role {principal.role!r} may not see webhooks")
    return principal


async def list_webhooks(request: Request) -> Response:
    principal = await _reader(request)
    views = await services.list_subscriptions(principal.tenant_id)
    return JSONResponse([view.as_dict() for view in views])


async def list_deliveries(request: Request) -> Response:
    principal = await _reader(request)
    try:
        limit = min(500, max(1, int(request.query_params.get("limit", "50"))))
    except ValueError as exc:
        raise InvalidRequest("limit must be an integer") from exc
    webhook_id: int = request.path_params["webhook_id"]
    rows = await services.list_deliveries(principal.tenant_id, webhook_id, limit)
    return JSONResponse(rows)


ROUTES = [
    Route("/webhooks", list_webhooks),
    Route("/webhooks/{webhook_id:int}/deliveries", list_deliveries),
]

OPENAPI_PATHS: dict[str, Any] = {
    "/webhooks": {
        "get": operation(
            "Webhook subscriptions: {id, name, url, kinds, active, created_at, deliveries"
            " {pending, delivered, failed}}; never the secret (administrator or auditor token)"
        )
    },
    "/webhooks/{webhook_id}/deliveries": {
        "get": operation(
            "A webhook's recent deliveries, newest first (?limit=, 50, at most 500): {id,"
            " event_id, kind, call_id, status (pending, delivered, failed), attempts,"
            " next_attempt_at, last_status_code, last_error, created_at, delivered_at}",
            ("webhook_id",),
            not_found="no such webhook in the token's tenant",
        )
    },
}
