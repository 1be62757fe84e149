"""Webhooks pages: thin handlers (the guard has checked sign-in, permission and CSRF).

- ``GET /webhooks``: subscriptions with their delivery counts, and the
  recent deliveries; ``#webhooks`` is the htmx swap target of every button.
- ``GET /webhooks/new`` and ``POST /webhooks``: the create form.  The
  answer to the POST shows the signing secret once (``no-store``), as a new
  API token's page does; the list never shows it again.
- ``POST /webhooks/{id}/activate|deactivate|delete`` and
  ``POST /webhooks/deliveries/{id}/redeliver``: each audited; a plain form
  gets a 303 back to the list, htmx the partial.

The use cases are the kernel's (``hotline/webhooks/services.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web import audit
from admin_ui.web.rendering import is_htmx, render, tenant_of
from hotline.accounts.changes import Change
from hotline.accounts.errors import FieldError, FormInvalid
from hotline.errors import NotFound
from hotline.webhooks import services
from hotline.webhooks.core import KINDS

LIST_URL = "/webhooks"
NO_STORE = {"Cache-Control": "no-store"}
_NOTICES = {"saved": "webhooks.saved"}


async def _list(request: Request, *, notice: str | None = None, status_code: int = 200) -> Response:
    tenant_id = tenant_of(request)
    context = {
        "subscriptions": await services.list_subscriptions(tenant_id),
        "deliveries": await services.list_deliveries(tenant_id),
        "notice": notice,
        "refusal": None,
    }
    template = "webhooks/_webhooks.html" if is_htmx(request) else "webhooks/list.html"
    return render(request, template, context, status_code=status_code)


async def list_webhooks(request: Request) -> Response:
    return await _list(request, notice=_NOTICES.get(request.query_params.get("done", "")))


def _form(
    request: Request,
    form: services.SubscriptionInput,
    errors: dict[str, FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {"form": form, "errors": errors or {}, "kinds": KINDS}
    return render(request, "webhooks/form.html", context, status_code=status_code)


async def new_webhook(request: Request) -> Response:
    return _form(request, services.SubscriptionInput())


async def create_webhook(request: Request) -> Response:
    form = await request.form()
    data = services.SubscriptionInput(
        name=str(form.get("name", "")),
        url=str(form.get("url", "")),
        kinds=tuple(str(kind) for kind in form.getlist("kinds")) or KINDS,
    )
    try:
        created = await services.create_subscription(tenant_of(request), data)
    except FormInvalid as error:
        return _form(request, data, error.errors, status_code=422)
    await audit.record_change(request, created.change)
    context = {"row": created.row, "secret": created.secret}
    return render(request, "webhooks/created.html", context, headers=NO_STORE)


async def _changed(request: Request, change: Awaitable[Change | None]) -> Response:
    try:
        done = await change
    except NotFound as error:
        context = {"message": error.message}
        return render(request, "webhooks/not_found.html", context, status_code=404)
    if done is not None:
        await audit.record_change(request, done)
    if is_htmx(request):
        return await _list(request, notice="webhooks.saved")
    return RedirectResponse(f"{LIST_URL}?done=saved", status_code=303)


def _webhook_id(request: Request) -> int:
    webhook_id: int = request.path_params["webhook_id"]
    return webhook_id


async def activate(request: Request) -> Response:
    return await _changed(
        request, services.set_active(tenant_of(request), _webhook_id(request), True)
    )


async def deactivate(request: Request) -> Response:
    return await _changed(
        request, services.set_active(tenant_of(request), _webhook_id(request), False)
    )


async def delete(request: Request) -> Response:
    return await _changed(
        request, services.delete_subscription(tenant_of(request), _webhook_id(request))
    )


async def redeliver(request: Request) -> Response:
    delivery_id: int = request.path_params["delivery_id"]
    return await _changed(request, services.redeliver(tenant_of(request), delivery_id))
