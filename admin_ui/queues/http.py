"""Queue pages: thin handlers (the guard has checked sign-in, permission and CSRF)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.queues.forms import values_from_form
from admin_ui.web import audit
from admin_ui.web.rendering import is_htmx, render, tenant_of
from ari_apps.acd import queue_overview, queue_removal, queue_settings
from ari_apps.acd.queue_removal import QueueInUse
from ari_apps.acd.settings_edit import Editor
from hotline.center import ContactCenter
from hotline.field_input import FieldError, FormInvalid


def editor_for(request: Request) -> Editor:
    async def record(
        action: str, object_type: str, object_id: str, *, before: Any = None, after: Any = None
    ) -> object:
        return await audit.record(
            request, action, object_type, object_id, before=before, after=after
        )

    return Editor(center=request.app.state.center, audit=record)


async def _form_page(
    request: Request,
    *,
    name: str | None,
    values: dict[str, Any],
    errors: dict[str, FieldError] | None = None,
    refusal: QueueInUse | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "queue_name": name,
        "values": values,
        "errors": errors or {},
        "refusal": refusal,
        "strategies": queue_settings.STRATEGY_NAMES,
        "overflow_kinds": queue_settings.OVERFLOW_KIND_NAMES,
        "agents": await queue_settings.agent_choices(tenant_of(request)),
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "queues/edit.html", context, status_code=status_code)


async def list_queues(request: Request) -> Response:
    center: ContactCenter = request.app.state.center
    context = {
        "rows": await queue_overview.live_rows(center, tenant_of(request)),
        "deleted": request.query_params.get("deleted", ""),
    }
    template = "queues/_live.html" if is_htmx(request) else "queues/list.html"
    return render(request, template, context)


async def new_queue(request: Request) -> Response:
    return await _form_page(request, name=None, values=queue_settings.blank_values())


async def create_queue(request: Request) -> Response:
    values = values_from_form(await request.form())
    try:
        queue = await queue_settings.create_queue(editor_for(request), tenant_of(request), values)
    except FormInvalid as invalid:
        return await _form_page(
            request, name=None, values=values, errors=invalid.errors, status_code=422
        )
    return RedirectResponse(f"/queues/{queue.name}?saved=1", status_code=303)


async def edit_queue(request: Request) -> Response:
    queue = await queue_settings.get_queue(tenant_of(request), request.path_params["name"])
    return await _form_page(request, name=queue.name, values=await queue_settings.values_of(queue))


async def update_queue(request: Request) -> Response:
    tenant_id = tenant_of(request)
    name = (await queue_settings.get_queue(tenant_id, request.path_params["name"])).name
    values = values_from_form(await request.form(), name)
    try:
        await queue_settings.update_queue(editor_for(request), tenant_id, name, values)
    except FormInvalid as invalid:
        return await _form_page(
            request, name=name, values=values, errors=invalid.errors, status_code=422
        )
    return RedirectResponse(f"/queues/{name}?saved=1", status_code=303)


async def delete_queue(request: Request) -> Response:
    tenant_id = tenant_of(request)
    name = request.path_params["name"]
    try:
        await queue_removal.delete_queue(editor_for(request), tenant_id, name)
    except QueueInUse as refusal:
        queue = await queue_settings.get_queue(tenant_id, name)
        return await _form_page(
            request,
            name=name,
            values=await queue_settings.values_of(queue),
            refusal=refusal,
            status_code=409,
        )
    return RedirectResponse(f"/queues?deleted={name}", status_code=303)


async def back_to_queue(request: Request) -> Response:
    # A POST-only path opened with GET (e.g. the language switch reloading a
    # refused delete): show the queue instead of "method not allowed".
    return RedirectResponse(f"/queues/{request.path_params['name']}", status_code=303)
