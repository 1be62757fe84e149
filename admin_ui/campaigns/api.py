"""/api/v1/campaigns: outbound campaigns (外呼任务), their contacts, controls
and results; /api/v1/dnc: the do-not-call lists.  Every change is audited
with the token's name and address."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from admin_ui.auth import Principal, require
from admin_ui.web.openapi_ops import operation
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from ari_apps.campaigns import core, services
from hotline.center import Actor, ContactCenter
from hotline.errors import InvalidRequest
from hotline.metrics import export

# A contact list of 100 000 rows is a few MB; a sheet of pictures is not a list.
MAX_LIST_BYTES = 20 * 1024 * 1024
ATTEMPT_COLUMNS = (
    "id",
    "phone",
    "number",
    "outcome",
    "state",
    "started_at",
    "answered_at",
    "ended_at",
    "ring_s",
    "talk_s",
    "amd_status",
    "amd_cause",
    "hangup_cause",
    "detail",
    "agent",
    "answers",
)


def _actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal.name, client_ip(request), principal.tenant_id, source="api")


def _campaign_id(request: Request) -> int:
    value: int = request.path_params["campaign_id"]
    return value


async def list_campaigns(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await services.listed(principal.tenant_id))


async def create_campaign(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    row = await services.create(principal.tenant_id, _actor(request, principal), body)
    return JSONResponse(row, status_code=201)


async def get_campaign(request: Request) -> Response:
    principal = await require(request, "view")
    detail = await services.detail(principal.tenant_id, _campaign_id(request))
    center: ContactCenter = request.app.state.center
    return JSONResponse(detail | {"pacing": center.campaign_pacing(detail["id"])})


async def update_campaign(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    row = await services.update(
        principal.tenant_id, _actor(request, principal), _campaign_id(request), body
    )
    return JSONResponse(row)


def _control(action: str) -> Any:
    async def control(request: Request) -> Response:
        principal = await require(request, "edit")
        row = await services.control(
            principal.tenant_id, _actor(request, principal), _campaign_id(request), action
        )
        return JSONResponse(row)

    control.__name__ = f"{action}_campaign"
    return control


async def import_contacts(request: Request) -> Response:
    principal = await require(request, "edit")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequest("send multipart/form-data with the list as 'file'", {"field": "file"})
    async with request.form(max_part_size=MAX_LIST_BYTES) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("a multipart upload needs a 'file' part", {"field": "file"})
        data = await upload.read(MAX_LIST_BYTES + 1)
        filename = upload.filename or ""
    if len(data) > MAX_LIST_BYTES:
        raise InvalidRequest(
            f"file: larger than {MAX_LIST_BYTES // (1024 * 1024)} MB", {"field": "file"}
        )
    report = await services.import_contacts(
        principal.tenant_id, _actor(request, principal), _campaign_id(request), data, filename
    )
    return JSONResponse(report)


async def add_contacts(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    rows = body.get("contacts")
    if not isinstance(rows, list):
        raise InvalidRequest("contacts: give a list of {phone, ...}", {"field": "contacts"})
    report = await services.add_contacts(
        principal.tenant_id, _actor(request, principal), _campaign_id(request), rows
    )
    return JSONResponse(report)


async def list_contacts(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await services.contacts(principal.tenant_id, _campaign_id(request)))


async def rejected_rows(request: Request) -> Response:
    principal = await require(request, "view")
    body = await services.rejected_rows_csv(principal.tenant_id, _campaign_id(request))
    name = f"campaign-{_campaign_id(request)}-rejected.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def list_attempts(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await services.attempts(principal.tenant_id, _campaign_id(request)))


async def export_attempts(request: Request) -> Response:
    principal = await require(request, "view")
    file_format = request.path_params["file_format"]
    if file_format not in export.MEDIA_TYPES:
        raise InvalidRequest("attempts: export as .csv or .xlsx", {"field": "file_format"})
    return await attempts_file(principal.tenant_id, _campaign_id(request), file_format)


async def attempts_file(tenant_id: int, campaign_id: int, file_format: str) -> Response:
    """The campaign's attempts as a CSV or XLSX download (the API's and the page's)."""
    rows = [
        {name: flat(row.get(name)) for name in ATTEMPT_COLUMNS}
        for row in await services.attempts(tenant_id, campaign_id)
    ]
    name = f"campaign-{campaign_id}-attempts.{file_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    media_type = export.MEDIA_TYPES[file_format]
    if file_format == "csv":
        return StreamingResponse(
            export.csv_chunks(rows, ATTEMPT_COLUMNS), media_type=media_type, headers=headers
        )
    body = await run_in_threadpool(export.xlsx_bytes, rows, ATTEMPT_COLUMNS, sheet="attempts")
    return Response(body, media_type=media_type, headers=headers)


def flat(value: Any) -> Any:
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


async def preview_next(request: Request) -> Response:
    """A preview campaign's next contact (null: nobody is due now)."""
    principal = await require(request, "view")
    campaign = await services.campaign_of(principal.tenant_id, _campaign_id(request))
    next_contact = await services.preview_next(campaign)
    return JSONResponse({"campaign_id": campaign.id, "next": next_contact})


async def preview_call(request: Request) -> Response:
    """The agent's phone rings, then the contact (a preview campaign's)."""
    principal = await require(request, "agent-control")
    body = await json_object(request)
    contact_id = body.get("contact_id")
    if isinstance(contact_id, bool) or not isinstance(contact_id, int):
        raise InvalidRequest("contact_id: the contact's id (a number)", {"field": "contact_id"})
    await services.campaign_of(principal.tenant_id, _campaign_id(request))  # 404 first
    center: ContactCenter = request.app.state.center
    placed = await center.preview_call(
        principal.tenant_id,
        _campaign_id(request),
        contact_id,
        str(body.get("agent", "")),
        _actor(request, principal),
    )
    return JSONResponse(placed, status_code=202)


async def list_dnc(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await services.dnc_list(principal.tenant_id))


async def add_dnc(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    campaign = body.get("campaign_id")
    if campaign is not None and (isinstance(campaign, bool) or not isinstance(campaign, int)):
        raise InvalidRequest("campaign_id: a campaign's id, or null for every campaign")
    row = await services.add_dnc(
        principal.tenant_id,
        _actor(request, principal),
        str(body.get("phone", "")),
        campaign,
        str(body.get("reason", "")),
    )
    return JSONResponse(row, status_code=201)


ROUTES = [
    Route("/campaigns", list_campaigns),
    Route("/campaigns", create_campaign, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}", get_campaign),
    Route("/campaigns/{campaign_id:int}", update_campaign, methods=["PUT"]),
    *(
        Route(f"/campaigns/{{campaign_id:int}}/{action}", _control(action), methods=["POST"])
        for action in core.ACTIONS
    ),
    Route("/campaigns/{campaign_id:int}/contacts", list_contacts),
    Route("/campaigns/{campaign_id:int}/contacts", add_contacts, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/contacts/import", import_contacts, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/contacts/rejected.csv", rejected_rows),
    Route("/campaigns/{campaign_id:int}/attempts", list_attempts),
    Route("/campaigns/{campaign_id:int}/attempts.{file_format:str}", export_attempts),
    Route("/campaigns/{campaign_id:int}/preview", preview_next),
    Route("/campaigns/{campaign_id:int}/preview/call", preview_call, methods=["POST"]),
    Route("/dnc", list_dnc),
    Route("/dnc", add_dnc, methods=["POST"]),
]

_NOT_FOUND = "no such campaign (or another tenant's)"
_CREATE = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": list(core.KINDS)},
                "message_prompt": {"type": "string", "description": "sound:NAME or prompt:NAME"},
                "flow": {"type": "string", "description": "published flow answered calls enter"},
                "entry_node": {"type": "string", "description": "its node (default: start)"},
                "caller_id": {"type": "string"},
                "max_attempts": {"type": "integer", "default": 3},
                "retry_delay_s": {"type": "integer", "default": 600},
                "retry_policy": {
                    "type": "object",
                    "description": "per outcome {delay_seconds, max_retries}",
                },
                "call_window": {
                    "type": "object",
                    "description": "{timezone, hours: [{days, from, to}], holidays}",
                },
                "amd_enabled": {"type": "boolean", "default": True},
                "amd_params": {"type": "object"},
                "machine_action": {"type": "string", "enum": list(core.MACHINE_ACTIONS)},
                "machine_message_prompt": {"type": "string"},
                "max_concurrent": {"type": "integer", "default": 2},
                "calls_per_second": {"type": "number", "default": 1.0},
                "ring_timeout_s": {"type": "integer", "default": 25, "minimum": 15},
                "scheduled_start": {"type": "string", "description": "ISO 8601 with offset"},
            },
        }
    }
}
_CONTACTS = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["contacts"],
            "properties": {
                "contacts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["phone"],
                        "properties": {
                            "phone": {"type": "string"},
                            "name": {"type": "string"},
                            "timezone": {"type": "string"},
                            "priority": {"type": "integer"},
                            "fields": {"type": "object"},
                        },
                    },
                }
            },
        }
    }
}
_IMPORT = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    }
}
_DNC = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["phone"],
            "properties": {
                "phone": {"type": "string", "description": "E.164, or a prefix ending in *"},
                "campaign_id": {"type": "integer", "description": "null: every campaign"},
                "reason": {"type": "string"},
            },
        }
    }
}
_ID = ("campaign_id",)
_PREVIEW_CALL = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["agent", "contact_id"],
            "properties": {
                "agent": {"type": "string", "description": "the agent extension to ring first"},
                "contact_id": {"type": "integer", "description": "from .../preview"},
            },
        }
    }
}
OPENAPI_PATHS: dict[str, Any] = {
    "/campaigns": {
        "get": operation("Campaigns with their live figures"),
        "post": operation("Create a campaign; returns it with its id (audited)", body=_CREATE),
    },
    "/campaigns/{campaign_id}": {
        "get": operation(
            "One campaign, its figures and its live pacing", _ID, not_found=_NOT_FOUND
        ),
        "put": operation(
            "Change a campaign that is not running: the settings given, as on create (audited)",
            _ID,
            body=_CREATE,
            not_found=_NOT_FOUND,
        ),
    },
    **{
        f"/campaigns/{{campaign_id}}/{action}": {
            "post": operation(
                f"{action.capitalize()} the campaign (audited)", _ID, not_found=_NOT_FOUND
            )
        }
        for action in core.ACTIONS
    },
    "/campaigns/{campaign_id}/contacts": {
        "get": operation("The campaign's contacts", _ID, not_found=_NOT_FOUND),
        "post": operation(
            "Add contacts: {accepted, rejected: [{line, reason}]} (audited)",
            _ID,
            body=_CONTACTS,
            not_found=_NOT_FOUND,
        ),
    },
    "/campaigns/{campaign_id}/contacts/import": {
        "post": operation(
            "Import a CSV (header row, column phone) or XLSX list:"
            " {accepted, rejected: [{line, reason}]}, lines from 1 with the header (audited)",
            _ID,
            body=_IMPORT,
            not_found=_NOT_FOUND,
        ),
    },
    "/campaigns/{campaign_id}/preview": {
        "get": operation(
            "A preview campaign's next contact: {campaign_id, next} (next null: nobody due)",
            _ID,
            not_found=_NOT_FOUND,
        ),
    },
    "/campaigns/{campaign_id}/preview/call": {
        "post": operation(
            "Call a preview campaign's contact: the agent's phone rings first, then the"
            " contact (202; the attempt follows as any other; audited)",
            _ID,
            body=_PREVIEW_CALL,
            not_found=_NOT_FOUND,
        ),
    },
    "/campaigns/{campaign_id}/contacts/rejected.csv": {
        "get": operation("The last import's rejected rows as CSV", _ID, not_found=_NOT_FOUND),
    },
    "/campaigns/{campaign_id}/attempts": {
        "get": operation(
            "Every attempt: {phone, outcome, started_at, answered_at, ended_at, ring_s,"
            " talk_s, amd_status, answers, ...}",
            _ID,
            not_found=_NOT_FOUND,
        ),
    },
    "/campaigns/{campaign_id}/attempts.{file_format}": {
        "get": operation(
            "The attempts as csv or xlsx", (*_ID, "file_format"), not_found=_NOT_FOUND
        ),
    },
    "/dnc": {
        "get": operation("The do-not-call lists: {id, phone, campaign_id, reason}"),
        "post": operation("Add a number or prefix to a do-not-call list (audited)", body=_DNC),
    },
}
