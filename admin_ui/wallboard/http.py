"""The wallboard page and its server-sent updates.

The page renders the board once; ``/wallboard/stream`` then sends the
board's partial (``wallboard/_board.html``) as an SSE ``board`` event, which
htmx's SSE extension swaps in.  An EventSource asks for
``text/event-stream``; any other client gets one board and the end of the
response.  The first event goes out at once, so a browser that reconnects
(EventSource does so by itself) is resynchronised with the first message.
After that, a call, agent or queue event on the bus is followed by a new
board within ``SETTLE_S``: events arriving together (a call answered moves
a caller, a queue and an agent at once) make one update.  With nothing
happening the board is still sent every ``REFRESH_S``, so times in state
and waits keep counting.

``?big=1`` is the room's TV: full screen, large type, no navigation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from admin_ui.wallboard import view
from admin_ui.web.rendering import render, render_fragment, tenant_of
from hotline.center import ContactCenter
from hotline.metrics.wallboard import Wallboard, wallboard

SETTLE_S: Final = 0.25
REFRESH_S: Final = 5.0
KEEP_ALIVE_S: Final = 15


def _center(request: Request) -> ContactCenter:
    center: ContactCenter = request.app.state.center
    return center


def _zone(request: Request) -> ZoneInfo:
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(settings.site_timezone if settings is not None else "UTC")


async def _board(request: Request) -> Wallboard:
    return await wallboard(_center(request), tenant_of(request), _zone(request), datetime.now(UTC))


async def _board_event(request: Request) -> dict[str, Any]:
    board = view.board_context(await _board(request))
    return {"event": "board", "data": render_fragment(request, view.PARTIAL, board)}


async def _one_board(request: Request) -> AsyncIterator[dict[str, Any]]:
    yield await _board_event(request)


async def board_page(request: Request) -> Response:
    big = request.query_params.get("big") == "1"
    context = view.board_context(await _board(request))
    template = "wallboard/big.html" if big else "wallboard/page.html"
    return render(request, template, {**context, "big": big})


async def board_stream(request: Request) -> Response:
    if "text/event-stream" not in request.headers.get("accept", ""):
        # Not an EventSource (curl, a link checker): one board, then the end.
        return EventSourceResponse(_one_board(request), ping=KEEP_ALIVE_S)
    subscription = _center(request).bus.subscribe({"call", "agent", "queue"})

    async def events() -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await _board_event(request)
                try:
                    await asyncio.wait_for(subscription.get(), timeout=REFRESH_S)
                    await asyncio.sleep(SETTLE_S)
                except TimeoutError:
                    pass
                while not subscription.queue.empty():
                    subscription.queue.get_nowait()
        finally:
            subscription.close()

    return EventSourceResponse(events(), ping=KEEP_ALIVE_S)
