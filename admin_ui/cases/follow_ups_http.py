"""The follow-up page (/cases/follow-ups, 回访): thin handlers; the use
cases are ``hotline/cases/follow_ups.py``.

- ``GET``: the user's follow-ups (the case beside its answer, a call
  button when the user has a phone, the result form); for the centre's
  leads also the assign form and everyone's.
- ``POST /cases/follow-ups/assign``: closed cases by filter or sample.
- ``POST /cases/follow-ups/{id}/call``: ring the user's phone, then the citizen.
- ``POST /cases/follow-ups/{id}/result``: the answer, or not reached.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web.rendering import current_user, render, tenant_of
from admin_ui.web.requests import ui_actor
from hotline.cases import directory, follow_ups
from hotline.errors import HotlineError, InvalidRequest

PAGE = "cases/follow_ups.html"


async def follow_ups_page(request: Request, error: HotlineError | None = None) -> Response:
    tenant = tenant_of(request)
    user = current_user(request)
    assert user is not None
    place = await directory.membership(tenant, user.username)
    lead = place.is_centre and place.lead
    context: dict[str, Any] = {
        "mine": await follow_ups.listed(tenant, user.username),
        "everyone": await follow_ups.listed(tenant) if lead else [],
        "lead": lead,
        "can_call": bool(user.phone_extension),
        "departments": await directory.departments(tenant),
        "satisfactions": follow_ups.SATISFACTIONS,
        "reasons": follow_ups.NOT_REACHED_REASONS,
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }
    # A refusal (not a lead, no phone, a bad field) comes back on the page:
    # 422, never 403, which is the role check's answer.
    return render(request, PAGE, context, status_code=422 if error else 200)


async def _done(request: Request, change: Any) -> Response:
    try:
        await change
    except HotlineError as error:
        return await follow_ups_page(request, error)
    return RedirectResponse("/cases/follow-ups", status_code=303)


async def assign(request: Request) -> Response:
    form = dict(await request.form())
    return await _done(request, follow_ups.assign(tenant_of(request), ui_actor(request), form))


async def _call(request: Request) -> None:
    tenant, actor = tenant_of(request), ui_actor(request)
    user = current_user(request)
    assert user is not None
    if not user.phone_extension:
        raise InvalidRequest("agent: your user has no phone to ring", {"field": "agent"})
    await follow_ups.call(
        tenant,
        actor,
        request.path_params["follow_up_id"],
        user.phone_extension,
        request.app.state.center,
    )


async def call(request: Request) -> Response:
    return await _done(request, _call(request))


async def record(request: Request) -> Response:
    form = dict(await request.form())
    change = follow_ups.record(
        tenant_of(request), ui_actor(request), request.path_params["follow_up_id"], form
    )
    return await _done(request, change)
