"""Agent pages: thin handlers (the guard has checked sign-in, permission and CSRF)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.agents.forms import values_from_form
from admin_ui.queues.forms import text
from admin_ui.queues.http import editor_for
from admin_ui.web.rendering import is_htmx, language_of, render, tenant_of
from ari_apps.acd import agent_settings, agent_supervision, pause_reason_settings
from hotline.center import ContactCenter
from hotline.field_input import FieldError, FormInvalid

# A generated password is on this one response only: no caching anywhere.
_NO_STORE = {"Cache-Control": "no-store"}


async def _form_page(
    request: Request,
    *,
    extension: str | None,
    values: dict[str, Any],
    errors: dict[str, FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    center: ContactCenter = request.app.state.center
    context = {
        "agent_extension": extension,
        "values": values,
        "errors": errors or {},
        "queues": await agent_settings.queue_choices(tenant_of(request)),
        "phones": agent_settings.PHONES,
        "status": center.agent_status(extension) if extension else None,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "agents/edit.html", context, status_code=status_code)


async def _list_page(
    request: Request,
    *,
    refused: agent_supervision.ActionResult | None = None,
    status_code: int = 200,
) -> Response:
    tenant_id = tenant_of(request)
    context = {
        "rows": await agent_supervision.live_rows(request.app.state.center, tenant_id),
        "pause_reasons": await pause_reason_settings.choices_by_tenant(
            tenant_id, language_of(request)
        ),
        "refused": refused,
    }
    template = "agents/_live.html" if is_htmx(request) else "agents/list.html"
    return render(request, template, context, status_code=status_code)


async def list_agents(request: Request) -> Response:
    return await _list_page(request)


async def new_agent(request: Request) -> Response:
    return await _form_page(request, extension=None, values=agent_settings.blank_values())


def _password_page(request: Request, new: agent_settings.NewPassword, *, created: bool) -> Response:
    context = {"extension": new.extension, "password": new.password, "created": created}
    return render(request, "agents/password.html", context, headers=_NO_STORE)


async def create_agent(request: Request) -> Response:
    values = values_from_form(await request.form())
    try:
        new = await agent_settings.create_agent(editor_for(request), tenant_of(request), values)
    except FormInvalid as invalid:
        return await _form_page(
            request, extension=None, values=values, errors=invalid.errors, status_code=422
        )
    return _password_page(request, new, created=True)


async def edit_agent(request: Request) -> Response:
    agent = await agent_settings.get_agent(tenant_of(request), request.path_params["extension"])
    return await _form_page(
        request, extension=agent.extension, values=await agent_settings.values_of(agent)
    )


async def update_agent(request: Request) -> Response:
    tenant_id = tenant_of(request)
    extension = (
        await agent_settings.get_agent(tenant_id, request.path_params["extension"])
    ).extension
    values = values_from_form(await request.form(), extension)
    try:
        await agent_settings.update_agent(editor_for(request), tenant_id, extension, values)
    except FormInvalid as invalid:
        return await _form_page(
            request, extension=extension, values=values, errors=invalid.errors, status_code=422
        )
    return RedirectResponse(f"/agents/{extension}?saved=1", status_code=303)


async def reset_password(request: Request) -> Response:
    new = await agent_settings.reset_password(
        editor_for(request), tenant_of(request), request.path_params["extension"]
    )
    return _password_page(request, new, created=False)


async def agent_action(request: Request) -> Response:
    form = await request.form()
    result = await agent_supervision.agent_action(
        editor_for(request),
        tenant_of(request),
        request.path_params["extension"],
        text(form, "action"),
        text(form, "reason"),
    )
    if result.error is not None:
        # htmx swaps only 2xx responses; the refusal must still show in the partial.
        status_code = 200 if is_htmx(request) else 409
        return await _list_page(request, refused=result, status_code=status_code)
    if is_htmx(request):
        return await _list_page(request)
    return RedirectResponse("/agents", status_code=303)


async def back_to_agent(request: Request) -> Response:
    # A POST-only path opened with GET (e.g. the language switch reloading the
    # password page): the password is never shown again, so go to the agent.
    return RedirectResponse(f"/agents/{request.path_params['extension']}", status_code=303)
