"""Bearer-token authentication and role checks for the JSON API."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from hotline.errors import HotlineError
from hotline.models import ApiToken
from hotline.seed import token_digest

# Which roles may do what through the API.  The UI issue grows this into the
# full per-function permission model; until then the API knows two actions.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "administrator": frozenset({"view", "edit", "publish", "agent-control"}),
    "supervisor": frozenset({"view", "agent-control"}),
    "auditor": frozenset({"view"}),
}


class Unauthorized(HotlineError):
    error_id = "unauthorized"
    status_code = 401


class Forbidden(HotlineError):
    error_id = "forbidden"
    status_code = 403


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required")
    digest = token_digest(token.strip())
    row = await ApiToken.get_or_none(token_sha256=digest)
    # compare_digest keeps the check constant-time once a row is found.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        raise Unauthorized("unknown token")
    return Principal(name=row.name, role=row.role)


async def require(request: Request, action: str) -> Principal:
    principal = await authenticate(request)
    if action not in ROLE_ACTIONS.get(principal.role, frozenset()):
        raise Forbidden(f"role {principal.role!r} may not {action}")
    return principal
