"""Callbacks in the database, and their audit rows.

Scheduling, cancelling and listing need no telephony: the desk, the
wallboard and the API reach them here (through ``services``).  Every change
is audited with who asked and from where.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline import audit_trail
from hotline.center import Actor
from hotline.models_callbacks import Callback
from hotline.row_checks import any_row
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
        "kind": callback.kind,
        "priority": callback.priority,
        "place_since": callback.place_since.isoformat() if callback.place_since else None,
        "connected_at": callback.connected_at.isoformat() if callback.connected_at else None,
        "created_at": callback.created_at.isoformat() if callback.created_at else None,
    }


async def audit(actor: Actor, action: str, callback: Callback, **facts: Any) -> None:
    after = {**as_dict(callback), **facts}
    await audit_trail.record(
        actor, action, "callback", str(callback.id), after, tenant_id=callback.tenant_id
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


async def in_states(
    states: tuple[str, ...] | frozenset[str], kind: str = "agent"
) -> list[Callback]:
    """Every tenant's: the restart's recovery (one kind at a time)."""
    return list(await Callback.filter(state__in=tuple(states), kind=kind))


async def open_queue_request(
    tenant_id: int, *, queue: str, number: str, call_id: str | None
) -> Callback | None:
    """A queue callback still to be made for this call, or this number in
    this queue: a second request is the same request (never two call backs)."""
    query = scoped(Callback, tenant_id).filter(kind="queue", state__in=("scheduled", "dialing"))
    by_number = await query.filter(queue=queue, number=number).order_by("id").first()
    if by_number is not None or not call_id:
        return by_number
    return await query.filter(call_id=call_id).order_by("id").first()


async def queue_requests_due(now: datetime) -> list[Callback]:
    """Every tenant's queue callbacks waiting for their turn and due by ``now``."""
    if not await any_row(Callback, kind="queue", state="scheduled"):
        return []  # virtual hold asks every second (hotline/row_checks.py)
    return list(
        await Callback.filter(kind="queue", state="scheduled", due_at__lte=now).order_by(
            "place_since", "id"
        )
    )


async def save_connected(callback: Callback, agent: str, at: datetime) -> None:
    callback.agent = agent
    callback.connected_at = at
    await callback.save(update_fields=["agent", "connected_at", "updated_at"])


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
