"""The audit log: who changed what, when, from where, before and after."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from admin_ui.web.rendering import current_user
from admin_ui.web.routing import client_ip
from hotline.models import AuditEntry


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
    )
