"""Users and groups pages: parse the form, make one use-case call, render.

The use cases are the kernel's (``hotline/accounts/users.py``, ``groups.py``).

Forms are plain POST + 303 redirect (they work without JavaScript).  A
refused form is rendered again with what was typed and a message per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web import audit, sessions
from admin_ui.web.rendering import current_user, render
from admin_ui.web.routing import client_ip
from hotline.accounts import groups, users
from hotline.accounts.changes import Change
from hotline.accounts.credentials import MIN_PASSWORD_LENGTH
from hotline.accounts.errors import FieldError, FormInvalid, RefusedChange, UnknownObject
from hotline.accounts.groups import GroupInput, GroupRow
from hotline.accounts.principal import Principal
from hotline.accounts.users import UserInput, UserRow


def actor(request: Request) -> Principal:
    user = current_user(request)
    assert user is not None  # the guard signed the user in
    return user


async def audited(request: Request, change: Change, location: str) -> Response:
    await audit.record_change(request, change)
    return RedirectResponse(location, status_code=303)


def not_found(request: Request, error: UnknownObject) -> Response:
    return render(request, "users/not_found.html", {"message": error.message}, status_code=404)


def refusal_of(error: RefusedChange) -> FieldError:
    return FieldError(error.message_key, error.params)


def form_values(form: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """Every value of a multi-valued field (check boxes, a multi-select), as typed."""
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else form.get(name, [])
    return tuple(str(value) for value in values)


# ---- users -----------------------------------------------------------------


async def list_users(request: Request) -> Response:
    return render(request, "users/list.html", {"users": await users.list_users(request.state.user)})


def user_input_of(row: UserRow) -> UserInput:
    """The edit form of an existing user, as if typed."""
    return UserInput(
        username=row.username,
        display_name=row.display_name,
        language=row.language,
        phone_extension=row.phone_extension,
        group_ids=tuple(str(gid) for gid in row.group_ids),
    )


async def _user_form(
    request: Request,
    *,
    row: UserRow | None,
    form: UserInput,
    errors: dict[str, FieldError] | None = None,
    refusal: FieldError | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "row": row,
        "form": form,
        "errors": errors or {},
        "refusal": refusal,
        "notice": notice,
        "groups": await groups.list_groups(actor(request)),
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return render(request, "users/form.html", context, status_code=status_code)


async def _user_input(request: Request) -> UserInput:
    form = await request.form()
    return UserInput(
        username=str(form.get("username", "")),
        display_name=str(form.get("display_name", "")),
        password=str(form.get("password", "")),
        language=str(form.get("language", "en")),
        phone_extension=str(form.get("phone_extension", "")),
        group_ids=form_values(form, "groups"),
    )


async def new_user(request: Request) -> Response:
    return await _user_form(request, row=None, form=UserInput())


async def create_user(request: Request) -> Response:
    data = await _user_input(request)
    try:
        change = await users.create_user(data, actor(request))
    except FormInvalid as error:
        kept = UserInput(**{**data.__dict__, "password": ""})  # never echo a password
        return await _user_form(request, row=None, form=kept, errors=error.errors, status_code=422)
    return await audited(request, change, f"/users/{change.object_id}?saved=1")


async def show_user(request: Request) -> Response:
    try:
        row = await users.get_user(request.path_params["user_id"], request.state.user)
    except UnknownObject as error:
        return not_found(request, error)
    notice = "users.saved" if request.query_params.get("saved") else None
    return await _user_form(request, row=row, form=user_input_of(row), notice=notice)


async def update_user(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    data = await _user_input(request)
    try:
        change = await users.update_user(user_id, data, actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    except FormInvalid as error:
        row = await users.get_user(user_id, request.state.user)
        return await _user_form(request, row=row, form=data, errors=error.errors, status_code=422)
    except RefusedChange as error:
        row = await users.get_user(user_id, request.state.user)
        return await _user_form(
            request, row=row, form=data, refusal=refusal_of(error), status_code=409
        )
    return await audited(request, change, f"/users/{change.object_id}?saved=1")


async def _set_active(request: Request, active: bool) -> Response:
    user_id = request.path_params["user_id"]
    try:
        change = await users.set_active(user_id, active, actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    except RefusedChange as error:
        row = await users.get_user(user_id, request.state.user)
        return await _user_form(
            request,
            row=row,
            form=user_input_of(row),
            refusal=refusal_of(error),
            status_code=409,
        )
    return await audited(request, change, f"/users/{change.object_id}?saved=1")


async def deactivate_user(request: Request) -> Response:
    return await _set_active(request, False)


async def activate_user(request: Request) -> Response:
    return await _set_active(request, True)


async def reset_password(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    form = await request.form()
    try:
        password = str(form.get("new_password", ""))
        change = await users.reset_password(user_id, password, actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    except RefusedChange as error:
        row = await users.get_user(user_id, request.state.user)
        return await _user_form(
            request,
            row=row,
            form=user_input_of(row),
            refusal=refusal_of(error),
            status_code=409,
        )
    except FormInvalid as error:
        row = await users.get_user(user_id, request.state.user)
        errors = {"new_password": error.errors["password"]}
        return await _user_form(
            request, row=row, form=user_input_of(row), errors=errors, status_code=422
        )
    if change.object_id == actor(request).user_id:
        # Their own new password: every other session ended, this one goes on.
        await sessions.begin(request.session, change.object_id)
    return await audited(request, change, f"/users/{change.object_id}?saved=1")


# ---- groups ----------------------------------------------------------------


async def list_groups(request: Request) -> Response:
    rows = await groups.list_groups(actor(request))
    return render(request, "users/groups.html", {"groups": rows})


def group_input_of(row: GroupRow) -> GroupInput:
    """The edit form of an existing group, as if typed."""
    return GroupInput(
        name=row.name,
        ip_allowlist="\n".join(row.ip_allowlist),
        role_ids=tuple(str(rid) for rid in row.role_ids),
    )


async def _group_form(
    request: Request,
    *,
    row: GroupRow | None,
    form: GroupInput,
    errors: dict[str, FieldError] | None = None,
    refusal: FieldError | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "row": row,
        "form": form,
        "errors": errors or {},
        "refusal": refusal,
        "notice": notice,
        "roles": await groups.all_roles(actor(request)),
    }
    return render(request, "users/group_form.html", context, status_code=status_code)


async def _group_input(request: Request) -> GroupInput:
    form = await request.form()
    return GroupInput(
        name=str(form.get("name", "")),
        ip_allowlist=str(form.get("ip_allowlist", "")),
        role_ids=form_values(form, "roles"),
    )


async def new_group(request: Request) -> Response:
    return await _group_form(request, row=None, form=GroupInput())


async def create_group(request: Request) -> Response:
    data = await _group_input(request)
    try:
        change = await groups.create_group(data, actor(request))
    except FormInvalid as error:
        return await _group_form(request, row=None, form=data, errors=error.errors, status_code=422)
    return await audited(request, change, f"/users/groups/{change.object_id}?saved=1")


async def show_group(request: Request) -> Response:
    try:
        row = await groups.get_group(request.path_params["group_id"], actor(request))
    except UnknownObject as error:
        return not_found(request, error)
    notice = "users.saved" if request.query_params.get("saved") else None
    return await _group_form(request, row=row, form=group_input_of(row), notice=notice)


async def update_group(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    data = await _group_input(request)
    try:
        change = await groups.update_group(group_id, data, actor(request), client_ip(request))
    except UnknownObject as error:
        return not_found(request, error)
    except FormInvalid as error:
        row = await groups.get_group(group_id, actor(request))
        return await _group_form(request, row=row, form=data, errors=error.errors, status_code=422)
    except RefusedChange as error:
        row = await groups.get_group(group_id, actor(request))
        return await _group_form(
            request, row=row, form=data, refusal=refusal_of(error), status_code=409
        )
    return await audited(request, change, f"/users/groups/{change.object_id}?saved=1")
