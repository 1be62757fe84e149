"""Handlers of the shifts pages: parse, one use case of ``hotline.shifts``, render.

Each page has one htmx swap target; htmx requests get its partial, plain
requests the whole page, and plain form posts a 303 back to the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.shifts import forms
from admin_ui.web import audit
from admin_ui.web.rendering import is_htmx, render, tenant_of
from hotline.errors import NotFound
from hotline.offload import JobBusy, JobError, JobFailed, JobTimedOut
from hotline.shifts import agent_schedules, business_calendars, planner, week
from hotline.shifts.exceptions import CalendarInUse, FormInvalid
from hotline.shifts.schedule import WEEKDAY_KEYS
from hotline.shifts.schedule_input import iso_date

PLANNER_DEFAULTS: Mapping[str, str] = {
    "calls": "",
    "interval": "30",
    "start": "08:00",
    "aht": "180",
    "service_level": "80",
    "answer_within": "20",
    "max_occupancy": "",
    "shrinkage": "",
}


def _show(
    request: Request, page: str, partial: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    template = partial if is_htmx(request) else page
    return render(request, template, context, status_code=status_code)


def _back_to(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _not_found(error: NotFound) -> HTTPException:
    return HTTPException(404, error.message)


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


# --- overview and agent schedules -------------------------------------------


async def overview(request: Request) -> Response:
    chosen = iso_date(request.query_params.get("week", "")) or date.today()
    shown = await week.week_overview(tenant_of(request), chosen)
    return _show(request, "shifts/overview.html", "shifts/_week.html", {"week": shown})


async def _agent_context(tenant_id: int, extension: str, **overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "schedule": await agent_schedules.agent_schedule(tenant_id, extension),
        "weekdays": WEEKDAY_KEYS,
        "pattern_form": {"weekday": "mon", "start": "09:00", "end": "17:00"},
        "pattern_errors": {},
        "exception_form": {"day": "", "kind": "off", "start": "", "end": "", "note": ""},
        "exception_errors": {},
    }
    context.update(overrides)
    return context


async def agent_page(request: Request) -> Response:
    extension = request.path_params["extension"]
    try:
        context = await _agent_context(tenant_of(request), extension)
    except NotFound as error:
        raise _not_found(error) from error
    return _show(request, "shifts/agent.html", "shifts/_agent_schedule.html", context)


async def _agent_change(request: Request, kind: str, action: str) -> Response:
    """Add or delete a weekly pattern or a date exception, audited."""
    tenant_id = tenant_of(request)
    extension = request.path_params["extension"]
    form = await _form(request)
    try:
        if action == "create":
            adder = (
                agent_schedules.add_pattern if kind == "pattern" else agent_schedules.add_exception
            )
            change = await adder(tenant_id, extension, form)
        else:
            item_id = request.path_params["item_id"]
            deleter = (
                agent_schedules.delete_pattern
                if kind == "pattern"
                else agent_schedules.delete_exception
            )
            change = await deleter(tenant_id, extension, item_id)
    except NotFound as error:
        raise _not_found(error) from error
    except FormInvalid as error:
        overrides = {f"{kind}_form": form, f"{kind}_errors": error.errors}
        context = await _agent_context(tenant_id, extension, **overrides)
        return _show(request, "shifts/agent.html", "shifts/_agent_schedule.html", context, 422)
    await audit.record(
        request, action, f"shift_{kind}", change.object_id, before=change.before, after=change.after
    )
    if is_htmx(request):
        context = await _agent_context(tenant_id, extension)
        return render(request, "shifts/_agent_schedule.html", context)
    return RedirectResponse(f"/shifts/agents/{extension}", status_code=303)


async def add_pattern(request: Request) -> Response:
    return await _agent_change(request, "pattern", "create")


async def delete_pattern(request: Request) -> Response:
    return await _agent_change(request, "pattern", "delete")


async def add_exception(request: Request) -> Response:
    return await _agent_change(request, "exception", "create")


async def delete_exception(request: Request) -> Response:
    return await _agent_change(request, "exception", "delete")


# --- calendars ---------------------------------------------------------------


async def calendars_page(request: Request) -> Response:
    calendars = await business_calendars.list_calendars(tenant_of(request))
    context = {"calendars": calendars, "form": {}, "errors": {}}
    return render(request, "shifts/calendars.html", context)


async def create_calendar(request: Request) -> Response:
    tenant_id = tenant_of(request)
    form = await _form(request)
    try:
        change = await business_calendars.create_calendar(tenant_id, form)
    except FormInvalid as error:
        context = {"calendars": await business_calendars.list_calendars(tenant_id), "form": form}
        context["errors"] = error.errors
        return _show(request, "shifts/calendars.html", "shifts/_calendar_form.html", context, 422)
    await audit.record(request, "create", "calendar", change.object_id, after=change.after)
    return _back_to(request, f"/shifts/calendars/{change.object_id}")


async def _calendar_context(tenant_id: int, name: str, **overrides: Any) -> dict[str, Any]:
    calendar = await business_calendars.get_calendar(tenant_id, name)
    form = forms.calendar_form_values(calendar["timezone"], calendar["hours"], calendar["holidays"])
    context: dict[str, Any] = {
        "calendar": calendar,
        "form": {**form, "name": name},
        "errors": {},
        "saved": False,
        "delete_error": None,
    }
    context.update(overrides)
    return context


async def calendar_page(request: Request) -> Response:
    try:
        context = await _calendar_context(tenant_of(request), request.path_params["name"])
    except NotFound as error:
        raise _not_found(error) from error
    return render(request, "shifts/calendar.html", context)


async def update_calendar(request: Request) -> Response:
    name = request.path_params["name"]
    form = await _form(request)
    try:
        change = await business_calendars.update_calendar(tenant_of(request), name, form)
    except NotFound as error:
        raise _not_found(error) from error
    except FormInvalid as error:
        context = await _calendar_context(
            tenant_of(request), name, form={**form, "name": name}, errors=error.errors
        )
        return _show(request, "shifts/calendar.html", "shifts/_calendar_form.html", context, 422)
    await audit.record(
        request, "update", "calendar", name, before=change.before, after=change.after
    )
    if is_htmx(request):
        return render(
            request,
            "shifts/_calendar_form.html",
            await _calendar_context(tenant_of(request), name, saved=True),
        )
    return RedirectResponse(f"/shifts/calendars/{name}", status_code=303)


async def delete_calendar(request: Request) -> Response:
    tenant_id = tenant_of(request)
    name = request.path_params["name"]
    try:
        change = await business_calendars.delete_calendar(tenant_id, name)
    except NotFound as error:
        raise _not_found(error) from error
    except CalendarInUse as error:
        context = await _calendar_context(tenant_id, name, delete_error=error.flows)
        return render(request, "shifts/calendar.html", context, status_code=409)
    await audit.record(request, "delete", "calendar", name, before=change.before)
    return _back_to(request, "/shifts/calendars")


# --- staffing planner ----------------------------------------------------------

# What each offload.JobError tells the planner's user.
_JOB_FAILURES: Mapping[str, str] = {
    JobTimedOut.error_id: "shifts.planner.timed_out",
    JobBusy.error_id: "shifts.planner.busy",
    JobFailed.error_id: "shifts.planner.failed",
}


def _show_planner(
    request: Request,
    form: Mapping[str, str],
    *,
    result: planner.PlannerResult | None = None,
    errors: Mapping[str, str] | None = None,
    failure: JobError | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "errors": errors or {},
        "result": result,
        "failure": _JOB_FAILURES.get(failure.error_id) if failure else None,
        "limits": {**forms.PLANNER_LIMITS, "seconds": f"{planner.PLANNER_TIME_LIMIT_S:g}"},
    }
    return _show(request, "shifts/planner.html", "shifts/_planner.html", context, status_code)


def _planner_form(submitted: Mapping[str, str]) -> dict[str, str]:
    return {**PLANNER_DEFAULTS, "date": date.today().isoformat(), **submitted}


async def planner_page(request: Request) -> Response:
    """The form only: computing is a POST with a CSRF token, never a link."""
    return _show_planner(request, _planner_form({}))


async def compute_plan(request: Request) -> Response:
    form = _planner_form(await _form(request))
    form.pop("csrf_token", None)
    try:
        result = await planner.plan(tenant_of(request), form, date.today())
    except FormInvalid as error:
        return _show_planner(request, form, errors=error.errors, status_code=400)
    except JobError as error:
        return _show_planner(request, form, failure=error, status_code=error.status_code)
    return _show_planner(request, form, result=result)
