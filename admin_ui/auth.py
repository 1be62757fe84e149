"""Bearer-token authentication and role and scope checks for the JSON API.

A token is refused with 401 when it is unknown, revoked (``token-revoked``)
or expired (``token-expired``); an action its role or its scope does not
allow gets 403 (``insufficient-scope`` names the missing scope).  Tokens
are managed on /api-tokens (``hotline/api_tokens.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from starlette.requests import Request

from admin_ui.web.routing import client_ip
from hotline import api_tokens
from hotline.api_tokens import ROLE_ACTIONS as ROLE_ACTIONS  # re-exported
from hotline.errors import HotlineError
from hotline.tenancy import home_tenant_id

log = logging.getLogger(__name__)


class Unauthorized(HotlineError):
    error_id = "unauthorized"
    status_code = 401


class TokenRevoked(Unauthorized):
    error_id = "token-revoked"


class TokenExpired(Unauthorized):
    error_id = "token-expired"


class Forbidden(HotlineError):
    error_id = "forbidden"
    status_code = 403


class InsufficientScope(Forbidden):
    error_id = "insufficient-scope"


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    # What the token may do: its scope within its role's actions.
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: int | None = None
    # The token's tenant: every query of the request sees its rows only.
    tenant_id: int = 0


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required")
    row = await api_tokens.find(token.strip())
    if row is None:
        raise Unauthorized("unknown token")
    now = api_tokens.utcnow()
    status = api_tokens.status_of(row, now)
    if status != "active":
        log.warning(
            "API token %d %r (prefix %r) refused: %s, from %s",
            row.id,
            row.name,
            row.prefix,
            status,
            client_ip(request),
        )
        if status == "revoked":
            raise TokenRevoked("token revoked")
        raise TokenExpired("token expired")
    await api_tokens.note_use(row, now)
    principal = Principal(
        name=row.name,
        role=row.role,
        scopes=api_tokens.scopes_of(row),
        token_id=row.id,
        tenant_id=row.tenant_id if row.tenant_id is not None else await home_tenant_id(),
    )
    # For the audit log of this request (admin_ui/web/audit.py): the token's tenant.
    request.state.api_principal = principal
    return principal


async def require(request: Request, action: str) -> Principal:
    principal = await authenticate(request)
    if action not in api_tokens.role_actions(principal.role):
        raise Forbidden(f"role {principal.role!r} may not {action}")
    if action not in principal.scopes:
        raise InsufficientScope(
            f"token scope does not include {action!r}", {"missing_scope": action}
        )
    return principal
