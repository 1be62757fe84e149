"""Monitoring's audit rows: every start, mode change and stop, with who and from where.

A session can end without a request (the supervisor hangs up, the call
ends), so the rows are written here, with the user and address of whoever
started or stopped it, rather than by the web layer alone.
"""

from __future__ import annotations

from typing import Any

from hotline import audit_trail
from hotline.center import Actor


async def audit(actor: Actor, action: str, session_id: str, after: dict[str, Any]) -> None:
    await audit_trail.record(actor, action, "monitoring", session_id, after)
