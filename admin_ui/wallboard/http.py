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
from admin_ui.web import audit
from admin_ui.web.rendering import is_htmx, language_of, render, render_fragment, tenant_of
from hotline.center import ContactCenter
from hotline.errors import HotlineError, InvalidRequest
from hotline.live_status import agent_statuses, check_agent
from hotline.metrics.wallboard import Wallboard, wallboard
from hotline.pause_reasons import active_reasons, reason_for_pause

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
    if not big:
        context.update(await _control_context(request))
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


# -- supervisor control: force an agent's state, with a reason (audited) --------------
FORCED_ACTIONS: Final = ("logout", "pause")
CONTROL_PARTIAL: Final = "wallboard/_control.html"


async def _control_context(request: Request) -> dict[str, Any]:
    tenant = tenant_of(request)
    reasons = [(r.code, r.label(language_of(request))) for r in await active_reasons(tenant)]
    agents = sorted(await agent_statuses(_center(request), tenant), key=lambda a: a["extension"])
    return {
        "control_agents": agents,
        "control_reasons": reasons,
        "control_error": None,
        "control_done": None,
    }


async def force_agent_state(request: Request) -> Response:
    """A supervisor logs an agent out or makes them not ready, with a reason."""
    form = await request.form()
    extension = str(form.get("extension", ""))
    action = str(form.get("action", ""))
    reason = str(form.get("reason", "")).strip()
    error: str | None = None
    result: dict[str, Any] | None = None
    try:
        if action not in FORCED_ACTIONS:
            raise InvalidRequest(f"action: one of {list(FORCED_ACTIONS)}", {"field": "action"})
        if not reason:
            raise InvalidRequest("reason: say why (it goes in the audit log)", {"field": "reason"})
        await check_agent(tenant_of(request), extension)
        pause_reason = await reason_for_pause(extension, reason) if action == "pause" else None
        before = _center(request).agent_status(extension)
        result = await _center(request).agent_action(extension, action, pause_reason)
        await audit.record(
            request,
            f"agent_forced_{action}",
            "agent",
            extension,
            before={"state": (before or {}).get("state"), "reason": (before or {}).get("reason")},
            after={"state": result.get("state"), "reason": result.get("reason"), "why": reason},
        )
    except HotlineError as refused:
        error = refused.message
    context = await _control_context(request)
    context["control_error"] = error
    context["control_done"] = None if error else {"extension": extension, "action": action}
    return render(
        request, CONTROL_PARTIAL, context, status_code=200 if is_htmx(request) or not error else 400
    )
