"""Audit rows that features write for an ``Actor``: the user or token, their
address and source.  Some changes happen without a request (a session ends
because its call ended, a callback settles), so features write these rows
themselves, through this one writer; the web writes its own through
``admin_ui/web/audit.py``.  Reading the log is ``audit_log.py``'s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.center import Actor
from hotline.models import AuditEntry


async def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    after: Mapping[str, Any],
    *,
    tenant_id: int | None = None,
) -> None:
    """One row; ``tenant_id`` defaults to the actor's."""
    await AuditEntry.create(
        username=actor.username,
        ip=actor.ip,
        source=actor.source,
        action=action,
        object_type=object_type,
        object_id=object_id,
        after=dict(after),
        tenant_id=actor.tenant_id if tenant_id is None else tenant_id,
    )
