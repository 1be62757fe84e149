"""Callbacks in the database, and their audit rows.

Scheduling, cancelling and listing need no telephony: the desk, the
wallboard and the API reach them here (through ``services``).  Every change
is audited with who asked and from where.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.center import Actor
from hotline.models import AuditEntry
from hotline.models_callbacks import Callback
from hotline.tenancy import scoped


def as_dict(callback: Callback) -> dict[str, Any]:
    return {
        "id": callback.id,
        "number": callback.number,
        "call_id": callback.call_id,
        "queue": callback.queue,
        "agent": callback.agent,
        "due_at": callback.due_at.isoformat(),
        "notes": callback.notes,
        "state": callback.state,
        "attempts": callback.attempts,
        "last_result": callback.last_result,
        "created_by": callback.created_by,
    }


async def audit(actor: Actor, action: str, callback: Callback, **facts: Any) -> None:
    await AuditEntry.create(
        username=actor.username,
        ip=actor.ip,
        source=actor.source,
        action=action,
        object_type="callback",
        object_id=str(callback.id),
        after={**as_dict(callback), **facts},
        tenant_id=callback.tenant_id,
    )


async def get(tenant_id: int, callback_id: int) -> Callback | None:
    return await scoped(Callback, tenant_id).get_or_none(id=callback_id)


async def listed(
    tenant_id: int, *, agent: str | None = None, states: tuple[str, ...] = ()
) -> list[Callback]:
    query = scoped(Callback, tenant_id)
    if agent is not None:
        query = query.filter(agent=agent)
    if states:
        query = query.filter(state__in=states)
    return list(await query.order_by("due_at", "id"))


async def in_states(states: tuple[str, ...] | frozenset[str]) -> list[Callback]:
    """Every tenant's: the restart's recovery."""
    return list(await Callback.filter(state__in=tuple(states)))


async def save_state(
    callback: Callback, state: str, attempts: int, result: str, due_at: datetime | None = None
) -> None:
    callback.state = state
    callback.attempts = attempts
    callback.last_result = result
    fields = ["state", "attempts", "last_result", "updated_at"]
    if due_at is not None:
        callback.due_at = due_at
        fields.append("due_at")
    await callback.save(update_fields=fields)
