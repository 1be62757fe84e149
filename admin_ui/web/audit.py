"""The audit log: who changed what, when, from where, before and after.

Each row records the tenant whose user or API token acted
(``AuditEntry.tenant_id``), so each tenant reads its own log only
(``hotline/audit_log.py``).  :func:`record` takes it from the request:
the signed-in UI user (``request.state.user``) or the API token's principal
(``request.state.api_principal``, set by ``admin_ui.auth.authenticate``); a
caller that knows better (sign-in, where nobody is signed in yet) passes
``tenant_id``.  A row of no tenant (NULL) counts as the home tenant's.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.requests import Request

from admin_ui.web.rendering import current_user
from admin_ui.web.routing import client_ip
from hotline.models import AuditEntry, User


def tenant_of(request: Request) -> int | None:
    """The tenant acting in ``request``: the UI user's or the API token's; None if neither."""
    user = current_user(request)
    if user is not None:
        return user.tenant_id
    principal = getattr(request.state, "api_principal", None)
    tenant_id = getattr(principal, "tenant_id", None)
    return tenant_id if isinstance(tenant_id, int) and tenant_id > 0 else None


async def tenant_of_username(username: str) -> int | None:
    """The tenant of the user called ``username`` (e.g. a sign-in); None if there is none."""
    if not username:
        return None
    user = await User.get_or_none(username=username)
    return user.tenant_id if user is not None else None


async def record(
    request: Request,
    action: str,
    object_type: str,
    object_id: str | int = "",
    *,
    before: Any = None,
    after: Any = None,
    username: str | None = None,
    source: str = "ui",
    tenant_id: int | None = None,
) -> AuditEntry:
    user = current_user(request)
    return await AuditEntry.create(
        username=username or (user.username if user else "anonymous"),
        ip=client_ip(request),
        source=source,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        tenant_id=tenant_id if tenant_id is not None else tenant_of(request),
    )


class AuditedChange(Protocol):
    """One change as a service describes it (``hotline.accounts.changes.Change``)."""

    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str: ...
    @property
    def object_id(self) -> int: ...
    @property
    def before(self) -> dict[str, Any] | None: ...
    @property
    def after(self) -> dict[str, Any] | None: ...


async def record_change(request: Request, change: AuditedChange) -> AuditEntry:
    """:func:`record` for a change a service returned."""
    return await record(
        request,
        change.action,
        change.object_type,
        change.object_id,
        before=change.before,
        after=change.after,
    )
