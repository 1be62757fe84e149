"""Callbacks (回拨): schedule, cancel and list them, audited.

No telephony here: the desk and the API schedule and list through these use
cases; placing one (``stasis.CallbackDialer``) is the adapter's, reached
through the kernel's ``ContactCenter.place_callback``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ari_apps.callbacks import core, store
from hotline import dial_policy
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models import Agent, Queue
from hotline.models_callbacks import Callback
from hotline.tenancy import scoped

MAX_NOTES: Final = 2000
MAX_PRIORITY: Final = 1000

# -- scheduling (no telephony) -------------------------------------------------------


def checked_number(value: str, rules: dial_policy.DialRules) -> str:
    number = "".join(value.split())
    refusal = dial_policy.check_number(number, rules)
    if refusal is not None:
        raise InvalidRequest(
            f"number: {number or '(empty)'} cannot be dialled ({refusal.reason})",
            {"field": "number"},
        )
    return number


async def agent_of(tenant_id: int, extension: str) -> Agent:
    agent = await scoped(Agent, tenant_id).get_or_none(extension=extension)
    if agent is None:
        raise InvalidRequest(f"agent: no agent {extension!r}", {"field": "agent"})
    return agent


async def schedule(
    tenant_id: int,
    actor: Actor,
    rules: dial_policy.DialRules,
    *,
    number: str,
    agent: str,
    due_at: datetime,
    notes: str = "",
    call_id: str | None = None,
    queue: str | None = None,
) -> dict[str, Any]:
    """A callback for ``agent`` to place at ``due_at``; audited."""
    checked = checked_number(number, rules)
    await agent_of(tenant_id, agent)
    if due_at.tzinfo is None:
        raise InvalidRequest("due_at: give a time zone (ISO 8601 with offset)", {"field": "due_at"})
    if len(notes) > MAX_NOTES:
        raise InvalidRequest(f"notes: at most {MAX_NOTES} characters", {"field": "notes"})
    callback = await Callback.create(
        tenant_id=tenant_id,
        number=checked,
        agent=agent,
        due_at=due_at.astimezone(UTC),
        notes=notes,
        call_id=call_id or None,
        queue=queue or None,
        created_by=actor.username,
    )
    await store.audit(actor, "callback_scheduled", callback)
    return store.as_dict(callback)


async def request_queue_callback(
    tenant_id: int,
    actor: Actor,
    rules: dial_policy.DialRules,
    *,
    number: str,
    queue: str,
    priority: int = 0,
    place_since: datetime | None = None,
    due_at: datetime | None = None,
    call_id: str | None = None,
    notes: str = "",
) -> dict[str, Any]:
    """A call back that keeps a place in ``queue`` (virtual hold); audited.

    From a queued caller (``place_since``: their arrival), or from the web or
    API for a time (``due_at``; the place is then that time).  A second
    request for the same call, or the same number in the same queue while
    the first is open, is the first one: a caller never gets two call backs.
    """
    checked = checked_number(number, rules)
    if not await scoped(Queue, tenant_id).filter(name=queue).exists():
        raise InvalidRequest(f"queue: no queue {queue!r}", {"field": "queue"})
    for name, moment in (("due_at", due_at), ("place_since", place_since)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidRequest(
                f"{name}: give a time zone (ISO 8601 with offset)", {"field": name}
            )
    if not 0 <= priority <= MAX_PRIORITY:
        raise InvalidRequest(f"priority: between 0 and {MAX_PRIORITY}", {"field": "priority"})
    if len(notes) > MAX_NOTES:
        raise InvalidRequest(f"notes: at most {MAX_NOTES} characters", {"field": "notes"})
    existing = await store.open_queue_request(
        tenant_id, queue=queue, number=checked, call_id=call_id
    )
    if existing is not None:
        return store.as_dict(existing)
    due = (due_at or datetime.now(UTC)).astimezone(UTC)
    callback = await Callback.create(
        tenant_id=tenant_id,
        kind=core.KIND_QUEUE,
        number=checked,
        agent="",
        queue=queue,
        priority=priority,
        place_since=(place_since or due).astimezone(UTC),
        due_at=due,
        notes=notes,
        call_id=call_id or None,
        created_by=actor.username,
    )
    await store.audit(actor, "callback_requested", callback)
    return store.as_dict(callback)


async def cancel(tenant_id: int, callback_id: int, actor: Actor) -> dict[str, Any]:
    callback = await get(tenant_id, callback_id)
    if not core.takes(callback.state, core.CANCEL):
        raise InvalidRequest(
            f"callback: {callback_id} is {callback.state} and cannot be cancelled",
            {"field": "callback"},
        )
    state, attempts = core.after(callback.state, core.CANCEL, callback.attempts)
    await store.save_state(callback, state, attempts, "cancelled")
    await store.audit(actor, "callback_cancelled", callback)
    return store.as_dict(callback)


async def listed(
    tenant_id: int, *, agent: str | None = None, open_only: bool = False
) -> list[dict[str, Any]]:
    states = tuple(s for s in core.STATES if s not in core.FINAL or s == core.FAILED)
    rows = await store.listed(tenant_id, agent=agent, states=states if open_only else ())
    return [store.as_dict(row) for row in rows]


async def in_progress(tenant_id: int, agent: str) -> dict[str, Any] | None:
    """The callback the agent's phone is placing now, if any (the desk shows it)."""
    rows = await store.listed(tenant_id, agent=agent, states=tuple(core.IN_PROGRESS))
    return store.as_dict(rows[-1]) if rows else None


async def get(tenant_id: int, callback_id: int) -> Callback:
    callback = await store.get(tenant_id, callback_id)
    if callback is None:
        raise NotFound(f"no callback {callback_id}")
    return callback


def due_soon(rows: list[dict[str, Any]], now: datetime, within: timedelta) -> list[dict[str, Any]]:
    """The scheduled rows due before ``now + within`` (the desk highlights them)."""
    limit = now + within
    return [
        row
        for row in rows
        if row["state"] == core.SCHEDULED and datetime.fromisoformat(row["due_at"]) <= limit
    ]
