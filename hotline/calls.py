"""Call records: the timeline every call writes, and the queries reports use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from hotline.errors import NotFound
from hotline.models import CallEvent, CallRecord
from hotline.tenancy import home_tenant_id, scoped
from hotline.writer import WRITER, Statement, update_statement


def utcnow() -> datetime:
    return datetime.now(UTC)


# The timeline is written by the ordered background writer (hotline.writer)
# as plain SQL: these functions return at once, readers below flush first.
# They stay coroutines so callers need not care how a write happens.  Every
# statement about a call names the row "call:<id>", so a call's record is
# written before its timeline (call_event references call_record).

_OPEN_RECORD = (
    'INSERT INTO "call_record" ("call_id", "did", "caller_id", "tenant_id", "flow_version_id",'
    ' "started_at") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ("call_id") DO NOTHING'
)
_INSERT_EVENT = 'INSERT INTO "call_event" ("call_id", "at", "kind", "data") VALUES (?, ?, ?, ?)'
# Only the first disposition and end time count: an answered call that later
# hangs up stays "answered".
_CLOSE_RECORD = (
    'UPDATE "call_record" SET "disposition" = COALESCE("disposition", ?),'
    ' "ended_at" = COALESCE("ended_at", ?) WHERE "call_id" = ?'
)


def call_row(call_id: str) -> str:
    """The writer's name for everything written about one call."""
    return f"call:{call_id}"


async def open_record(
    call_id: str, *, did: str, caller_id: str, tenant_id: int | None, flow_version_id: int | None
) -> None:
    params = (call_id, did, caller_id, tenant_id, flow_version_id, utcnow())
    WRITER.submit(Statement(_OPEN_RECORD, params, call_row(call_id)))
    await add_event(call_id, "entered", did=did, caller_id=caller_id)


def note_event(call_id: str, kind: str, /, **data: Any) -> None:
    """Queue a timeline entry stamped now (for code that cannot await)."""
    params = (call_id, utcnow(), kind, orjson.dumps(data).decode())
    WRITER.submit(Statement(_INSERT_EVENT, params, call_row(call_id)))


async def add_event(call_id: str, kind: str, /, **data: Any) -> None:
    note_event(call_id, kind, **data)


async def update_record(call_id: str, **fields: Any) -> None:
    unknown = set(fields) - CallRecord._meta.db_fields
    if unknown:
        raise ValueError(f"call_record has no column(s) {sorted(unknown)}")
    WRITER.submit(
        update_statement("call_record", "call_id", call_id, fields, about=call_row(call_id))
    )


async def close_record(call_id: str, disposition: str) -> None:
    WRITER.submit(Statement(_CLOSE_RECORD, (disposition, utcnow(), call_id), call_row(call_id)))
    await add_event(call_id, "ended", disposition=disposition)


async def is_closed(call_id: str) -> bool:
    """Whether the call's record has its end already (its first close counts)."""
    await flush()
    return await CallRecord.filter(call_id=call_id, ended_at__isnull=False).exists()


async def flush() -> None:
    """Wait until every timeline write submitted so far is committed."""
    await WRITER.flush()


def _record_dict(record: CallRecord) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "call_id": record.call_id,
        "did": record.did,
        "caller_id": record.caller_id,
        "flow_version_id": record.flow_version_id,
        "queue": record.queue,
        "agent": record.agent_extension,
        "started_at": iso(record.started_at),
        "answered_at": iso(record.answered_at),
        "ended_at": iso(record.ended_at),
        "disposition": record.disposition,
        "agent_disposition": record.agent_disposition,
        "agent_notes": record.agent_notes,
    }


async def _records_of(tenant_id: int) -> QuerySet[CallRecord]:
    """The call records ``tenant_id`` may read.

    A call entering through a DID records the tenant of the DID's flow, and a
    test call from the flow editor the tenant of the flow it tests.  Some
    records carry no tenant (NULL): direct service calls, which run no flow
    (fax DIDs, feature codes, voicemail access on 8500), and test calls
    recorded before test calls carried their flow's tenant.  The numbers of
    those services are wired in the installation's dialplan, which is the
    home tenant's (the one the seed, the CLI and upgrades work in), so a NULL
    tenant reads as the home tenant's: its users see these calls as before,
    and no other tenant ever does.
    """
    rows = scoped(CallRecord, tenant_id)
    if tenant_id == await home_tenant_id():
        rows = CallRecord.filter(Q(tenant_id=tenant_id) | Q(tenant_id=None))
    return rows


async def recent_calls(limit: int, *, tenant_id: int, caller_id: str = "") -> list[dict[str, Any]]:
    """The tenant's latest calls, newest first; only ``caller_id``'s if given."""
    await flush()
    records = await _records_of(tenant_id)
    if caller_id:
        records = records.filter(caller_id=caller_id)
    rows = await records.order_by("-started_at").limit(limit)
    return [_record_dict(row) for row in rows]


async def call_detail(call_id: str, *, tenant_id: int) -> dict[str, Any]:
    """A call of the tenant with its timeline; another tenant's is "no call"."""
    await flush()
    records = await _records_of(tenant_id)
    record = await records.get_or_none(call_id=call_id)
    if record is None:
        raise NotFound(f"no call {call_id!r}")
    events = await CallEvent.filter(call=record).order_by("id")
    detail = _record_dict(record)
    detail["timeline"] = [
        {"at": event.at.isoformat(), "kind": event.kind, "data": event.data} for event in events
    ]
    return detail


async def previous_calls(
    caller_id: str, *, tenant_id: int, before_call: str, limit: int = 5
) -> list[dict[str, Any]]:
    """The caller's earlier calls, newest first (the agent desk's history)."""
    if not caller_id:
        return []
    await flush()
    records = await _records_of(tenant_id)
    rows = (
        await records.filter(caller_id=caller_id)
        .exclude(call_id=before_call)
        .order_by("-started_at")
        .limit(limit)
    )
    return [_record_dict(row) for row in rows]


async def joined_queue_at(call_id: str) -> datetime | None:
    """When the call first joined a queue (its wait starts there), if it did."""
    await flush()
    event = await CallEvent.filter(call_id=call_id, kind="queue_joined").order_by("id").first()
    return event.at if event is not None else None


async def answered_at(call_id: str) -> datetime | None:
    await flush()
    record = await CallRecord.get_or_none(call_id=call_id)
    return record.answered_at if record is not None else None
