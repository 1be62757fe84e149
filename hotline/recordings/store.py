"""Where recordings live: rows in ``call_recording``, files under
``var/recordings`` (private to Hotline, like the rest of ``var/``).

The staging copies Asterisk writes (its recording directory) are fetched
through ARI and deleted there, so nothing here depends on sharing a
filesystem with Asterisk.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from hotline.errors import InvalidRequest
from hotline.models_recording import CallRecording

DIRECTORY_NAME: Final = "recordings"

STATUS_RECORDING: Final = "recording"
STATUS_STORED: Final = "stored"
STATUS_FAILED: Final = "failed"
STATUS_MISSING: Final = "missing"
STATUS_PURGED: Final = "purged"
STATUS_ERASED: Final = "erased"


def recordings_dir(var_dir: Path) -> Path:
    return var_dir / DIRECTORY_NAME


def relative_path_for(recording_id: int, started_at: datetime) -> str:
    day = started_at.astimezone(UTC)
    return f"{day:%Y/%m/%d}/call-{recording_id}.wav"


def file_of(var_dir: Path, relative: str) -> Path:
    """The file of a stored path, refusing anything that escapes the directory."""
    root = recordings_dir(var_dir).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise InvalidRequest(f"recording path {relative!r} is outside the recordings directory")
    return path


def write_file(var_dir: Path, relative: str, data: bytes) -> None:
    """Atomically: a half-written file is never served as a recording."""
    path = file_of(var_dir, relative)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def remove_file(var_dir: Path, relative: str) -> bool:
    """True when a file was there to remove."""
    path = file_of(var_dir, relative)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


async def start_row(
    call_id: str,
    *,
    tenant_id: int | None,
    queue: str | None,
    agent_extension: str | None,
    caller_id: str,
) -> CallRecording:
    return await CallRecording.create(
        call_id=call_id,
        tenant_id=tenant_id,
        queue=queue,
        agent_extension=agent_extension,
        caller_id=caller_id[:64],
        started_at=datetime.now(UTC),
        status=STATUS_RECORDING,
    )


async def close_row(row: CallRecording, **final: Any) -> bool:
    """Write a recording's final fields, unless it is no longer "recording".

    The one write that ends a recording is conditional, so that two
    finishers of one row (an adopted conversation's end and a sweep after a
    restart, say) cannot both end it: the later one, which found the staging
    files already fetched and deleted, would turn a stored recording into a
    failed one.  True when this call ended it (and ``row`` now says so).
    """
    ended = await CallRecording.filter(id=row.id, status=STATUS_RECORDING).update(**final)
    if not ended:
        return False
    for name, value in final.items():
        setattr(row, name, value)
    return True


async def unfinished() -> list[CallRecording]:
    return list(await CallRecording.filter(status=STATUS_RECORDING).order_by("id"))
