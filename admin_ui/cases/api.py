"""/api/v1/cases: take cases in, act on them, read them (the issue's contract).

A token acts as the centre (a business system, not a department's user);
every change is audited with the token's name and address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Principal, require
from admin_ui.cases import report_files
from admin_ui.web.i18n import LANGUAGES
from admin_ui.web.openapi_ops import operation
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from hotline.cases import case_reports, core, figures, follow_ups, reading, services
from hotline.center import Actor, ContactCenter
from hotline.errors import InvalidRequest


def _actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal.name, client_ip(request), principal.tenant_id, source="api")


def site_timezone(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return settings.site_timezone if settings is not None else "UTC"


def _bus(request: Request) -> Any:
    center: ContactCenter = request.app.state.center
    return center.bus


async def create_case(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    case = await services.create_case(
        principal.tenant_id,
        _actor(request, principal),
        body,
        timezone=site_timezone(request),
        bus=_bus(request),
    )
    return JSONResponse(case, status_code=201)


async def list_cases(request: Request) -> Response:
    principal = await require(request, "view")
    query = request.query_params
    rows = await reading.list_cases(
        principal.tenant_id,
        principal.name,
        overdue=query.get("overdue") in ("true", "1"),
        status=query.get("status", ""),
        supervised=query.get("supervised") in ("true", "1"),
        caller_number=query.get("caller_number", ""),
    )
    return JSONResponse(rows)


async def get_case(request: Request) -> Response:
    principal = await require(request, "view")
    case = await reading.case_detail(
        principal.tenant_id, principal.name, request.path_params["case_id"]
    )
    return JSONResponse(case)


async def case_action(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    case = await services.act(
        principal.tenant_id,
        _actor(request, principal),
        request.path_params["case_id"],
        body,
        bus=_bus(request),
    )
    return JSONResponse(case)


DEFAULT_PERIOD = timedelta(days=30)


def period(request: Request) -> tuple[datetime, datetime]:
    """``from`` and ``to`` (ISO with an offset); the last 30 days by default."""
    until = _instant(request.query_params.get("to"), "to") or datetime.now(UTC)
    since = _instant(request.query_params.get("from"), "from") or until - DEFAULT_PERIOD
    if since >= until:
        raise InvalidRequest("from: must be before to", {"field": "from"})
    return since, until


def _instant(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(f"{name}: an ISO date and time", {"field": name}) from None
    if value.tzinfo is None:
        raise InvalidRequest(f"{name}: give the time zone", {"field": name})
    return value


async def case_report(request: Request) -> Response:
    """METRICS.md: on-time rate per department and its ranking, and overall;
    every section of the case report; ``?format=xlsx|pdf|docx``: as one file."""
    principal = await require(request, "view")
    since, until = period(request)
    file_format = request.query_params.get("format", "json")
    if file_format != "json":
        zone = ZoneInfo(site_timezone(request))
        return await report_files.case_report_file(
            request,
            principal.tenant_id,
            since,
            until,
            file_format,
            zone,
            username=principal.name,
            source="api",
        )
    now = datetime.now(UTC)
    return JSONResponse(
        {
            "from": since.isoformat(),
            "to": until.isoformat(),
            "departments": await figures.department_figures(principal.tenant_id, since, until, now),
            "overall": await figures.overall(principal.tenant_id, since, until, now),
            "follow_up": await follow_ups.satisfaction(principal.tenant_id, since, until),
            "sections": await case_reports.all_sections(principal.tenant_id, since, until, now),
        }
    )


async def list_follow_ups(request: Request) -> Response:
    principal = await require(request, "view")
    assignee = request.query_params.get("assigned_to") or None
    return JSONResponse(await follow_ups.listed(principal.tenant_id, assignee))


async def assign_follow_ups(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    count = await follow_ups.assign(principal.tenant_id, _actor(request, principal), body)
    return JSONResponse({"assigned": count}, status_code=201)


async def call_follow_up(request: Request) -> Response:
    """Ring ``agent``'s phone, then the citizen (as a callback does)."""
    principal = await require(request, "agent-control")
    body = await json_object(request)
    placed = await follow_ups.call(
        principal.tenant_id,
        _actor(request, principal),
        request.path_params["follow_up_id"],
        str(body.get("agent", "")),
        request.app.state.center,
    )
    return JSONResponse(placed, status_code=202)


async def record_follow_up(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    row = await follow_ups.record(
        principal.tenant_id, _actor(request, principal), request.path_params["follow_up_id"], body
    )
    return JSONResponse(row)


ROUTES = [
    Route("/reports/cases", case_report),
    Route("/follow-ups", list_follow_ups),
    Route("/follow-ups", assign_follow_ups, methods=["POST"]),
    Route("/follow-ups/{follow_up_id:int}/call", call_follow_up, methods=["POST"]),
    Route("/follow-ups/{follow_up_id:int}/result", record_follow_up, methods=["POST"]),
    Route("/cases", list_cases),
    Route("/cases", create_case, methods=["POST"]),
    Route("/cases/{case_id:int}", get_case),
    Route("/cases/{case_id:int}/actions", case_action, methods=["POST"]),
]

_NOT_FOUND = "no such case (or not one the token's user may see)"
_CREATE = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["category", "subject"],
            "properties": {
                "category": {
                    "type": "string",
                    "description": "a code of the category list: 咨询, 投诉, 求助, 建议, 表扬"
                    " or a sub-category such as 投诉/水压",
                },
                "caller_number": {"type": "string"},
                "caller_name": {"type": "string"},
                "subject": {"type": "string"},
                "description": {"type": "string"},
                "source": {
                    "type": "string",
                    "description": "phone (default), web, email, walk-in, letter, forwarded",
                },
                "urgency": {"type": "string", "description": "normal (default), urgent, critical"},
                "address": {"type": "string"},
                "location": {"type": "string"},
                "call_id": {"type": "string", "description": "the call it was taken on"},
                "ivr_data": {"type": "object", "description": "what the caller keyed"},
                "department": {"type": "string", "description": "dispatch at once to it"},
                "first_contact_resolved": {
                    "type": "boolean",
                    "description": "answered on the call: closed at once (FCR)",
                },
            },
        }
    }
}
_ACTION = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"type": "string", "enum": list(core.ACTIONS)},
                "department": {"type": "string"},
                "departments": {"type": "array", "items": {"type": "string"}},
                "note": {
                    "type": "string",
                    "description": "the reason (return, joint, extend, reject_*, reopen need one)",
                },
                "deadline": {
                    "type": "string",
                    "description": "ISO with offset: overrides the step's computed deadline",
                },
                "result": {"type": "string", "description": "reply: a code of the result list"},
            },
        }
    }
}
_CASE = (
    "{id, number, status, category, source, subject, description, caller_number, holders,"
    " deadline, hours_left, overdue, extended, extensions, chases, supervised, history:"
    " [{at, user, department, action, targets, note, status, holders, deadline}],"
    " assignments, allowed_actions, ...}"
)
_NO_FOLLOW_UP = "no such follow-up (or another tenant's)"


def _with_format(op: dict[str, Any]) -> dict[str, Any]:
    """The case report's query: its period, and the file to answer with."""
    op["parameters"] = [
        *op.get("parameters", []),
        *(
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in ("from", "to")
        ),
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["json", *report_files.FORMATS]},
        },
        {
            "name": "lang",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(LANGUAGES)},
        },
    ]
    content = op["responses"]["200"]["content"]
    content.update({report_files.MEDIA_TYPES[name]: {} for name in report_files.FORMATS})
    return op


OPENAPI_PATHS: dict[str, Any] = {
    "/follow-ups": {
        "get": operation(
            "Follow-up visits (回访): {id, case_id, number, subject, caller_number, result,"
            " assigned_to, state (pending, reached, not_reached, given_up), satisfaction,"
            " solved, note, not_reached_reason, attempts}; ?assigned_to="
        ),
        "post": operation(
            "Assign closed cases to a follow-up agent: {assignee, department, category,"
            " closed_within_days (7), sample (0: all)}; answers {assigned} (audited)"
        ),
    },
    "/follow-ups/{follow_up_id}/call": {
        "post": operation(
            "Ring {agent}'s phone, then the citizen (202; audited as a callback)",
            ("follow_up_id",),
            not_found=_NO_FOLLOW_UP,
        ),
    },
    "/follow-ups/{follow_up_id}/result": {
        "post": operation(
            "Record {outcome: satisfied|basically_satisfied|dissatisfied|not_reached, solved,"
            " reason (not reached: no_answer, busy, wrong_number, refused, other), note,"
            " reopen (dissatisfied: reopen the case)} (audited)",
            ("follow_up_id",),
            not_found=_NO_FOLLOW_UP,
        ),
    },
    "/reports/cases": {
        "get": _with_format(
            operation(
                "Case figures over ?from=&to= (ISO, default the last 30 days): per department"
                " {department, name, due, on_time, late, extended, late_by_extensions,"
                " on_time_pct, rank} ranked by on-time rate (METRICS.md 按时办结率),"
                " overall {due, on_time, on_time_pct, opened, first_contact_resolved,"
                " fcr_pct}, follow_up {all and per department: reached, satisfied,"
                " not_reached, satisfaction_pct}, and sections {name: rows} of the case"
                " report (the rows of GET /reports/<name>: "
                + ", ".join(case_reports.SECTIONS)
                + "). ?format=xlsx (a sheet per section), pdf or docx (headed in ?lang=):"
                " the whole case report as one file (audited)"
            )
        ),
    },
    "/cases": {
        "get": operation(
            "Cases the token may see, newest first; ?overdue=true those past their"
            " deadline, ?status=, ?supervised=true, ?caller_number="
        ),
        "post": operation("Take a case in (工单受理; audited): " + _CASE, body=_CREATE),
    },
    "/cases/{case_id}": {
        "get": operation("A case with its history: " + _CASE, ("case_id",), not_found=_NOT_FOUND),
    },
    "/cases/{case_id}/actions": {
        "post": operation(
            "Act on a case (audited); refusals name the field",
            ("case_id",),
            body=_ACTION,
            not_found=_NOT_FOUND,
        ),
    },
}
