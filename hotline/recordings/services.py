"""What the pages, the API and the daily purge do with recordings.

Every row stays: a purged or erased recording keeps its row (status, when,
why) and an audit row per removed file, so "this call was recorded" is
never silently forgotten, and a recording whose file vanished says so
("missing") instead of pointing at nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise.expressions import Q

from hotline.errors import InvalidRequest, NotFound
from hotline.models import AuditEntry, Queue
from hotline.models_recording import CallRecording
from hotline.recordings.core import RecordingAudioError, join_sides, retention_cutoff
from hotline.recordings.store import (
    STATUS_ERASED,
    STATUS_FAILED,
    STATUS_MISSING,
    STATUS_PURGED,
    STATUS_STORED,
    close_row,
    file_of,
    relative_path_for,
    remove_file,
    write_file,
)
from hotline.tenancy import home_tenant_id

log = logging.getLogger(__name__)

# Statuses whose row still names a file (or should: "missing").
_WITH_FILE = (STATUS_STORED, STATUS_MISSING)


@dataclass(frozen=True)
class Actor:
    """Who removes recordings, for the audit rows written per file."""

    username: str
    ip: str = ""
    source: str = "system"
    tenant_id: int | None = None


SYSTEM = Actor("system")


async def store_sides(
    var_dir: Path, row: CallRecording, caller_wav: bytes | None, agent_wav: bytes | None
) -> CallRecording:
    """Join the two captured sides into the recording's file and keep it.

    A row that something else has ended meanwhile is left as it is (see
    ``close_row``) and comes back still saying "recording".
    """
    ended_at = datetime.now(UTC)
    try:
        joined = await asyncio.to_thread(join_sides, caller_wav, agent_wav)
    except RecordingAudioError as error:
        if await close_row(
            row, status=STATUS_FAILED, removed_reason=str(error)[:200], ended_at=ended_at
        ):
            log.warning("recording %s of call %s failed: %s", row.id, row.call_id, error)
        return row
    if joined.dropped:
        log.warning(
            "recording %s of call %s kept one side: %s",
            row.id,
            row.call_id,
            "; ".join(joined.dropped),
        )
    relative = relative_path_for(row.id, row.started_at)
    await asyncio.to_thread(write_file, var_dir, relative, joined.wav)
    ended_here = await close_row(
        row,
        file_path=relative,
        status=STATUS_STORED,
        channels=joined.channels,
        duration_s=round(joined.duration_s, 2),
        size_bytes=len(joined.wav),
        ended_at=ended_at,
    )
    if not ended_here:
        # The file's path is the row's own: keep it only if the row, ended
        # by the other finisher, names it (a purged or erased recording's
        # file must not come back).
        current = await CallRecording.get_or_none(id=row.id)
        if current is None or current.status not in _WITH_FILE or current.file_path != relative:
            await asyncio.to_thread(remove_file, var_dir, relative)
    return row


async def latest_for_call(call_id: str) -> CallRecording | None:
    return await CallRecording.filter(call_id=call_id).order_by("-id").first()


async def checked(var_dir: Path, row: CallRecording) -> CallRecording:
    """``row``, marked "missing" if it names a file that is not there."""
    if row.status == STATUS_STORED and row.file_path:
        exists = await asyncio.to_thread(file_of(var_dir, row.file_path).is_file)
        if not exists:
            row.status = STATUS_MISSING
            row.removed_reason = f"the file was not found on {datetime.now(UTC).isoformat()}"
            await row.save(update_fields=["status", "removed_reason"])
            log.warning("recording %s of call %s: file missing", row.id, row.call_id)
    return row


def summary(row: CallRecording) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": row.id,
        "status": row.status,
        "available": row.status == STATUS_STORED,
        "duration_s": row.duration_s,
        "size_bytes": row.size_bytes,
        "channels": row.channels,
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
        "removed_at": iso(row.removed_at),
        "removed_reason": row.removed_reason or None,
    }


async def call_recording(var_dir: Path, call_id: str) -> CallRecording | None:
    """The call's recording, checked against its file; None if never recorded."""
    row = await latest_for_call(call_id)
    return None if row is None else await checked(var_dir, row)


async def recording_audio(var_dir: Path, call_id: str) -> tuple[CallRecording, bytes]:
    """The WAV of a call the caller of this function may see (checked by them)."""
    row = await call_recording(var_dir, call_id)
    if row is None:
        raise NotFound(f"call {call_id!r} was not recorded")
    if row.status != STATUS_STORED or not row.file_path:
        detail = f": {row.removed_reason}" if row.removed_reason else ""
        raise NotFound(f"the recording of call {call_id!r} is {row.status}{detail}")
    data = await asyncio.to_thread(file_of(var_dir, row.file_path).read_bytes)
    return row, data


async def _remove(
    var_dir: Path, row: CallRecording, status: str, reason: str, actor: Actor
) -> None:
    relative = row.file_path
    removed = False
    if relative:
        removed = await asyncio.to_thread(remove_file, var_dir, relative)
    row.status = status
    row.file_path = None
    row.removed_at = datetime.now(UTC)
    row.removed_reason = reason[:200]
    await row.save(update_fields=["status", "file_path", "removed_at", "removed_reason"])
    await AuditEntry.create(
        username=actor.username,
        ip=actor.ip,
        source=actor.source,
        action=f"recording_{status}",
        object_type="recording",
        object_id=str(row.id),
        before={"call_id": row.call_id, "file": relative, "file_present": removed},
        after={"status": status, "reason": row.removed_reason},
        tenant_id=actor.tenant_id if actor.tenant_id is not None else row.tenant_id,
    )


async def purge_expired(var_dir: Path, now: datetime) -> int:
    """Remove recordings older than their queue's retention; returns how many."""
    purged = 0
    for queue in await Queue.filter(recording_retention_days__isnull=False):
        cutoff = retention_cutoff(now, queue.recording_retention_days)
        if cutoff is None:
            continue
        expired = await CallRecording.filter(
            queue=queue.name, status__in=_WITH_FILE, started_at__lt=cutoff
        ).order_by("id")
        for row in expired:
            reason = f"older than queue {queue.name}'s {queue.recording_retention_days} days"
            await _remove(var_dir, row, STATUS_PURGED, reason, SYSTEM)
            purged += 1
    return purged


@dataclass(frozen=True)
class ErasureRequest:
    caller_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not self.caller_id.strip():
            raise InvalidRequest("caller_id: the caller's number is required")
        if self.end <= self.start:
            raise InvalidRequest("to: the end of the range must come after its start")


async def _erasable(request: ErasureRequest, tenant_id: int) -> list[CallRecording]:
    tenants = Q(tenant_id=tenant_id)
    if tenant_id == await home_tenant_id():
        tenants |= Q(tenant_id=None)
    return list(
        await CallRecording.filter(
            tenants,
            caller_id=request.caller_id.strip(),
            status__in=_WITH_FILE,
            started_at__gte=request.start,
            started_at__lt=request.end,
        ).order_by("id")
    )


async def erase(
    var_dir: Path, request: ErasureRequest, *, tenant_id: int, actor: Actor, dry_run: bool
) -> dict[str, Any]:
    """Erase a caller's recordings in a date range (a dry run only counts)."""
    rows = await _erasable(request, tenant_id)
    result: dict[str, Any] = {
        "caller_id": request.caller_id.strip(),
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "dry_run": dry_run,
        "matching": len(rows),
        "recording_ids": [row.id for row in rows],
        "erased": 0,
    }
    if dry_run:
        return result
    for row in rows:
        await _remove(var_dir, row, STATUS_ERASED, f"erasure requested by {actor.username}", actor)
    result["erased"] = len(rows)
    return result
