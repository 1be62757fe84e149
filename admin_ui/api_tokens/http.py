"""API tokens pages: thin handlers (the guard has checked sign-in, permission and CSRF).

- ``GET /api-tokens``: the list; ``#api-tokens`` is its htmx swap target
  (the revoke buttons post there and get the partial back).
- ``GET /api-tokens/new`` and ``POST /api-tokens``: the create form.  A
  created token's page is the answer to the POST itself (not a redirect):
  the clear token is shown there once and is kept nowhere, not even in
  the session cookie, and the page is sent with ``Cache-Control: no-store``.
- ``POST /api-tokens/{id}/revoke``: revoke; a plain form gets a 303 back
  to the list.

Who may create or revoke which token is the kernel's
(``hotline/accounts/api_token_admin.py``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web import audit
from admin_ui.web.rendering import current_user, is_htmx, render
from hotline.accounts import api_token_admin
from hotline.accounts.api_token_admin import TokenInput
from hotline.accounts.errors import FieldError, FormInvalid, RefusedChange, UnknownObject
from hotline.accounts.principal import Principal
from hotline.api_tokens import ROLE_ACTIONS, SCOPES, ordered_scopes

LIST_URL = "/api-tokens"
NO_STORE = {"Cache-Control": "no-store"}


def actor(request: Request) -> Principal:
    user = current_user(request)
    assert user is not None  # the guard signed the user in
    return user


async def _list(
    request: Request,
    *,
    notice: str | None = None,
    refusal: FieldError | None = None,
    status_code: int = 200,
) -> Response:
    tokens = await api_token_admin.list_tokens(request.state.user)
    context = {"tokens": tokens, "notice": notice, "refusal": refusal}
    template = "api_tokens/_tokens.html" if is_htmx(request) else "api_tokens/list.html"
    return render(request, template, context, status_code=status_code)


async def list_tokens(request: Request) -> Response:
    notice = "api_tokens.revoked" if request.query_params.get("done") == "revoked" else None
    return await _list(request, notice=notice)


def _form(
    request: Request,
    form: TokenInput,
    errors: dict[str, FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    user = actor(request)
    context: dict[str, Any] = {
        "form": form,
        "errors": errors or {},
        "roles": api_token_admin.roles_for(user),
        "role_actions": {role: ordered_scopes(acts) for role, acts in ROLE_ACTIONS.items()},
        "scopes": SCOPES,
        "may_skip_expiry": api_token_admin.may_skip_expiry(user),
        "max_days": api_token_admin.MAX_EXPIRY_DAYS,
    }
    return render(request, "api_tokens/form.html", context, status_code=status_code)


async def new_token(request: Request) -> Response:
    return _form(request, TokenInput())


async def create_token(request: Request) -> Response:
    form = await request.form()
    data = TokenInput(
        name=str(form.get("name", "")),
        role=str(form.get("role", "")),
        scopes=tuple(str(scope) for scope in form.getlist("scopes")),
        expires_days=str(form.get("expires_days", "")),
        never_expires=form.get("never_expires") == "on",
    )
    try:
        created = await api_token_admin.create_token(data, actor(request))
    except FormInvalid as error:
        return _form(request, data, error.errors, status_code=422)
    await audit.record_change(request, created.change)
    context = {"row": created.row, "clear_token": created.clear_token}
    return render(request, "api_tokens/created.html", context, headers=NO_STORE)


async def revoke_token(request: Request) -> Response:
    try:
        change = await api_token_admin.revoke_token(request.path_params["token_id"], actor(request))
    except UnknownObject as error:
        context = {"message": error.message}
        return render(request, "api_tokens/not_found.html", context, status_code=404)
    except RefusedChange as error:
        refusal = FieldError(error.message_key, error.params)
        # htmx swaps only 2xx answers: the refusal comes in the partial.
        return await _list(request, refusal=refusal, status_code=200 if is_htmx(request) else 409)
    if change is not None:
        await audit.record_change(request, change)
    if is_htmx(request):
        return await _list(request, notice="api_tokens.revoked")
    return RedirectResponse(f"{LIST_URL}?done=revoked", status_code=303)


async def back_to_list(request: Request) -> Response:
    # A POST-only path opened with GET (the language switch reloads the page).
    return RedirectResponse(LIST_URL, status_code=303)
