"""Small readings of a request that several pages and API routes share."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from admin_ui.web.rendering import current_user, tenant_of
from admin_ui.web.routing import client_ip
from hotline.center import Actor
from hotline.errors import InvalidRequest


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object ({} when empty); InvalidRequest otherwise."""
    try:
        body = await request.json() if await request.body() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("request body: a JSON object")
    return body


def ui_actor(request: Request) -> Actor:
    """The signed-in user and their address, for use cases that audit themselves."""
    user = current_user(request)
    return Actor(
        username=user.username if user is not None else "anonymous",
        ip=client_ip(request),
        tenant_id=tenant_of(request),
    )
