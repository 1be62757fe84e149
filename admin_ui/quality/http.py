"""The quality inspection pages: thin handlers; the use cases are
``hotline/quality/services.py``.

- ``GET /quality``: for an inspector (``quality:edit``) the sampling form,
  the reviews to score, the appeals and the month's figures per agent; for
  an agent their own reviews and their month's score.
- ``GET /quality/reviews/{id}``: the recording (through /calls, audited)
  beside the call's cases, and the score sheet; the agent's answer.
- ``POST /quality/sample``, ``/quality/reviews/{id}/score``, ``/uphold``,
  ``/answer`` (the agent's: accept or appeal).
- ``GET``/``POST /quality/forms``: the score sheets.

A refusal comes back on the page (422) naming its field, never 403.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web.rendering import current_user, render, tenant_of
from admin_ui.web.requests import ui_actor
from hotline.errors import HotlineError, InvalidRequest
from hotline.models import Agent
from hotline.quality import services
from hotline.tenancy import scoped

SAMPLE_SIZE: Final = 5


def _zone(request: Request) -> ZoneInfo:
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(settings.site_timezone if settings is not None else "UTC")


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[first day, first day of the next month) of ``YYYY-MM`` in the site's time."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=zone)
    except ValueError:
        raise InvalidRequest("month: YYYY-MM", {"field": "month"}) from None
    following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.astimezone(UTC), following.astimezone(UTC)


def _this_month(zone: ZoneInfo) -> str:
    return datetime.now(zone).strftime("%Y-%m")


def _is_inspector(request: Request) -> bool:
    user = current_user(request)
    return user is not None and user.can("quality:edit")


def _own_extension(request: Request) -> str | None:
    """None for an inspector (every review); an agent's extension ("" for none)."""
    if _is_inspector(request):
        return None
    user = current_user(request)
    return (user.phone_extension or "") if user is not None else ""


def _error(error: HotlineError | None) -> dict[str, Any]:
    return {
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }


async def quality_page(request: Request, error: HotlineError | None = None) -> Response:
    tenant, zone = tenant_of(request), _zone(request)
    month = request.query_params.get("month") or _this_month(zone)
    try:
        since, until = month_bounds(month, zone)
    except InvalidRequest as refused:
        error, month = refused, _this_month(zone)
        since, until = month_bounds(month, zone)
    own = _own_extension(request)
    context: dict[str, Any] = {"month": month, "inspector": own is None, **_error(error)}
    if own is None:
        context.update(
            {
                "pending": await services.listed(tenant, state="pending"),
                "appealed": await services.listed(tenant, state="appealed"),
                "scored": await services.listed(tenant, since=since, until=until),
                "figures": await services.report(tenant, since, until),
                "agents": [a.extension for a in await scoped(Agent, tenant).order_by("extension")],
                "forms": await services.forms(tenant),
                "sample_size": SAMPLE_SIZE,
            }
        )
    else:
        mine = await services.listed(tenant, agent=own) if own else []
        context.update(
            {
                "mine": [r for r in mine if r["state"] != "pending"],
                "figures": [
                    row
                    for row in await services.report(tenant, since, until)
                    if row["agent"] == own
                ],
            }
        )
    return render(request, "quality/page.html", context, status_code=422 if error else 200)


async def _posted(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}


async def sample(request: Request) -> Response:
    form = await _posted(request)
    try:
        since, until = month_bounds(form.get("month", ""), _zone(request))
        size = int(form.get("size", "") or SAMPLE_SIZE)
        sheet = form.get("form", "")
        await services.sample(
            tenant_of(request),
            ui_actor(request),
            agent=form.get("agent", ""),
            since=since,
            until=until,
            size=size,
            form_id=int(sheet) if sheet.isdigit() else None,
        )
    except ValueError:
        return await quality_page(request, InvalidRequest("size: a number", {"field": "size"}))
    except HotlineError as error:
        return await quality_page(request, error)
    return RedirectResponse(f"/quality?month={form.get('month', '')}", status_code=303)


async def review_page(request: Request, error: HotlineError | None = None) -> Response:
    tenant = tenant_of(request)
    review = await services.detail(
        tenant, request.path_params["review_id"], _own_extension(request)
    )
    user = current_user(request)
    context = {
        "review": review,
        "inspector": _is_inspector(request),
        "can_listen": user is not None and user.can("calls:view"),
        **_error(error),
    }
    return render(request, "quality/review.html", context, status_code=422 if error else 200)


async def _done(request: Request, change: Awaitable[Any]) -> Response:
    try:
        await change
    except HotlineError as error:
        return await review_page(request, error)
    return RedirectResponse(f"/quality/reviews/{request.path_params['review_id']}", 303)


async def score(request: Request) -> Response:
    form = await _posted(request)
    change = services.score_review(
        tenant_of(request), ui_actor(request), request.path_params["review_id"], form
    )
    return await _done(request, change)


async def uphold(request: Request) -> Response:
    form = await _posted(request)
    change = services.uphold(
        tenant_of(request),
        ui_actor(request),
        request.path_params["review_id"],
        form.get("note", ""),
    )
    return await _done(request, change)


async def answer(request: Request) -> Response:
    form = await _posted(request)
    change = services.answer(
        tenant_of(request),
        ui_actor(request),
        request.path_params["review_id"],
        _own_extension(request) or "",
        form.get("action", ""),
        form.get("reason", ""),
    )
    return await _done(request, change)


async def forms_page(request: Request, error: HotlineError | None = None) -> Response:
    tenant = tenant_of(request)
    await services.ensure_default_form(tenant)
    context = {"forms": await services.forms(tenant), **_error(error)}
    return render(request, "quality/forms.html", context, status_code=422 if error else 200)


async def save_form(request: Request) -> Response:
    form = await _posted(request)
    raw_id = form.get("form_id", "")
    try:
        await services.save_form(
            tenant_of(request),
            ui_actor(request),
            int(raw_id) if raw_id.isdigit() else None,
            form.get("name", ""),
            form.get("items", ""),
        )
    except HotlineError as error:
        return await forms_page(request, error)
    return RedirectResponse("/quality/forms", status_code=303)
