"""What the ACD keeps in the database: its configuration (queues, agents,
memberships) read at start and on reload, and the rows that let a restart
give every caller their place back (waiting and connected calls) and every
agent their login and pause.

Rows go through the background writer (``hotline/writer.py``); the ACD's
rows for a call are written under the call's own name so the writer keeps
them in order with the call's timeline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ari_apps.acd.commands import AGENT_LOGGED_OUT, AGENT_NOT_READY, AGENT_READY, NOT_READY_AT_LOGIN
from ari_apps.acd.config import AgentConfig, OverflowTarget, QueueConfig
from hotline import calls
from hotline.models import Agent, CallRecord, Queue, QueueMember
from hotline.writer import WRITER, Statement, delete_statement, update_statement, upsert_statement


def queue_config(row: Queue) -> QueueConfig:
    overflow = (
        OverflowTarget(row.overflow_kind, row.overflow_target)
        if row.overflow_kind and row.overflow_target
        else None
    )
    return QueueConfig(
        name=row.name,
        strategy=row.strategy,
        ring_timeout_s=float(row.ring_timeout_s),
        wrapup_s=float(row.wrapup_s),
        max_wait_s=float(row.max_wait_s) if row.max_wait_s else None,
        overflow=overflow,
        join_empty=row.join_empty,
        leave_empty=row.leave_empty,
        announce_position_every_s=float(row.announce_every_s) if row.announce_every_s else None,
        announce_ewt=row.announce_ewt,
        moh_class=row.moh_class,
        required_skills=dict(row.required_skills or {}),
        max_misses_before_not_ready=row.max_misses,
        vip_caller_ids=frozenset(row.vip_caller_ids or ()),
        vip_priority=row.vip_priority,
        familiar_agent_s=float(row.familiar_agent_s),
    )


async def load_acd_config() -> tuple[list[QueueConfig], list[AgentConfig], list[Agent]]:
    queues = await Queue.all().order_by("id")
    agents = await Agent.all().order_by("id")
    memberships: dict[int, list[str]] = {}
    for member in await QueueMember.all().prefetch_related("queue"):
        memberships.setdefault(member.agent_id, []).append(member.queue.name)  # type: ignore[attr-defined]
    agent_configs = [
        AgentConfig(
            agent_id=agent.extension,
            extension=agent.extension,
            skills=dict(agent.skills or {}),
            queues=tuple(memberships.get(agent.id, ())),
        )
        for agent in agents
    ]
    return [queue_config(q) for q in queues], agent_configs, list(agents)


# How far back a caller's last agent is looked for ("familiar agent").
FAMILIAR_LOOKBACK: Final = timedelta(days=90)


async def last_agent_of(caller_id: str, queue: str) -> str | None:
    """The agent who last answered ``caller_id`` in ``queue`` (90 days back)."""
    record = (
        await CallRecord.filter(
            caller_id=caller_id,
            queue=queue,
            agent_extension__isnull=False,
            answered_at__gte=datetime.now(UTC) - FAMILIAR_LOOKBACK,
        )
        .order_by("-answered_at")
        .only("agent_extension")
        .first()
    )
    return None if record is None else record.agent_extension


def upsert_waiting(call_id: str, row: dict[str, Any]) -> Statement:
    return upsert_statement(
        "waiting_caller", "call_id", call_id, row, about=calls.call_row(call_id)
    )


def upsert_connected(call_id: str, row: dict[str, Any]) -> Statement:
    return upsert_statement(
        "connected_call", "call_id", call_id, row, about=calls.call_row(call_id)
    )


def delete_waiting(call_id: str) -> Statement:
    return delete_statement("waiting_caller", "call_id", call_id, about=calls.call_row(call_id))


def delete_connected(call_id: str) -> Statement:
    return delete_statement("connected_call", "call_id", call_id, about=calls.call_row(call_id))


def agent_update(agent_id: str, values: dict[str, Any]) -> Statement:
    return update_statement("agent", "extension", agent_id, values, about=f"agent:{agent_id}")


def persist_agent_state(
    agent_id: str, state: str, reason: str | None, persisted: dict[str, dict[str, Any]]
) -> None:
    """Queue the agent's own choices for the database, in order.

    Only those persist; ringing, on_call and wrap_up are transient and must
    not erase a pause requested during a call.
    """
    if state == AGENT_LOGGED_OUT:
        values: dict[str, Any] = {"logged_in": False, "paused": False}
    elif state == AGENT_READY:
        values = {"logged_in": True, "paused": False, "pause_reason": ""}
    elif state == AGENT_NOT_READY and reason != NOT_READY_AT_LOGIN:
        values = {"logged_in": True, "paused": True, "pause_reason": reason or "paused"}
    else:
        return
    if persisted.get(agent_id) == values:
        return
    persisted[agent_id] = values

    WRITER.submit(agent_update(agent_id, values), urgent=True)


_LOG_AGENT_STATE = (
    'INSERT INTO "agent_state_log" ("agent", "state", "reason", "at") VALUES (?, ?, ?, ?)'
)


def log_agent_state(agent_id: str, state: str, reason: str | None, at: datetime) -> None:
    """Queue one row of the agent's state log (time in state, occupancy: hotline/metrics).

    Every change is logged, transient ones too (ringing, on call, wrap-up):
    the figures need them all.  Not urgent: a ``kill -9`` may lose the last
    50 ms of the log, never who is logged in (``persist_agent_state``).
    """
    params = (agent_id, state, reason or "", at)
    WRITER.submit(Statement(_LOG_AGENT_STATE, params, f"agent:{agent_id}"))
