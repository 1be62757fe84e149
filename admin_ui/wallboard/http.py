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
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from admin_ui.wallboard import view
from admin_ui.web import audit
from admin_ui.web.rendering import (
    current_user,
    is_htmx,
    language_of,
    render,
    render_fragment,
    tenant_of,
)
from admin_ui.web.requests import ui_actor
from hotline.cases import notices
from hotline.center import ContactCenter
from hotline.desk import browser_phone_of
from hotline.errors import HotlineError, InvalidRequest, NotFound
from hotline.live_status import agent_statuses, check_agent
from hotline.metrics.wallboard import Wallboard, wallboard
from hotline.pause_reasons import active_reasons, reason_for_pause

# The monitoring modes, as ari_apps.monitoring.core names them (the web
# does not import the ARI side; the center refuses any other).
MONITOR_MODES: Final = ("listen", "whisper", "barge")
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
        context.update(await _monitor_context(request))
        context.update(await _callback_context(request))
        context["browser_phone_extension"] = await _browser_phone(request)
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


# -- call back an abandoned caller from a chosen agent's phone ----------------------
CALLBACK_PARTIAL: Final = "wallboard/_callback.html"
_CALLBACK_FROM_STATES: Final = frozenset({"ready", "not_ready"})


async def _callback_context(request: Request) -> dict[str, Any]:
    board = view.board_context(await _board(request))
    agents = sorted(
        await agent_statuses(_center(request), tenant_of(request)), key=lambda a: a["extension"]
    )
    return {
        "callback_calls": [call for call in board["abandoned"] if call["caller"] != "–"],
        "callback_agents": [a for a in agents if a["state"] in _CALLBACK_FROM_STATES],
        "callback_error": None,
        "callback_done": None,
    }


async def callback_panel(request: Request) -> Response:
    return render(request, CALLBACK_PARTIAL, await _callback_context(request))


async def call_back(request: Request) -> Response:
    """Ring the chosen agent's phone, then the abandoned caller (audited as
    callback_scheduled and callback_placed)."""
    form = await request.form()
    call_id = str(form.get("call_id", ""))
    agent = str(form.get("agent", ""))
    error: str | None = None
    done: dict[str, Any] | None = None
    try:
        board = await _board(request)
        call = next((c for c in board.abandoned if c.call_id == call_id), None)
        if call is None or not call.caller:
            raise InvalidRequest(
                "call_id: not one of today's abandoned calls with a number", {"field": "call_id"}
            )
        await check_agent(tenant_of(request), agent)
        done = await _center(request).call_back_now(
            tenant_of(request),
            call.caller,
            agent,
            ui_actor(request),
            call_id=call.call_id,
            queue=call.queue,
        )
    except HotlineError as refused:
        error = refused.message
    context = await _callback_context(request)
    context["callback_error"] = error
    context["callback_done"] = done
    return render(
        request,
        CALLBACK_PARTIAL,
        context,
        status_code=200 if is_htmx(request) or not error else 400,
    )


# -- monitoring: listen, whisper and barge on the supervisor's own phone -------------
MONITOR_PARTIAL: Final = "wallboard/_monitor.html"


async def _browser_phone(request: Request) -> str | None:
    """A supervisor whose own extension is a browser phone takes monitoring
    calls in this page (the desk's phone, the same credentials route)."""
    user = current_user(request)
    if user is None or not (user.can("desk:edit") and user.can("monitoring:edit")):
        return None
    return await browser_phone_of(user.phone_extension, tenant_of(request))


async def _monitor_context(request: Request) -> dict[str, Any]:
    """The agents one may listen to (on a call, of this tenant) and the
    sessions now.  Not part of the SSE board, like the control form."""
    center = _center(request)
    tenant = tenant_of(request)
    agents = await agent_statuses(center, tenant)
    visible = {agent["extension"] for agent in agents}
    user = current_user(request)
    return {
        "monitor_agents": sorted(a["extension"] for a in agents if a["state"] == "on_call"),
        "monitor_sessions": [s for s in center.monitoring_sessions() if s["agent"] in visible],
        "monitor_modes": MONITOR_MODES,
        "monitor_phone": (user.phone_extension if user is not None else None) or "",
        "monitor_error": None,
    }


async def monitor_panel(request: Request) -> Response:
    return render(request, MONITOR_PARTIAL, await _monitor_context(request))


async def start_monitoring(request: Request) -> Response:
    """Ring the signed-in supervisor's own phone and join it to an agent's call."""
    form = await request.form()
    agent = str(form.get("agent", ""))
    mode = str(form.get("mode", ""))
    user = current_user(request)
    phone = (user.phone_extension if user is not None else None) or ""

    async def act() -> None:
        await check_agent(tenant_of(request), agent)
        await _center(request).start_monitoring(agent, phone, mode, ui_actor(request))

    return await _monitor_result(request, act)


async def change_monitoring(request: Request) -> Response:
    form = await request.form()
    session_id = request.path_params["session_id"]

    async def act() -> None:
        await _own_session(request, session_id)
        await _center(request).change_monitoring(
            session_id, str(form.get("mode", "")), ui_actor(request)
        )

    return await _monitor_result(request, act)


async def stop_monitoring(request: Request) -> Response:
    session_id = request.path_params["session_id"]

    async def act() -> None:
        await _own_session(request, session_id)
        await _center(request).stop_monitoring(session_id, ui_actor(request))

    return await _monitor_result(request, act)


async def send_note(request: Request) -> Response:
    """An urgent note to the agent whose call one listens to (WO-28): it
    shows on their desk during the call; audited."""
    form = await request.form()
    agent = str(form.get("agent", ""))

    async def act() -> None:
        await check_agent(tenant_of(request), agent)
        await notices.urgent_note(
            tenant_of(request),
            ui_actor(request),
            agent,
            str(form.get("text", "")),
            _center(request).bus,
        )

    return await _monitor_result(request, act)


async def force_release(request: Request) -> Response:
    """End an agent's call (强拆): the caller is hung up; audited."""
    form = await request.form()
    agent = str(form.get("agent", ""))

    async def act() -> None:
        await check_agent(tenant_of(request), agent)
        await _center(request).force_release(agent, ui_actor(request))

    return await _monitor_result(request, act)


async def _own_session(request: Request, session_id: str) -> None:
    """A session on another tenant's agent is "not found", like a missing one."""
    for session in _center(request).monitoring_sessions():
        if session["session_id"] == session_id:
            await check_agent(tenant_of(request), session["agent"])
            return
    raise NotFound(f"no monitoring session {session_id}")


async def _monitor_result(request: Request, act: Callable[[], Awaitable[None]]) -> Response:
    error: str | None = None
    try:
        await act()
    except HotlineError as refused:
        error = refused.message
    context = await _monitor_context(request)
    context["monitor_error"] = error
    return render(
        request, MONITOR_PARTIAL, context, status_code=200 if is_htmx(request) or not error else 400
    )
