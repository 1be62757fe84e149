"""Tenants pages: thin handlers (the guard has checked sign-in, the home
tenant, permission and CSRF).

- ``GET /tenants``: the list; ``#tenants`` is its htmx swap target (the
  rename forms post there and get the partial back).
- ``POST /tenants``: create a tenant and its first administrator;
  ``#tenant-create`` is the form's swap target (a created tenant's row comes
  with it, out of band).  Without htmx: 303 back to the list, or the page
  again with the refused fields (422).
- ``POST /tenants/{tenant_id}/rename``: rename; without htmx a 303 back to
  the list, or the page again with the refusal (422).

The rules of managing tenants are the kernel's
(``hotline/accounts/tenant_admin.py``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web import audit
from admin_ui.web.rendering import is_htmx, render
from hotline.accounts import tenant_admin
from hotline.accounts.credentials import MIN_PASSWORD_LENGTH
from hotline.accounts.errors import FieldError, FormInvalid, UnknownObject
from hotline.accounts.tenant_admin import TenantInput

LIST_URL = "/tenants"
NOTICES = {"created": "tenants.created", "renamed": "tenants.renamed"}


async def _context(
    *,
    form: TenantInput | None = None,
    errors: dict[str, FieldError] | None = None,
    notice: str | None = None,
    create_notice: str | None = None,
    rename_id: int | None = None,
    rename_value: str = "",
    rename_error: FieldError | None = None,
) -> dict[str, Any]:
    return {
        "tenants": await tenant_admin.list_tenants(),
        "form": form or TenantInput(),
        "errors": errors or {},
        "notice": notice,
        "create_notice": create_notice,
        "rename_id": rename_id,
        "rename_value": rename_value,
        "rename_error": rename_error,
        "min_password": MIN_PASSWORD_LENGTH,
    }


async def list_tenants(request: Request) -> Response:
    notice = NOTICES.get(request.query_params.get("done", ""))
    template = "tenants/_tenants.html" if is_htmx(request) else "tenants/list.html"
    return render(request, template, await _context(notice=notice))


async def create_tenant(request: Request) -> Response:
    form = await request.form()
    data = TenantInput(
        name=str(form.get("name", "")),
        admin_username=str(form.get("admin_username", "")),
        admin_password=str(form.get("admin_password", "")),
    )
    try:
        change = await tenant_admin.create_tenant(data)
    except FormInvalid as error:
        context = await _context(form=data.without_password(), errors=error.errors)
        if is_htmx(request):
            # htmx swaps only 2xx answers: the refusal comes in the partial.
            return render(request, "tenants/_create.html", context)
        return render(request, "tenants/list.html", context, status_code=422)
    await audit.record_change(request, change)
    if is_htmx(request):
        context = await _context(create_notice="tenants.created")
        return render(request, "tenants/_create.html", {**context, "refresh_list": True})
    return RedirectResponse(f"{LIST_URL}?done=created", status_code=303)


async def rename_tenant(request: Request) -> Response:
    tenant_id = request.path_params["tenant_id"]
    form = await request.form()
    name = str(form.get("name", ""))
    try:
        change = await tenant_admin.rename_tenant(tenant_id, name)
    except UnknownObject as error:
        return render(
            request, "tenants/not_found.html", {"message": error.message}, status_code=404
        )
    except FormInvalid as error:
        context = await _context(
            rename_id=int(tenant_id), rename_value=name, rename_error=error.errors["name"]
        )
        if is_htmx(request):
            return render(request, "tenants/_tenants.html", context)
        return render(request, "tenants/list.html", context, status_code=422)
    if change is not None:
        await audit.record_change(request, change)
    if is_htmx(request):
        return render(request, "tenants/_tenants.html", await _context(notice="tenants.renamed"))
    return RedirectResponse(f"{LIST_URL}?done=renamed", status_code=303)


async def back_to_list(request: Request) -> Response:
    # A POST-only path opened with GET (the language switch reloads the page).
    return RedirectResponse(LIST_URL, status_code=303)
