"""The case settings page (/cases/settings): code lists, departments and
their people, workflows.  Thin handlers: ``hotline/cases/settings.py``
holds the use cases (each audited); a refusal comes back on the page with
its field named.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web.rendering import render, tenant_of
from admin_ui.web.requests import ui_actor
from hotline.cases import directory, messages, settings
from hotline.errors import HotlineError
from hotline.models_cases import DepartmentMember
from hotline.tenancy import scoped

PAGE = "cases/settings.html"


async def _context(request: Request) -> dict[str, Any]:
    tenant = tenant_of(request)
    await directory.ensure_defaults(tenant)
    members = await scoped(DepartmentMember, tenant).order_by("department_code", "username")
    return {
        "lists": {
            name: await directory.codes(tenant, name, active_only=False)
            for name in directory.CODE_LISTS
        },
        "departments": await directory.departments(tenant),
        "members": members,
        "workflows": await settings.workflows(tenant),
        "templates": await messages.templates(tenant),
    }


async def settings_page(request: Request, error: HotlineError | None = None) -> Response:
    context = await _context(request)
    context["error"] = error.message if error else None
    context["error_field"] = (error.details or {}).get("field") if error else None
    return render(request, PAGE, context, status_code=422 if error else 200)


async def _done(request: Request, change: Any) -> Response:
    try:
        await change
    except HotlineError as error:
        return await settings_page(request, error)
    return RedirectResponse("/cases/settings", status_code=303)


async def add_code(request: Request) -> Response:
    form = dict(await request.form())
    change = settings.add_code(
        tenant_of(request), ui_actor(request), request.path_params["list_name"], form
    )
    return await _done(request, change)


async def hide_code(request: Request) -> Response:
    form = await request.form()
    change = settings.hide_code(
        tenant_of(request),
        ui_actor(request),
        request.path_params["list_name"],
        str(form.get("code", "")),
    )
    return await _done(request, change)


async def add_department(request: Request) -> Response:
    form = dict(await request.form())
    return await _done(
        request, settings.add_department(tenant_of(request), ui_actor(request), form)
    )


async def set_member(request: Request) -> Response:
    form = dict(await request.form())
    return await _done(request, settings.set_member(tenant_of(request), ui_actor(request), form))


async def save_workflow(request: Request) -> Response:
    form = await request.form()
    change = settings.save_workflow(
        tenant_of(request),
        ui_actor(request),
        request.path_params["workflow_id"],
        str(form.get("definition", "")),
    )
    return await _done(request, change)


async def save_template(request: Request) -> Response:
    form = dict(await request.form())
    change = settings.save_template(tenant_of(request), ui_actor(request), form)
    return await _done(request, change)
