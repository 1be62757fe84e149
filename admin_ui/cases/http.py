"""The case pages (工单): thin handlers (the guard has checked sign-in,
permission and CSRF); the use cases are ``hotline/cases/services.py``.

- ``GET /cases``: the workbench (待办) by default: cases waiting for the
  user's department (the centre: those to dispatch, review or decide),
  chased and supervised ones, and those due soon; ``?view=overdue``,
  ``?view=supervised`` and ``?view=all`` are the other lists.
- ``GET /cases/new``: the intake form; ``?call_id=`` fills in the caller's
  number and what they keyed in the IVR (the desk's screen pop links here).
- ``POST /cases``: take the case in (audited), then its page.
- ``GET /cases/{id}``: the case, its path (who held it and when), history
  and the actions the user may take.
- ``POST /cases/{id}/actions``: one action (audited); a refusal names the field.
- ``GET /cases/notices``: the notice badge and list (``#case-notices``);
  ``/cases/notices/stream`` pushes it live (SSE); ``/cases/notices/{id}``
  marks one read and opens its case.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sse_starlette import EventSourceResponse
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.cases import path_graph
from admin_ui.cases.api import DEFAULT_PERIOD, site_timezone
from admin_ui.web import audit
from admin_ui.web.rendering import app_settings, current_user, render, render_fragment, tenant_of
from admin_ui.web.requests import ui_actor
from hotline.cases import attachments, core, directory, figures, notices, reading, services
from hotline.center import ContactCenter
from hotline.customers import reading as customers
from hotline.customers.store import Viewer
from hotline.errors import HotlineError, InvalidRequest, NotAllowed, NotFound

NOTICES_PARTIAL: Final = "cases/_notices.html"
VIEWS: Final = ("workbench", "overdue", "supervised", "all", "ranking")
DUE_SOON_H: Final = 4.0
KEEP_ALIVE_S: Final = 15
# Flow variables every call has: not what the caller keyed.
_CALL_BUILTINS: Final = frozenset(
    {"caller_id", "dialed_number", "call_id", "language", "tenant_id", "did", "channel"}
)
_INTAKE_FIELDS: Final = (
    "category",
    "caller_number",
    "caller_name",
    "caller_email",
    "language",
    "subject",
    "description",
    "source",
    "urgency",
    "address",
    "location",
    "call_id",
    "department",
)


def _username(request: Request) -> str:
    user = current_user(request)
    assert user is not None
    return user.username


def _center(request: Request) -> ContactCenter:
    center: ContactCenter = request.app.state.center
    return center


def _local(value: str | None, zone: ZoneInfo) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _with_local_times(rows: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    for row in rows:
        row["deadline_local"] = _local(row.get("deadline"), zone)
        row["created_local"] = _local(row.get("created_at"), zone)
        row["progress_due_local"] = _local(row.get("progress_due"), zone)
    return rows


async def cases_page(request: Request) -> Response:
    view = request.query_params.get("view", "workbench")
    if view not in VIEWS:
        view = "workbench"
    tenant, username = tenant_of(request), _username(request)
    zone = ZoneInfo(site_timezone(request))
    if view == "ranking":
        until = datetime.now(UTC)
        since = until - DEFAULT_PERIOD
        return render(
            request,
            "cases/ranking.html",
            {
                "view": view,
                "views": VIEWS,
                "rows": await figures.department_figures(tenant, since, until, until),
                "overall": await figures.overall(tenant, since, until, until),
                "zone": str(zone),
                # The case report's form: the same 30 days, as whole days.
                "report_from": since.astimezone(zone).date().isoformat(),
                "report_to": until.astimezone(zone).date().isoformat(),
            },
        )
    if view == "workbench":
        lists = await _workbench(tenant, username)
    else:
        rows = await reading.list_cases(
            tenant, username, overdue=view == "overdue", supervised=view == "supervised"
        )
        lists = {view: rows}
    for rows in lists.values():
        _with_local_times(rows, zone)
    place = await directory.membership(tenant, username)
    return render(
        request,
        "cases/list.html",
        {
            "view": view,
            "views": VIEWS,
            "lists": lists,
            "zone": str(zone),
            "can_announce": place.is_centre and place.lead,
            "announcements": await notices.recent_announcements(tenant)
            if place.is_centre and place.lead
            else [],
            "departments": await directory.departments(tenant),
        },
    )


async def _workbench(tenant: int, username: str) -> dict[str, list[dict[str, Any]]]:
    """The user's own work (个人工作台): what waits for their department's
    action, then chased, supervised and soon-due cases among those."""
    place = await directory.membership(tenant, username)
    open_cases = [
        case
        for case in await reading.list_cases(tenant, username, limit=500)
        if case["status"] != core.CLOSED
    ]
    if place.is_centre:
        waiting = [
            c
            for c in open_cases
            if c["status"] in (core.REGISTERED, core.REVIEWING, core.JOINT_REVIEW)
            or c["extension_pending"]
        ]
    else:
        waiting = [c for c in open_cases if place.department in c["holders"]]
    return {
        "waiting": waiting,
        "chased": [c for c in waiting if c["chases"]],
        "supervised": [c for c in open_cases if c["supervised"]],
        "due_soon": [
            c for c in waiting if c["hours_left"] is not None and 0 <= c["hours_left"] <= DUE_SOON_H
        ],
        "overdue": [c for c in open_cases if c["overdue"]],
        # 复杂投诉 whose daily progress reply is late.
        "progress_late": [c for c in open_cases if c["progress_overdue"]],
    }


async def intake_form(request: Request) -> Response:
    call_id = request.query_params.get("call_id", "")
    form: dict[str, Any] = {"source": "phone", "urgency": "normal", "call_id": call_id}
    ivr_data: dict[str, str] = {}
    if call_id:
        context = _center(request).call_context(call_id) or {}
        variables = {str(k): str(v) for k, v in (context.get("variables") or {}).items()}
        form["caller_number"] = str(context.get("caller_id") or variables.get("caller_id", ""))
        if variables.get("language") in ("en", "zh-CN"):
            form["language"] = variables["language"]
        ivr_data = {k: v for k, v in sorted(variables.items()) if k not in _CALL_BUILTINS}
    if request.query_params.get("caller_number"):
        form["caller_number"] = request.query_params["caller_number"]
    return await _intake(request, form, ivr_data)


async def _intake(
    request: Request,
    form: dict[str, Any],
    ivr_data: dict[str, str],
    error: HotlineError | None = None,
) -> Response:
    tenant = tenant_of(request)
    await directory.ensure_defaults(tenant)
    user = current_user(request)
    # The caller's customer record: linked to the case when it is taken in.
    customer = None
    if form.get("caller_number") and user is not None and user.can("customers:view"):
        reveal = Viewer(reveal=user.can("customer_pii:view"))
        customer = (await customers.lookup(tenant, str(form["caller_number"]), reveal))["customer"]
        if customer is not None and not form.get("caller_name"):
            form["caller_name"] = customer["name"]
    context = {
        "form": form,
        "customer": customer,
        "ivr_data": ivr_data,
        "categories": await directory.codes(tenant, "category"),
        "sources": await directory.codes(tenant, "source"),
        "urgencies": await directory.codes(tenant, "urgency"),
        "departments": await directory.departments(tenant),
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }
    return render(request, "cases/new.html", context, status_code=422 if error else 200)


async def create_case(request: Request) -> Response:
    posted = await request.form()
    form = {name: str(posted.get(name, "") or "") for name in _INTAKE_FIELDS}
    ivr_data = {
        str(key)[4:]: str(value)
        for key, value in posted.multi_items()
        if str(key).startswith("ivr.") and str(value)
    }
    data: dict[str, Any] = {**form, "ivr_data": ivr_data}
    data["first_contact_resolved"] = posted.get("first_contact_resolved") == "1"
    data["confidential"] = posted.get("confidential") == "1"
    form["confidential"] = "1" if data["confidential"] else ""
    data["note"] = str(posted.get("note", "") or "")
    try:
        case = await services.create_case(
            tenant_of(request),
            ui_actor(request),
            data,
            timezone=site_timezone(request),
            bus=_center(request).bus,
        )
    except HotlineError as error:
        return await _intake(request, form, ivr_data, error)
    return RedirectResponse(f"/cases/{case['id']}", status_code=303)


async def case_page(request: Request, error: HotlineError | None = None) -> Response:
    tenant, username = tenant_of(request), _username(request)
    case = await reading.case_detail(tenant, username, request.path_params["case_id"])
    zone = ZoneInfo(site_timezone(request))
    _with_local_times([case], zone)
    for entry in case["history"]:
        entry["at_local"] = _local(entry["at"], zone)
    departments = await directory.departments(tenant)
    names = {d["code"]: d["name"] for d in departments}
    context = {
        "case": case,
        "departments": departments,
        "department_names": names,
        "results": await directory.codes(tenant, "result"),
        "graph": path_graph.draw(case, names, datetime.now(UTC)),
        "zone": str(zone),
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }
    status = 200 if error is None else (403 if isinstance(error, NotAllowed) else 422)
    return render(request, "cases/detail.html", context, status_code=status)


async def case_action(request: Request) -> Response:
    # A multipart form: the action's fields and its files (attachments.py).
    async with request.form(max_part_size=attachments.MAX_BYTES + 1) as posted:
        data = {
            name: str(posted.get(name, "") or "")
            for name in ("action", "department", "note", "deadline", "result", "follow_up_on")
        }
        data["basis"] = str(posted.get("basis", "") or "")
        uploads = [
            attachments.Upload(file.filename or "", await file.read(attachments.MAX_BYTES + 1))
            for file in posted.getlist("attachments")
            if isinstance(file, UploadFile) and (file.filename or file.size)
        ]
    if data["deadline"] and len(data["deadline"]) == 16:  # datetime-local: the site's time
        local = datetime.fromisoformat(data["deadline"]).replace(
            tzinfo=ZoneInfo(site_timezone(request))
        )
        data["deadline"] = local.isoformat()
    try:
        await services.act(
            tenant_of(request),
            ui_actor(request),
            request.path_params["case_id"],
            data,
            bus=_center(request).bus,
            uploads=uploads,
            files_dir=app_settings(request).var_dir,
        )
    except NotFound:
        raise
    except HotlineError as error:
        return await case_page(request, error)
    return RedirectResponse(f"/cases/{request.path_params['case_id']}", status_code=303)


# -- notices -----------------------------------------------------------------------


async def _notices_context(request: Request) -> dict[str, Any]:
    tenant, username = tenant_of(request), _username(request)
    return {
        "notices": await notices.notices_for(tenant, username, limit=10),
        "unread": await notices.unread_count(tenant, username),
    }


async def notices_panel(request: Request) -> Response:
    return render(request, NOTICES_PARTIAL, await _notices_context(request))


async def _notices_event(request: Request) -> dict[str, Any]:
    html = render_fragment(request, NOTICES_PARTIAL, await _notices_context(request))
    return {"event": "notices", "data": html}


async def _one_notices_event(request: Request) -> AsyncIterator[dict[str, Any]]:
    yield await _notices_event(request)


async def notices_stream(request: Request) -> Response:
    if "text/event-stream" not in request.headers.get("accept", ""):
        # Not an EventSource (a probe, a test client): one event, then the end.
        return EventSourceResponse(_one_notices_event(request), ping=KEEP_ALIVE_S)
    username = _username(request)
    subscription = _center(request).bus.subscribe({notices.TOPIC})

    async def events() -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await _notices_event(request)
                while True:
                    event = await subscription.get()
                    if event.data.get("username") == username:
                        break
                await asyncio.sleep(0.2)  # several notices of one action: one refresh
        finally:
            subscription.close()

    return EventSourceResponse(events(), ping=KEEP_ALIVE_S)


async def open_notice(request: Request) -> Response:
    case_id = await notices.mark_read(
        tenant_of(request), _username(request), request.path_params["notice_id"]
    )
    return RedirectResponse("/cases" if case_id is None else f"/cases/{case_id}", status_code=303)


async def announce(request: Request) -> Response:
    """An internal announcement (内部公告) to all, or to one department's people."""
    form = await request.form()
    place = await directory.membership(tenant_of(request), _username(request))
    if not (place.is_centre and place.lead):
        # Not 403: the role may; this user leads no centre (the role check's is 403).
        raise InvalidRequest("announcements: the centre's leads send them", {"field": "audience"})
    await notices.announce(
        tenant_of(request),
        ui_actor(request),
        str(form.get("text", "")),
        str(form.get("audience", "all")),
        _center(request).bus,
    )
    return RedirectResponse("/cases", status_code=303)


async def case_attachment(request: Request) -> Response:
    """A file given with an action: for whoever may see the case; audited."""
    row, data = await reading.attachment(
        tenant_of(request),
        _username(request),
        request.path_params["case_id"],
        request.path_params["attachment_id"],
    )
    await audit.record(
        request,
        "case_attachment_downloaded",
        "case_attachment",
        row.id,
        after={"case_id": request.path_params["case_id"], "filename": row.filename},
    )
    disposition = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(data, media_type=row.content_type, headers=headers)
