"""API tokens as administrators manage them: who may create or revoke which
token, and audit snapshots.

The tokens themselves (secret, digest, scope, expiry, status) are
``hotline/api_tokens.py``; this module adds the rules of managing them
(the /api-tokens pages, ``admin_ui/api_tokens``):

- Nobody issues a token stronger than themselves: a token's role must be
  a built-in role whose permissions the creator all holds (the users'
  outrank rule, ``guards.py``), so only an administrator issues
  administrator tokens.  The same rule guards revocation.
- The scope is a non-empty subset of what the role may do through the API.
- Tokens expire after 1 to 365 days (90 by default); only administrators
  may issue one that never expires.

Every mutation returns a ``Change`` for the audit log; snapshots never
hold the clear token or its digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from hotline import api_tokens
from hotline.accounts.changes import Change
from hotline.accounts.errors import FieldError, FormInvalid, OutranksActor, UnknownObject
from hotline.accounts.guards import ADMIN_ROLE, missing_permissions
from hotline.accounts.principal import Principal
from hotline.api_tokens import ROLE_ACTIONS, SCOPES, TOKEN_ROLES
from hotline.models import ApiToken
from hotline.permissions import BUILTIN_ROLES
from hotline.seed import SEEDED_TOKEN_NAME

OBJECT_TYPE: Final = "api_token"
DEFAULT_EXPIRY_DAYS: Final = 90
MAX_EXPIRY_DAYS: Final = 365
MAX_NAME_LENGTH: Final = 64


@dataclass(frozen=True)
class TokenInput:
    """The create form exactly as typed, so an error can show it again."""

    name: str = ""
    role: str = "auditor"
    scopes: tuple[str, ...] = ("view",)
    expires_days: str = str(DEFAULT_EXPIRY_DAYS)
    never_expires: bool = False


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    prefix: str
    role: str
    scopes: tuple[str, ...]
    whole_role: bool  # no scope of its own: every action of its role
    created_by: str
    created_at: str
    expires_at: str  # "" for never
    last_used_at: str  # "" for never used
    revoked_at: str
    status: api_tokens.Status


@dataclass(frozen=True)
class Created:
    change: Change
    row: TokenRow
    clear_token: str  # shown once, kept nowhere


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def token_row(token: ApiToken, now: datetime | None = None) -> TokenRow:
    return TokenRow(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        role=token.role,
        scopes=tuple(api_tokens.ordered_scopes(api_tokens.scopes_of(token))),
        whole_role=token.scopes is None,
        created_by=token.created_by,
        created_at=_when(token.created_at),
        expires_at=_when(token.expires_at),
        last_used_at=_when(token.last_used_at),
        revoked_at=_when(token.revoked_at),
        status=api_tokens.status_of(token, now),
    )


def snapshot(token: ApiToken) -> dict[str, Any]:
    """The audit log's view of a token: never its secret or digest."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "name": token.name,
        "prefix": token.prefix,
        "role": token.role,
        "scopes": None if token.scopes is None else list(token.scopes),
        "created_by": token.created_by,
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
    }


def may_skip_expiry(actor: Principal) -> bool:
    return ADMIN_ROLE in actor.roles


def roles_for(actor: Principal) -> list[str]:
    """Token roles the actor may issue: those whose permissions they all hold."""
    return [role for role in TOKEN_ROLES if not _outranks(actor, role)]


def _outranks(actor: Principal, role: str) -> list[str]:
    return missing_permissions(BUILTIN_ROLES.get(role, frozenset()), actor.permissions)


async def list_tokens(actor: Principal) -> list[TokenRow]:
    now = api_tokens.utcnow()
    tokens = await api_tokens.list_tokens(actor.tenant_id)
    return [token_row(token, now) for token in tokens]


def _validate(data: TokenInput, actor: Principal) -> tuple[str, list[str], int | None]:
    errors: dict[str, FieldError] = {}
    name = data.name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        errors["name"] = FieldError("api_tokens.error.name", {"max": str(MAX_NAME_LENGTH)})
    elif name.casefold() == SEEDED_TOKEN_NAME.casefold():
        errors["name"] = FieldError("api_tokens.error.name_reserved", {"name": SEEDED_TOKEN_NAME})
    role = data.role
    if role not in ROLE_ACTIONS:
        errors["role"] = FieldError("api_tokens.error.role")
    elif _outranks(actor, role):
        errors["role"] = FieldError("api_tokens.error.cannot_grant", {"name": role})
    unknown = [scope for scope in data.scopes if scope not in SCOPES]
    if unknown:
        errors["scopes"] = FieldError("api_tokens.error.unknown_scope", {"name": unknown[0]})
    elif not data.scopes:
        errors["scopes"] = FieldError("api_tokens.error.no_scope")
    elif "role" not in errors:
        beyond = [scope for scope in data.scopes if scope not in ROLE_ACTIONS[role]]
        if beyond:
            errors["scopes"] = FieldError(
                "api_tokens.error.scope_beyond_role", {"name": beyond[0], "role": role}
            )
    days: int | None = None
    if data.never_expires:
        if not may_skip_expiry(actor):
            errors["expires_days"] = FieldError("api_tokens.error.never_admin_only")
    else:
        try:
            days = int(data.expires_days.strip())
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            errors["expires_days"] = FieldError(
                "api_tokens.error.expires_days", {"max": str(MAX_EXPIRY_DAYS)}
            )
    if errors:
        raise FormInvalid(errors)
    return name, api_tokens.ordered_scopes(data.scopes), days


async def create_token(data: TokenInput, actor: Principal) -> Created:
    name, scopes, days = _validate(data, actor)
    now = api_tokens.utcnow()
    token, clear = await api_tokens.issue(
        name=name,
        role=data.role,
        scopes=scopes,
        expires_at=None if days is None else now + timedelta(days=days),
        created_by=actor.username,
        tenant_id=actor.tenant_id,
    )
    change = Change("api_token_created", OBJECT_TYPE, token.id, None, snapshot(token))
    return Created(change, token_row(token, now), clear)


def _token_id(raw: str | int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UnknownObject(f"no API token {raw!r}") from None


async def revoke_token(token_id: str | int, actor: Principal) -> Change | None:
    """Revoke a token; None when it already was revoked (nothing to audit)."""
    token = await api_tokens.get_token(_token_id(token_id), actor.tenant_id)
    if token is None:
        raise UnknownObject(f"no API token {token_id!r}")
    missing = _outranks(actor, token.role)
    if missing:
        raise OutranksActor("the token holds permissions the actor does not", {"name": missing[0]})
    before = snapshot(token)
    if not await api_tokens.revoke(token):
        return None
    return Change("api_token_revoked", OBJECT_TYPE, token.id, before, snapshot(token))
