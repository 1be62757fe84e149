"""/api/v1 for call recordings (bearer token; every listen, download and
removal audited with who and from where).

``GET /calls/{id}`` (admin_ui/api.py) carries the call's ``recording``
summary and, while the file is kept, ``recording_url``: this module's
``/calls/{id}/recording``, which serves the WAV to the same token.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Principal, require
from admin_ui.web import audit
from admin_ui.web.openapi_ops import operation
from admin_ui.web.rendering import app_settings
from admin_ui.web.routing import client_ip
from hotline import calls as calls_service
from hotline.errors import InvalidRequest
from hotline.models_recording import CallRecording
from hotline.recordings import services as recordings
from hotline.recordings.store import STATUS_STORED


async def recording_fields(request: Request, call_id: str) -> dict[str, Any]:
    """What ``GET /calls/{id}`` adds: the recording's state and where its WAV is."""
    row = await recordings.call_recording(app_settings(request).var_dir, call_id)
    url = None
    if row is not None and row.status == STATUS_STORED:
        url = str(request.url_for("call_recording_audio", call_id=call_id))
    return {
        "recording": None if row is None else recordings.summary(row),
        "recording_url": url,
    }


async def call_recording_audio(request: Request) -> Response:
    principal = await require(request, "view")
    call_id = request.path_params["call_id"]
    # Another tenant's call is "no call", before anything about its recording.
    await calls_service.call_detail(call_id, tenant_id=principal.tenant_id)
    row, data = await recordings.recording_audio(app_settings(request).var_dir, call_id)
    download = request.query_params.get("download") in ("1", "true")
    await _audit_access(request, principal, row, "downloaded" if download else "played")
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        media_type="audio/wav",
        headers={
            "Content-Disposition": f'{disposition}; filename="call-recording-{row.id}.wav"',
            "Cache-Control": "no-store",
        },
    )


async def _audit_access(
    request: Request, principal: Principal, row: CallRecording, how: str
) -> None:
    await audit.record(
        request,
        f"recording_{how}",
        "recording",
        row.id,
        after={"call_id": row.call_id, "caller_id": row.caller_id, "queue": row.queue},
        username=principal.name,
        source="api",
        tenant_id=principal.tenant_id,
    )


def _instant(body: dict[str, Any], name: str) -> datetime:
    raw = body.get(name)
    if not isinstance(raw, str) or not raw:
        raise InvalidRequest(f"{name}: an ISO 8601 date-time is required", {"field": name})
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidRequest(
            f"{name}: {raw!r} is not an ISO 8601 date-time", {"field": name}
        ) from exc
    if value.tzinfo is None:
        raise InvalidRequest(f"{name}: give a UTC offset (e.g. Z or +08:00)", {"field": name})
    return value


async def erase_recordings(request: Request) -> Response:
    """POST {caller_id, from, to, dry_run}: a dry run (the default) counts;
    ``dry_run: false`` removes the files, keeping rows and audit rows."""
    principal = await require(request, "edit")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise InvalidRequest("dry_run: true or false", {"field": "dry_run"})
    caller_id = body.get("caller_id")
    if not isinstance(caller_id, str):
        raise InvalidRequest("caller_id: the caller's number is required", {"field": "caller_id"})
    erasure = recordings.ErasureRequest(caller_id, _instant(body, "from"), _instant(body, "to"))
    actor = recordings.Actor(
        principal.name, client_ip(request), "api", tenant_id=principal.tenant_id
    )
    result = await recordings.erase(
        app_settings(request).var_dir,
        erasure,
        tenant_id=principal.tenant_id,
        actor=actor,
        dry_run=dry_run,
    )
    await audit.record(
        request,
        "recordings_erasure_dry_run" if dry_run else "recordings_erased",
        "recording",
        caller_id,
        after=result,
        username=principal.name,
        source="api",
        tenant_id=principal.tenant_id,
    )
    return JSONResponse(result)


ROUTES = [
    Route(
        "/calls/{call_id}/recording",
        call_recording_audio,
        name="call_recording_audio",
    ),
    Route("/recordings/erasure", erase_recordings, methods=["POST"]),
]

_ERASURE = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["caller_id", "from", "to"],
            "properties": {
                "caller_id": {"type": "string"},
                "from": {"type": "string", "format": "date-time"},
                "to": {"type": "string", "format": "date-time"},
                "dry_run": {"type": "boolean", "default": True},
            },
        }
    }
}


_NOT_RECORDED = "no such call, not recorded, or the file is gone"


def _op(summary: str, params: tuple[str, ...] = (), body: Any = None) -> dict[str, Any]:
    return operation(summary, params, body, not_found=_NOT_RECORDED)


OPENAPI_PATHS: dict[str, Any] = {
    "/calls/{call_id}/recording": {
        "get": _op(
            "The call's recording as a WAV (caller left, agent right); ?download=1 as an"
            " attachment. Every access is audited",
            ("call_id",),
        )
    },
    "/recordings/erasure": {
        "post": _op(
            "Erase a caller's recordings in [from, to): a dry run (default) counts them;"
            " dry_run false removes the files and keeps the rows and an audit row per file",
            body=_ERASURE,
        )
    },
}
