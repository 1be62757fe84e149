"""/api/v1/cases: take cases in, act on them, read them (the issue's contract).

A token acts as the centre (a business system, not a department's user);
every change is audited with the token's name and address.  An action comes
as JSON, or as ``multipart/form-data`` with the same fields and up to five
files (``attachments``, checked as the case page checks them:
hotline/cases/attachments.py); a file is read back through
``/cases/{id}/attachments/{attachment_id}``, each read audited as on the page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Principal, require
from admin_ui.cases import report_files
from admin_ui.web import audit
from admin_ui.web.body_limit import CASE_ACTION_LIMIT, FORM_LIMIT, UPLOAD_FIELDS_LIMIT
from admin_ui.web.i18n import LANGUAGES
from admin_ui.web.openapi_ops import operation
from admin_ui.web.rendering import app_settings
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from hotline.cases import attachments, case_reports, core, figures, follow_ups, reading, services
from hotline.center import Actor, ContactCenter
from hotline.errors import HotlineError, InvalidRequest

# The text fields of an action, as form fields of a multipart action (the
# JSON body's names); ``departments`` may be repeated, the others come once.
ACTION_FIELDS: Final = (
    "action",
    "department",
    "note",
    "deadline",
    "result",
    "follow_up_on",
    "basis",
    "refund",
    "penalty",
)


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
    return JSONResponse(_with_download_urls(case), status_code=201)


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


def attachment_url(case_id: int, attachment_id: int) -> str:
    """Where the API gives a case's file (a path under the app's address)."""
    return f"/api/v1/cases/{case_id}/attachments/{attachment_id}"


def _with_download_urls(case: dict[str, Any]) -> dict[str, Any]:
    """Each file on the case's history with the address to read it at."""
    for entry in case.get("history", []):
        for file in entry.get("attachments", []):
            file["download_url"] = attachment_url(case["id"], file["id"])
    return case


async def get_case(request: Request) -> Response:
    principal = await require(request, "view")
    case = await reading.case_detail(
        principal.tenant_id, principal.name, request.path_params["case_id"]
    )
    return JSONResponse(_with_download_urls(case))


class _BodyTooLarge(HotlineError):
    """As the body limit answers (admin_ui/web/body_limit.py), for a JSON
    body on a route whose limit is a multipart upload's."""

    error_id = "request-too-large"
    status_code = 413


def _is_multipart(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";", 1)[0]
    return media_type.strip().lower() == "multipart/form-data"


async def _action_json(request: Request) -> dict[str, Any]:
    # The route's body limit is a multipart action's; JSON keeps the API's.
    if len(await request.body()) > FORM_LIMIT:
        message = f"the request body is larger than this address accepts ({FORM_LIMIT} bytes)"
        raise _BodyTooLarge(message, {"limit": FORM_LIMIT})
    return await json_object(request)


async def _action_form(request: Request) -> tuple[dict[str, Any], list[attachments.Upload]]:
    """A multipart action: the JSON body's fields as form fields, and its
    files as parts named ``attachments`` (checked by ``services.act``)."""
    data: dict[str, Any] = {}
    uploads: list[attachments.Upload] = []
    async with request.form(max_part_size=UPLOAD_FIELDS_LIMIT) as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "attachments":
                    raise InvalidRequest(
                        f"{name}: text, not a file (files go in parts named 'attachments')",
                        {"field": name},
                    )
                if value.filename or value.size:  # a form's empty file field is no file
                    content = await value.read(attachments.MAX_BYTES + 1)
                    uploads.append(attachments.Upload(value.filename or "", content))
            elif name == "attachments":
                if not value:  # an empty file field, as a form sends it
                    continue
                raise InvalidRequest(
                    "attachments: each file as a file part (with its filename)",
                    {"field": "attachments"},
                )
            elif name == "departments":
                parts = (part.strip() for part in value.split(","))
                data.setdefault("departments", []).extend(part for part in parts if part)
            elif name in ACTION_FIELDS:
                if name in data:
                    raise InvalidRequest(f"{name}: give it once", {"field": name})
                data[name] = value
    return data, uploads


async def case_action(request: Request) -> Response:
    principal = await require(request, "edit")
    uploads: list[attachments.Upload] = []
    if _is_multipart(request):
        body, uploads = await _action_form(request)
    else:
        body = await _action_json(request)
    case = await services.act(
        principal.tenant_id,
        _actor(request, principal),
        request.path_params["case_id"],
        body,
        bus=_bus(request),
        uploads=uploads,
        files_dir=app_settings(request).var_dir,
    )
    return JSONResponse(_with_download_urls(case))


# As the case page's download (admin_ui/cases/http.py case_attachment).
ATTACHMENT_DOWNLOADED: Final = "case_attachment_downloaded"


async def case_attachment(request: Request) -> Response:
    """A file given with an action: for whoever may see the case (404
    otherwise, as for the case); every read audited."""
    principal = await require(request, "view")
    case_id = request.path_params["case_id"]
    row, data = await reading.attachment(
        principal.tenant_id, principal.name, case_id, request.path_params["attachment_id"]
    )
    await audit.record(
        request,
        ATTACHMENT_DOWNLOADED,
        "case_attachment",
        row.id,
        after={"case_id": case_id, "filename": row.filename},
        username=principal.name,
        source="api",
        tenant_id=principal.tenant_id,
    )
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
        "Cache-Control": "no-store",
    }
    return Response(data, media_type=row.content_type, headers=headers)


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
    Route("/cases/{case_id:int}/attachments/{attachment_id:int}", case_attachment),
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
                "confidential": {
                    "type": "boolean",
                    "description": "保密: the handling departments see the caller's number,"
                    " name and email masked",
                },
            },
        }
    }
}
_ACTION_PROPERTIES: dict[str, Any] = {
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
    "follow_up_on": {"type": "string", "description": "a follow-up reminder date (YYYY-MM-DD)"},
    "basis": {
        "type": "string",
        "description": "the legal basis of a joint request or a return (依据; 500 characters)",
    },
}
_KINDS = ", ".join(f".{extension}" for extension in attachments.KINDS)
_ACTION = {
    "application/json": {
        "schema": {"type": "object", "required": ["action"], "properties": _ACTION_PROPERTIES}
    },
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["action"],
            "properties": {
                **_ACTION_PROPERTIES,
                "departments": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "the field repeated, or codes separated by commas",
                },
                "attachments": {
                    "type": "array",
                    "maxItems": attachments.MAX_FILES,
                    "items": {"type": "string", "format": "binary"},
                    "description": f"up to {attachments.MAX_FILES} file parts named"
                    f" 'attachments', each at most {attachments.MAX_BYTES // 2**20} MB"
                    f" ({_KINDS}), its kind checked by its name and first bytes;"
                    f" the whole body at most {CASE_ACTION_LIMIT} bytes",
                },
            },
        },
        "encoding": {"attachments": {"contentType": "application/octet-stream"}},
    },
}
_ATTACHMENT = "{id, filename, content_type, size_bytes, download_url (GET it: the file, audited)}"
_CASE = (
    "{id, number, status, category, source, subject, description, caller_number, holders,"
    " deadline, hours_left, overdue, extended, extensions, chases, supervised, history:"
    " [{at, user, department, action, targets, note, status, holders, deadline, data,"
    f" attachments: [{_ATTACHMENT}]}}], assignments, allowed_actions, ...}}"
)


def _action_op() -> dict[str, Any]:
    op = operation(
        "Act on a case (audited): JSON, or multipart/form-data with the same fields as form"
        " fields and up to five files as 'attachments' (kept with the action, on its history"
        " row). Refusals name the field; a refused file is named in the message and in"
        " details.file, and nothing is kept: no action, no file. Answers the case: " + _CASE,
        ("case_id",),
        body=_ACTION,
        not_found=_NOT_FOUND,
    )
    op["responses"]["400"] = {"description": "a refusal naming the field (details.field)"}
    op["responses"]["413"] = {
        "description": f"request-too-large: a body over {CASE_ACTION_LIMIT} bytes"
        f" (multipart) or {FORM_LIMIT} bytes (JSON)"
    }
    return op


def _attachment_op() -> dict[str, Any]:
    op = operation(
        "A file given with an action on the case (its history's attachments: id,"
        " download_url), as a download (Content-Disposition: attachment) of its content"
        " type; for whoever may see the case; every download audited"
        " (case_attachment_downloaded, as on the case page)",
        ("case_id", "attachment_id"),
        not_found="no such case or file (or not a case the token's user may see)",
    )
    types = sorted({content_type for content_type, _starts in attachments.KINDS.values()})
    op["responses"]["200"] = {
        "description": "the file",
        "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in types},
    }
    return op


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
    "/cases/{case_id}/actions": {"post": _action_op()},
    "/cases/{case_id}/attachments/{attachment_id}": {"get": _attachment_op()},
}
