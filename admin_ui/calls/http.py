"""The calls pages.  Another tenant's call is "not found", before anything
about it is read.

The recording plays in the page's ``<audio>`` element (the browser's own
seek bar) from ``/calls/{id}/recording.wav``, which answers byte ranges so
seeking works.  A listen is audited once, when the player starts from the
beginning (a request without a range, or from byte 0); the range requests a
seek makes are not each a new listen.  ``?download=1`` is a download,
always audited.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from admin_ui.web import audit
from admin_ui.web.ranges import UnsatisfiableRange, parse_range, ranged_response
from admin_ui.web.rendering import app_settings, render, tenant_of
from hotline import calls as calls_service
from hotline.errors import NotFound
from hotline.recordings import services as recordings

LIST_LIMIT: Final = 100


async def call_list(request: Request) -> Response:
    caller = request.query_params.get("caller", "").strip()
    rows = await calls_service.recent_calls(
        LIST_LIMIT, tenant_id=tenant_of(request), caller_id=caller
    )
    return render(request, "calls/list.html", {"calls": rows, "caller": caller})


async def call_page(request: Request) -> Response:
    call_id = request.path_params["call_id"]
    try:
        detail = await calls_service.call_detail(call_id, tenant_id=tenant_of(request))
    except NotFound as missing:
        return render(
            request, "calls/not_found.html", {"message": missing.message}, status_code=404
        )
    row = await recordings.call_recording(app_settings(request).var_dir, call_id)
    recording = None if row is None else recordings.summary(row)
    return render(request, "calls/detail.html", {"call": detail, "recording": recording})


async def call_recording(request: Request) -> Response:
    call_id = request.path_params["call_id"]
    # Another tenant's call is "no call", before anything about its recording.
    await calls_service.call_detail(call_id, tenant_id=tenant_of(request))
    row, data = await recordings.recording_audio(app_settings(request).var_dir, call_id)
    download = request.query_params.get("download") == "1"
    range_header = request.headers.get("range")
    try:
        wanted = parse_range(range_header, len(data))
    except UnsatisfiableRange:
        wanted = None
    if download or wanted is None or wanted.start == 0:
        await audit.record(
            request,
            "recording_downloaded" if download else "recording_played",
            "recording",
            row.id,
            after={"call_id": row.call_id, "caller_id": row.caller_id, "queue": row.queue},
        )
    disposition = "attachment" if download else "inline"
    headers = {
        "Content-Disposition": f'{disposition}; filename="call-recording-{row.id}.wav"',
        "Cache-Control": "no-store",
    }
    return ranged_response(data, None if download else range_header, "audio/wav", headers)
