"""Roles pages: a permission matrix per custom role; built-in roles read-only.

The use cases are the kernel's (``hotline/accounts/roles.py``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from admin_ui.users.http import actor, audited, form_values, not_found, refusal_of
from admin_ui.web.rendering import render
from hotline.accounts import roles
from hotline.accounts.errors import FieldError, FormInvalid, RefusedChange, UnknownObject
from hotline.accounts.roles import RoleInput, RoleRow


async def list_roles(request: Request) -> Response:
    notice = "roles.deleted" if request.query_params.get("deleted") else None
    context = {"roles": await roles.list_roles(actor(request)), "notice": notice}
    return render(request, "users/roles.html", context)


async def _role_form(
    request: Request,
    *,
    row: RoleRow | None,
    form: RoleInput,
    errors: dict[str, FieldError] | None = None,
    refusal: FieldError | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "row": row,
        "form": form,
        "matrix": roles.permission_matrix(form.permissions),
        "read_only": row is not None and row.builtin,
        "errors": errors or {},
        "refusal": refusal,
        "notice": notice,
    }
    return render(request, "users/role_form.html", context, status_code=status_code)


async def _role_input(request: Request) -> RoleInput:
    form = await request.form()
    return RoleInput(name=str(form.get("name", "")), permissions=form_values(form, "permissions"))


async def new_role(request: Request) -> Response:
    return await _role_form(request, row=None, form=RoleInput())


async def create_role(request: Request) -> Response:
    data = await _role_input(request)
    try:
        change = await roles.create_role(data, actor(request))
    except FormInvalid as error:
        return await _role_form(request, row=None, form=data, errors=error.errors, status_code=422)
    return await audited(request, change, f"/roles/{change.object_id}?saved=1")


def _input_of(row: RoleRow) -> RoleInput:
    return RoleInput(name=row.name, permissions=row.permissions)


async def show_role(request: Request) -> Response:
    try:
        row = await roles.get_role(request.path_params["role_id"], actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    notice = "roles.saved" if request.query_params.get("saved") else None
    return await _role_form(request, row=row, form=_input_of(row), notice=notice)


async def update_role(request: Request) -> Response:
    role_id = request.path_params["role_id"]
    data = await _role_input(request)
    try:
        change = await roles.update_role(role_id, data, actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    except FormInvalid as error:
        row = await roles.get_role(role_id, actor(request))
        return await _role_form(request, row=row, form=data, errors=error.errors, status_code=422)
    except RefusedChange as error:
        row = await roles.get_role(role_id, actor(request))
        return await _role_form(
            request, row=row, form=_input_of(row), refusal=refusal_of(error), status_code=409
        )
    return await audited(request, change, f"/roles/{change.object_id}?saved=1")


async def delete_role(request: Request) -> Response:
    role_id = request.path_params["role_id"]
    try:
        change = await roles.delete_role(role_id, actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    except RefusedChange as error:
        row = await roles.get_role(role_id, actor(request))
        return await _role_form(
            request, row=row, form=_input_of(row), refusal=refusal_of(error), status_code=409
        )
    return await audited(request, change, "/roles?deleted=1")
