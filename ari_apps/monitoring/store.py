"""Monitoring's audit rows: every start, mode change and stop, with who and from where.

A session can end without a request (the supervisor hangs up, the call
ends), so the rows are written here, with the user and address of whoever
started or stopped it, rather than by the web layer alone.
"""

from __future__ import annotations

from typing import Any

from hotline.center import Actor
from hotline.models import AuditEntry


async def audit(actor: Actor, action: str, session_id: str, after: dict[str, Any]) -> None:
    await AuditEntry.create(
        username=actor.username,
        ip=actor.ip,
        source=actor.source,
        action=action,
        object_type="monitoring",
        object_id=session_id,
        after=after,
        tenant_id=actor.tenant_id,
    )
