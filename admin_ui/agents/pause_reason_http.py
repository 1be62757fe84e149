"""Pause reasons pages: thin handlers (the guard has checked sign-in, permission and CSRF).

Two swap targets: ``#pause-reasons`` (the list with its add form, on
/agents/pause-reasons) and ``#pause-reason-form`` (one reason's edit form).
htmx gets the target's partial, with 200 even for a refused form since htmx
swaps only 2xx responses; a plain form post gets 422 with the whole page, or
a 303 back to the page after a change.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.agents.forms import pause_reason_values_from_form
from admin_ui.queues.http import editor_for
from admin_ui.web.rendering import is_htmx, render, tenant_of
from ari_apps.acd import pause_reason_settings
from hotline.field_input import FieldError, FormInvalid

LIST_URL = "/agents/pause-reasons"
# What a plain form post did, shown after its 303 (?done=...).
_DONE = frozenset({"created", "activated", "deactivated"})


def _refused_status(request: Request) -> int:
    return 200 if is_htmx(request) else 422


async def _list(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, FieldError] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "reasons": await pause_reason_settings.reasons(tenant_of(request)),
        "values": values or pause_reason_settings.blank_values(),
        "errors": errors or {},
        "notice": notice,
    }
    template = "agents/_pause_reasons.html" if is_htmx(request) else "agents/pause_reasons.html"
    return render(request, template, context, status_code=status_code)


async def _changed(request: Request, done: str) -> Response:
    if is_htmx(request):
        return await _list(request, notice=f"pause_reasons.{done}")
    return RedirectResponse(f"{LIST_URL}?done={done}", status_code=303)


async def list_reasons(request: Request) -> Response:
    done = request.query_params.get("done", "")
    return await _list(request, notice=f"pause_reasons.{done}" if done in _DONE else None)


async def create_reason(request: Request) -> Response:
    values = pause_reason_values_from_form(await request.form())
    try:
        await pause_reason_settings.create_reason(editor_for(request), tenant_of(request), values)
    except FormInvalid as invalid:
        status_code = _refused_status(request)
        return await _list(request, values=values, errors=invalid.errors, status_code=status_code)
    return await _changed(request, "created")


async def _set_active(request: Request, active: bool) -> Response:
    code = request.path_params["code"]
    await pause_reason_settings.set_active(editor_for(request), tenant_of(request), code, active)
    return await _changed(request, "activated" if active else "deactivated")


async def deactivate_reason(request: Request) -> Response:
    return await _set_active(request, False)


async def activate_reason(request: Request) -> Response:
    return await _set_active(request, True)


async def _form(
    request: Request,
    code: str,
    values: dict[str, Any],
    *,
    errors: dict[str, FieldError] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    context = {"code": code, "values": values, "errors": errors or {}, "saved": saved}
    template = "agents/_pause_reason_form.html" if is_htmx(request) else "agents/pause_reason.html"
    return render(request, template, context, status_code=status_code)


async def edit_reason(request: Request) -> Response:
    row = await pause_reason_settings.get_reason(tenant_of(request), request.path_params["code"])
    saved = request.query_params.get("saved") == "1"
    return await _form(request, row.code, pause_reason_settings.values_of(row), saved=saved)


async def update_reason(request: Request) -> Response:
    tenant_id = tenant_of(request)
    code = (await pause_reason_settings.get_reason(tenant_id, request.path_params["code"])).code
    values = pause_reason_values_from_form(await request.form()) | {"code": code}
    try:
        row = await pause_reason_settings.update_reason(
            editor_for(request), tenant_id, code, values
        )
    except FormInvalid as invalid:
        status_code = _refused_status(request)
        return await _form(request, code, values, errors=invalid.errors, status_code=status_code)
    if is_htmx(request):
        return await _form(request, code, pause_reason_settings.values_of(row), saved=True)
    return RedirectResponse(f"{LIST_URL}/{code}?saved=1", status_code=303)


async def back_to_list(request: Request) -> Response:
    # A POST-only path opened with GET (the language switch reloads the page).
    return RedirectResponse(LIST_URL, status_code=303)
