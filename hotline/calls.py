"""Call records: the timeline every call writes, and the queries reports use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline.errors import NotFound
from hotline.models import CallEvent, CallRecord
from hotline.writer import WRITER, BatchableWrite


def utcnow() -> datetime:
    return datetime.now(UTC)


# The timeline is written by the ordered background writer (hotline.writer):
# these functions return at once, readers below flush first.  They stay
# coroutines so callers need not care how a write happens.


async def open_record(
    call_id: str, *, did: str, caller_id: str, tenant_id: int | None, flow_version_id: int | None
) -> None:
    started_at = utcnow()

    async def write(connection: BaseDBAsyncClient) -> None:
        await CallRecord.get_or_create(
            call_id=call_id,
            defaults={
                "did": did,
                "caller_id": caller_id,
                "tenant_id": tenant_id,
                "flow_version_id": flow_version_id,
                "started_at": started_at,
            },
            using_db=connection,
        )

    WRITER.submit(write)
    await add_event(call_id, "entered", did=did, caller_id=caller_id)


async def _insert_events(connection: BaseDBAsyncClient, items: list[object]) -> None:
    events = [item for item in items if isinstance(item, CallEvent)]
    await CallEvent.bulk_create(events, using_db=connection)


def note_event(call_id: str, kind: str, /, **data: Any) -> None:
    """Queue a timeline entry stamped now (for code that cannot await)."""
    event = CallEvent(call_id=call_id, at=utcnow(), kind=kind, data=data)
    WRITER.submit(BatchableWrite("call_event", event, _insert_events))


async def add_event(call_id: str, kind: str, /, **data: Any) -> None:
    note_event(call_id, kind, **data)


async def update_record(call_id: str, **fields: Any) -> None:
    async def write(connection: BaseDBAsyncClient) -> None:
        await CallRecord.filter(call_id=call_id).using_db(connection).update(**fields)

    WRITER.submit(write)


async def close_record(call_id: str, disposition: str) -> None:
    ended_at = utcnow()

    async def write(connection: BaseDBAsyncClient) -> None:
        # Only the first disposition counts: an answered call that later
        # hangs up stays "answered".
        await (
            CallRecord.filter(call_id=call_id, disposition__isnull=True)
            .using_db(connection)
            .update(disposition=disposition)
        )
        await (
            CallRecord.filter(call_id=call_id, ended_at__isnull=True)
            .using_db(connection)
            .update(ended_at=ended_at)
        )

    WRITER.submit(write)
    await add_event(call_id, "ended", disposition=disposition)


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
    }


async def recent_calls(limit: int) -> list[dict[str, Any]]:
    await flush()
    rows = await CallRecord.all().order_by("-started_at").limit(limit)
    return [_record_dict(row) for row in rows]


async def call_detail(call_id: str) -> dict[str, Any]:
    await flush()
    record = await CallRecord.get_or_none(call_id=call_id)
    if record is None:
        raise NotFound(f"no call {call_id!r}")
    events = await CallEvent.filter(call_id=call_id).order_by("id")
    detail = _record_dict(record)
    detail["timeline"] = [
        {"at": event.at.isoformat(), "kind": event.kind, "data": event.data} for event in events
    ]
    return detail
