"""The desk page, its live stream and the agent's own state buttons.

The page renders the desk once; ``/desk/stream`` then sends the desk's
partial as an SSE ``desk`` event (htmx's SSE extension swaps it in) at once,
after every call, agent or queue event (settled for ``SETTLE_S``), and every
``REFRESH_S``.  A reconnecting EventSource is resynchronised by that first
event.  The pop is there while the phone rings, before anyone answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from admin_ui.desk import view
from admin_ui.web import audit
from admin_ui.web.csrf import csrf_token
from admin_ui.web.i18n import translate
from admin_ui.web.rendering import (
    current_user,
    is_htmx,
    language_of,
    render,
    render_fragment,
    tenant_of,
)
from admin_ui.web.requests import ui_actor
from ari_apps.acd import agent_supervision, pause_reason_settings
from ari_apps.acd.settings_edit import Editor
from ari_apps.callbacks import services as callback_services
from ari_apps.campaigns import services as campaign_services
from hotline import outbound_guard
from hotline.cases import notices
from hotline.center import ContactCenter
from hotline.customers import reading as customers
from hotline.customers.store import Viewer
from hotline.desk import (
    Desk,
    NotAnAgent,
    browser_phone,
    desk_for,
    published_flow_names,
    save_outcome,
)
from hotline.errors import HotlineError, InvalidRequest, NotFound
from hotline.live_status import queue_names
from hotline.settings import DEFAULT_SCREEN_POP_MASKED, Settings

SETTLE_S: Final = 0.1
REFRESH_S: Final = 5.0
KEEP_ALIVE_S: Final = 15


def _center(request: Request) -> ContactCenter:
    center: ContactCenter = request.app.state.center
    return center


def _editor(request: Request) -> Editor:
    async def record(
        action: str, object_type: str, object_id: str, *, before: Any = None, after: Any = None
    ) -> object:
        # "desk_" tells the agent's own change from a supervisor's on /agents.
        return await audit.record(
            request, f"desk_{action}", object_type, object_id, before=before, after=after
        )

    return Editor(center=_center(request), audit=record)


def _settings(request: Request) -> Settings | None:
    return getattr(request.app.state, "settings", None)


def _extension(request: Request) -> str | None:
    user = current_user(request)
    return user.phone_extension if user is not None else None


async def _desk(request: Request) -> Desk:
    settings = _settings(request)
    return await desk_for(
        _center(request),
        _extension(request),
        tenant_of(request),
        datetime.now(UTC),
        url_template=settings.screen_pop_url if settings else "",
        masked=settings.screen_pop_masked if settings else DEFAULT_SCREEN_POP_MASKED,
        zone=ZoneInfo(settings.site_timezone if settings else "UTC"),
    )


async def _context(request: Request, desk: Desk) -> dict[str, Any]:
    tenant = tenant_of(request)
    reasons = (await pause_reason_settings.choices_by_tenant(tenant, language_of(request))).get(
        tenant, []
    )
    user = current_user(request)
    can_edit = user is not None and user.can("desk:edit")
    context = view.desk_context(desk, reasons, csrf_token(request), can_edit=can_edit)
    context["transfer_queues"] = sorted(await queue_names(tenant))
    context["transfer_flows"] = await published_flow_names(tenant)
    # A callback being placed from this agent's phone: the desk says so.
    context["active_callback"] = await callback_services.in_progress(tenant, desk.extension)
    # The caller's customer record, masked per permission (desk/_customer.html).
    context["pop_customer"] = (
        await customers.on_the_desk(
            tenant,
            desk.pop.caller_id,
            desk.pop.call_id,
            Viewer(reveal=user.can("customer_pii:view")),
        )
        if desk.pop is not None and user is not None and user.can("customers:view")
        else None
    )
    # A listening supervisor's urgent notes (WO-28), while they are fresh.
    context["urgent_notes"] = (
        await notices.urgent_notes_for(tenant, user.username) if user is not None else []
    )
    return context


async def desk_page(request: Request) -> Response:
    try:
        desk = await _desk(request)
    except NotAnAgent as refused:
        return render(request, "desk/page.html", {"not_an_agent": refused.message})
    context = await _context(request, desk)
    context.update(await _callbacks_context(request, desk))
    context.update(await _previews_context(request, desk))
    return render(request, "desk/page.html", context)


async def phone_credentials(request: Request) -> Response:
    """The signed-in agent's own browser phone: where and how it registers.

    Only ever the agent's own extension (from their user, never from the
    request), and never stored by the browser (no-store).
    """
    settings = _settings(request)
    phone = await browser_phone(
        _extension(request),
        tenant_of(request),
        settings.browser_phone_ws_url if settings else "ws://127.0.0.1:8088/ws",
    )
    return JSONResponse(
        {
            "websocket_url": phone.websocket_url,
            "sip_uri": phone.sip_uri,
            "username": phone.username,
            "password": phone.password,
            "display_name": phone.display_name,
        },
        headers={"Cache-Control": "no-store"},
    )


async def _desk_event(request: Request) -> dict[str, Any]:
    context = await _context(request, await _desk(request))
    return {"event": "desk", "data": render_fragment(request, view.PARTIAL, context)}


async def _one_desk(request: Request) -> AsyncIterator[dict[str, Any]]:
    yield await _desk_event(request)


async def desk_stream(request: Request) -> Response:
    await _desk(request)  # not an agent: refused before any stream starts
    if "text/event-stream" not in request.headers.get("accept", ""):
        return EventSourceResponse(_one_desk(request), ping=KEEP_ALIVE_S)
    subscription = _center(request).bus.subscribe(
        {"call", "agent", "queue", "callback", notices.TOPIC}
    )

    async def events() -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await _desk_event(request)
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


async def record_outcome(request: Request) -> Response:
    """The agent's disposition and notes for their call, audited."""
    desk = await _desk(request)
    form = await request.form()
    call_id = str(form.get("call_id", ""))
    refused: str | None = None
    try:
        before, after = await save_outcome(
            desk.extension,
            tenant_of(request),
            call_id,
            str(form.get("code", "")),
            str(form.get("notes", "")),
        )
    except InvalidRequest as error:
        refused = error.message
    else:
        await audit.record(request, "desk_disposition", "call", call_id, before=before, after=after)
        _center(request).bus.publish(
            "call",
            "disposition",
            call_id=call_id,
            agent=desk.extension,
            disposition=after["disposition"],
        )
    context = await _context(request, await _desk(request))
    context["outcome_refused"] = refused
    context["outcome_saved"] = refused is None
    if is_htmx(request):
        return render(request, view.PARTIAL, context)
    return render(
        request, "desk/page.html", context, status_code=400 if refused is not None else 200
    )


async def call_control(request: Request) -> Response:
    """Hold, resume, or blind transfer of the agent's own call; audited."""
    desk = await _desk(request)
    form = await request.form()
    action = str(form.get("action", ""))
    # A consultation is always with an extension.
    kind = "extension" if action == "consult" else str(form.get("target_kind", ""))
    value = str(form.get(kind if kind in ("queue", "flow") else "extension", "")).strip()
    target = f"{kind}:{value}" if action in ("transfer", "consult") else ""
    refused: str | None = None
    try:
        result = await _center(request).call_action(desk.extension, action, target)
    except HotlineError as error:
        refused = error.message
    else:
        await audit.record(request, f"desk_call_{action}", "agent", desk.extension, after=result)
    context = await _context(request, await _desk(request))
    context["call_refused"] = refused
    if is_htmx(request):
        return render(request, view.PARTIAL, context)
    return render(
        request, "desk/page.html", context, status_code=400 if refused is not None else 200
    )


async def change_state(request: Request) -> Response:
    """The agent's own login / logout / ready / pause (with a reason), audited."""
    desk = await _desk(request)
    form = await request.form()
    result = await agent_supervision.agent_action(
        _editor(request),
        tenant_of(request),
        desk.extension,
        str(form.get("action", "")),
        str(form.get("reason", "")),
    )
    context = await _context(request, await _desk(request))
    context["refused"] = result if result.error is not None else None
    if is_htmx(request):
        return render(request, view.PARTIAL, context)
    status_code = 409 if result.error is not None else 200
    return render(request, "desk/page.html", context, status_code=status_code)


# -- callbacks ---------------------------------------------------------------------
CALLBACKS_PARTIAL: Final = "desk/_callbacks.html"


def _zone(request: Request) -> ZoneInfo:
    settings = _settings(request)
    return ZoneInfo(settings.site_timezone if settings else "UTC")


async def _callbacks_context(request: Request, desk: Desk) -> dict[str, Any]:
    zone = _zone(request)
    now = datetime.now(UTC)
    rows = await callback_services.listed(tenant_of(request), agent=desk.extension, open_only=True)
    due = {row["id"] for row in callback_services.due_soon(rows, now, timedelta(0))}
    for row in rows:
        row["due_local"] = (
            datetime.fromisoformat(row["due_at"]).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        )
        row["due"] = row["id"] in due
    # The number of the call on screen (ringing, talking, or just ended).
    number, call_id = "", ""
    if desk.pop is not None:
        number, call_id = desk.pop.caller_id, desk.pop.call_id
    elif desk.outcome is not None:
        number, call_id = desk.outcome.caller_id, desk.outcome.call_id
    return {
        "callbacks": rows,
        "callback_number": number,
        "callback_call_id": call_id,
        "callback_due_default": (now + timedelta(hours=1))
        .astimezone(zone)
        .strftime("%Y-%m-%dT%H:%M"),
        "callback_refused": None,
        "callback_done": None,
        "csrf_token": csrf_token(request),
    }


async def _callbacks_answer(
    request: Request, desk: Desk, *, refused: str | None = None, done: str | None = None
) -> Response:
    if not is_htmx(request):
        return RedirectResponse("/desk", status_code=303)
    context = await _callbacks_context(request, desk)
    context["callback_refused"] = refused
    context["callback_done"] = done
    return render(
        request, CALLBACKS_PARTIAL, context, status_code=400 if refused is not None else 200
    )


async def callbacks_panel(request: Request) -> Response:
    desk = await _desk(request)
    return render(request, CALLBACKS_PARTIAL, await _callbacks_context(request, desk))


def _due_at(value: str, zone: ZoneInfo) -> datetime:
    """The form's local date and time (site clock); empty: now."""
    if not value.strip():
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=zone)
    except ValueError:
        raise InvalidRequest(
            f"due_at: not a date and time: {value[:40]!r}", {"field": "due_at"}
        ) from None


async def schedule_callback(request: Request) -> Response:
    """A callback the agent will place themselves, audited."""
    desk = await _desk(request)
    form = await request.form()
    number = str(form.get("number", ""))
    try:
        row = await callback_services.schedule(
            tenant_of(request),
            ui_actor(request),
            outbound_guard.rules_or_defaults(_settings(request)),
            number=number,
            agent=desk.extension,
            due_at=_due_at(str(form.get("due_at", "")), _zone(request)),
            notes=str(form.get("notes", "")),
            call_id=str(form.get("call_id", "")) or None,
        )
    except InvalidRequest as error:
        return await _callbacks_answer(request, desk, refused=error.message)
    done = translate(language_of(request), "desk.callback.scheduled", number=row["number"])
    return await _callbacks_answer(request, desk, done=done)


async def _own_callback(request: Request, desk: Desk) -> int:
    callback_id: int = request.path_params["callback_id"]
    row = await callback_services.get(tenant_of(request), callback_id)
    if row.agent != desk.extension:
        # Another agent's is as unknown as a missing one.
        raise NotFound(f"no callback {callback_id}")
    return callback_id


async def place_callback(request: Request) -> Response:
    """Ring the agent's own phone, then the caller."""
    desk = await _desk(request)
    callback_id = await _own_callback(request, desk)
    try:
        row = await _center(request).place_callback(
            tenant_of(request), callback_id, desk.extension, ui_actor(request)
        )
    except InvalidRequest as error:
        return await _callbacks_answer(request, desk, refused=error.message)
    done = translate(language_of(request), "desk.callback.placing", number=row.get("number", ""))
    return await _callbacks_answer(request, desk, done=done)


async def cancel_callback(request: Request) -> Response:
    desk = await _desk(request)
    callback_id = await _own_callback(request, desk)
    try:
        await callback_services.cancel(tenant_of(request), callback_id, ui_actor(request))
    except InvalidRequest as error:
        return await _callbacks_answer(request, desk, refused=error.message)
    done = translate(language_of(request), "desk.callback.cancelled")
    return await _callbacks_answer(request, desk, done=done)


# -- preview campaigns (the agent sees the next contact and clicks to call) -----------
PREVIEW_PARTIAL: Final = "desk/_preview.html"


async def _previews_context(
    request: Request, desk: Desk, *, refused: str | None = None, done: str | None = None
) -> dict[str, Any]:
    queues = (desk.status or {}).get("queues") or ()
    return {
        "previews": await campaign_services.previews_for(tenant_of(request), queues),
        "preview_refused": refused,
        "preview_done": done,
        "csrf_token": csrf_token(request),
    }


async def previews_panel(request: Request) -> Response:
    desk = await _desk(request)
    return render(request, PREVIEW_PARTIAL, await _previews_context(request, desk))


async def preview_call(request: Request) -> Response:
    """Call the previewed contact: the agent's own phone first (audited)."""
    desk = await _desk(request)
    form = await request.form()
    campaign_id: int = request.path_params["campaign_id"]
    refused = done = None
    try:
        contact_id = int(str(form.get("contact_id", "")))
        placed = await _center(request).preview_call(
            tenant_of(request), campaign_id, contact_id, desk.extension, ui_actor(request)
        )
    except ValueError:
        refused = translate(language_of(request), "desk.preview.no_contact")
    except InvalidRequest as error:
        refused = error.message
    else:
        done = translate(language_of(request), "desk.preview.calling", number=placed["phone"])
    if not is_htmx(request):
        return RedirectResponse("/desk", status_code=303)
    context = await _previews_context(request, desk, refused=refused, done=done)
    return render(
        request, PREVIEW_PARTIAL, context, status_code=400 if refused is not None else 200
    )


async def read_note(request: Request) -> Response:
    """The agent has read an urgent note: it leaves the desk."""
    desk = await _desk(request)
    user = current_user(request)
    assert user is not None
    await notices.mark_read(tenant_of(request), user.username, request.path_params["notice_id"])
    return render(request, view.PARTIAL, await _context(request, desk))
