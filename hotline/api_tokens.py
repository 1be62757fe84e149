"""API tokens: issued with a role, a scope and an expiry; revoked, never deleted.

- The clear token exists once, in ``issue``'s answer: the database keeps
  its sha256 and its first 8 characters (``prefix``), enough to tell tokens
  apart in a list and useless to guess one (32 random bytes remain hidden).
- A token may do an API action when both its role (``ROLE_ACTIONS``) and
  its scope allow it.  A scope of None is everything its role allows: the
  seeded ``HOTLINE_API_TOKEN`` and tokens made before scopes existed.
- Revoked or expired tokens are refused, each with its own reason.
- ``last_used_at`` is written at most once a minute per token, not on every
  request.

Who may create or revoke which token is the rule of managing them
(``hotline/accounts/api_token_admin.py``); this module has no web dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from tortoise.expressions import Q

from hotline.models import ApiToken
from hotline.tenancy import scoped

# Every API action, in the order the UI lists them.
SCOPES: Final = ("view", "edit", "publish", "agent-control")
# Which roles may do what through the API.
ROLE_ACTIONS: Final[dict[str, frozenset[str]]] = {
    "administrator": frozenset(SCOPES),
    "supervisor": frozenset({"view", "agent-control"}),
    "auditor": frozenset({"view"}),
}
TOKEN_ROLES: Final = tuple(ROLE_ACTIONS)
PREFIX_LENGTH: Final = 8
# A token shorter than this (a hand-set HOTLINE_API_TOKEN) shows no prefix:
# 8 of its characters would be too much of it.
_MIN_LENGTH_FOR_PREFIX: Final = 32
LAST_USED_EVERY: Final = timedelta(minutes=1)
SEED_CREATOR: Final = "seed"

Status = Literal["active", "expired", "revoked"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def prefix_of(token: str) -> str:
    return token[:PREFIX_LENGTH] if len(token) >= _MIN_LENGTH_FOR_PREFIX else ""


def role_actions(role: str) -> frozenset[str]:
    return ROLE_ACTIONS.get(role, frozenset())


def scopes_of(row: ApiToken) -> frozenset[str]:
    """What the token may do: its scope, within what its role allows."""
    allowed = role_actions(row.role)
    if row.scopes is None:
        return allowed
    return allowed & frozenset(str(scope) for scope in row.scopes)


def status_of(row: ApiToken, now: datetime | None = None) -> Status:
    now = now or utcnow()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


def ordered_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = set(scopes)
    return [scope for scope in SCOPES if scope in chosen]


async def issue(
    *,
    name: str,
    role: str,
    scopes: Iterable[str] | None,
    expires_at: datetime | None,
    created_by: str,
    tenant_id: int,
) -> tuple[ApiToken, str]:
    """A new token and its clear value, which is not kept anywhere."""
    if role not in ROLE_ACTIONS:
        raise ValueError(f"unknown token role {role!r}")
    chosen = None if scopes is None else ordered_scopes(scopes)
    if chosen is not None and not set(chosen) <= ROLE_ACTIONS[role]:
        raise ValueError(f"scope {chosen!r} exceeds what role {role!r} may do")
    clear = new_secret()
    row = await ApiToken.create(
        name=name,
        token_sha256=token_digest(clear),
        prefix=prefix_of(clear),
        role=role,
        scopes=chosen,
        expires_at=expires_at,
        created_by=created_by,
        tenant_id=tenant_id,
    )
    return row, clear


async def list_tokens(tenant_id: int) -> list[ApiToken]:
    return list(await scoped(ApiToken, tenant_id).order_by("-created_at", "-id"))


async def get_token(token_id: int, tenant_id: int) -> ApiToken | None:
    return await scoped(ApiToken, tenant_id).get_or_none(id=token_id)


async def revoke(row: ApiToken, now: datetime | None = None) -> bool:
    """Revoke the token; False when it already was (its first revocation stays)."""
    now = now or utcnow()
    changed = await ApiToken.filter(id=row.id, revoked_at__isnull=True).update(revoked_at=now)
    await row.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


async def find(token: str) -> ApiToken | None:
    """The row of a clear token, whatever its status; None for an unknown one."""
    digest = token_digest(token)
    row = await ApiToken.get_or_none(token_sha256=digest)
    # compare_digest keeps the check constant-time once a row is found.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    return row


async def note_use(row: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used, unless that was recorded under a minute ago."""
    now = now or utcnow()
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    # Conditional, so requests racing each other write once between them.
    if await ApiToken.filter(stale, id=row.id).update(last_used_at=now):
        row.last_used_at = now


async def ensure_seeded(name: str, token: str, ttl_days: int = 0) -> ApiToken:
    """The seeded token (``HOTLINE_API_TOKEN``): an administrator token of
    every action, expiring ``ttl_days`` after it was first seeded (0: never).

    A revoked seeded token stays revoked across restarts; a new
    ``HOTLINE_API_TOKEN`` is a new token (the seed retires the old one).
    """
    digest = token_digest(token)
    row = await ApiToken.get_or_none(token_sha256=digest)
    if row is None:
        row = await ApiToken.create(
            name=name,
            token_sha256=digest,
            prefix=prefix_of(token),
            role="administrator",
            scopes=None,
            created_by=SEED_CREATOR,
        )
    expires_at = row.created_at + timedelta(days=ttl_days) if ttl_days > 0 else None
    changed: list[str] = []
    if not row.created_by:  # seeded before tokens recorded their creator
        row.created_by = SEED_CREATOR
        changed.append("created_by")
    if row.prefix != prefix_of(token):
        row.prefix = prefix_of(token)
        changed.append("prefix")
    if row.expires_at != expires_at:
        row.expires_at = expires_at
        changed.append("expires_at")
    if changed:
        await row.save(update_fields=changed)
    return row
