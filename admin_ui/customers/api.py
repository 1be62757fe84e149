"""/api/v1/customers: customer records for business systems (bearer token).

A token needs the API action ("view", "edit") and a role that may do the
same on the pages (``customers:view``, ``customers:edit``): an auditor's
token reads, a supervisor's reads too (its token role has no "edit"), an
administrator's writes.  Numbers and ID numbers are masked unless the
token's role has ``customer_pii:view``.  Outside a call
(``?call_id=``), account details go to tokens that may edit customers, as
they do to the people who maintain the records on the pages.  Every change
is audited with the token's name and address.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import Forbidden, Principal, require
from admin_ui.customers.http import site_zone
from admin_ui.web.openapi_ops import operation
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from hotline.center import Actor
from hotline.customers import files, reading, services
from hotline.customers.store import Viewer
from hotline.errors import InvalidRequest
from hotline.permissions import BUILTIN_ROLES


async def _principal(request: Request, action: str) -> Principal:
    principal = await require(request, action)
    if f"customers:{action}" not in BUILTIN_ROLES.get(principal.role, frozenset()):
        raise Forbidden(f"role {principal.role!r} may not {action} customers")
    return principal


def _viewer(principal: Principal) -> Viewer:
    granted = BUILTIN_ROLES.get(principal.role, frozenset())
    return Viewer(reveal="customer_pii:view" in granted, maintains="customers:edit" in granted)


def _actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal.name, client_ip(request), principal.tenant_id, source="api")


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(reading.PAGE_SIZE))
    if not raw.isdigit():
        raise InvalidRequest("limit: a whole number", {"field": "limit"})
    return min(500, max(1, int(raw)))


async def list_customers(request: Request) -> Response:
    principal = await _principal(request, "view")
    rows = await reading.search(
        principal.tenant_id,
        _viewer(principal),
        query=request.query_params.get("q", "")[:64],
        mark=request.query_params.get("mark", ""),
        limit=_limit(request),
    )
    return JSONResponse(rows)


async def create_customer(request: Request) -> Response:
    principal = await _principal(request, "edit")
    body = await json_object(request)
    customer = await services.create(
        principal.tenant_id, _actor(request, principal), body, zone=site_zone(request)
    )
    record = await reading.detail(principal.tenant_id, customer.id, _viewer(principal))
    return JSONResponse(record, status_code=201)


async def get_customer(request: Request) -> Response:
    principal = await _principal(request, "view")
    record = await reading.detail(
        principal.tenant_id,
        request.path_params["customer_id"],
        _viewer(principal),
        call_id=request.query_params.get("call_id", "")[:64],
    )
    return JSONResponse(record)


async def lookup(request: Request) -> Response:
    principal = await _principal(request, "view")
    number = request.query_params.get("number", "").strip()
    if not number:
        raise InvalidRequest("number: the caller's number", {"field": "number"})
    return JSONResponse(await reading.lookup(principal.tenant_id, number[:40], _viewer(principal)))


async def import_customers(request: Request) -> Response:
    principal = await _principal(request, "edit")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequest("send multipart/form-data with the file as 'file'", {"field": "file"})
    async with request.form(max_part_size=files.MAX_IMPORT_BYTES) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("a multipart upload needs a 'file' part", {"field": "file"})
        data = await upload.read(files.MAX_IMPORT_BYTES + 1)
        filename = upload.filename or ""
    if len(data) > files.MAX_IMPORT_BYTES:
        raise InvalidRequest(
            f"file: larger than {files.MAX_IMPORT_BYTES // 2**20} MB", {"field": "file"}
        )
    report = await files.import_file(
        principal.tenant_id, _actor(request, principal), data, filename, zone=site_zone(request)
    )
    return JSONResponse(report)


ROUTES = [
    Route("/customers", list_customers),
    Route("/customers", create_customer, methods=["POST"]),
    # Before /customers/{id}: "lookup" is no id (the int converter says so too).
    Route("/customers/lookup", lookup),
    Route("/customers/import", import_customers, methods=["POST"]),
    Route("/customers/{customer_id:int}", get_customer),
]

_NOT_FOUND = "no such customer (or another tenant's)"
_SUMMARY = (
    "{id, name, numbers: [{id, number, label}], standing (vip, blacklist, nuisance,"
    " known), vip, marks: [{id, kind, reason, expires_at, counts, ...}]}; numbers masked"
    " (138****8000) unless the token's role has customer_pii:view"
)
_CREATE = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["name", "numbers"],
            "properties": {
                "name": {"type": "string"},
                "numbers": {"type": "array", "items": {"type": "string"}},
                "account_number": {"type": "string"},
                "id_number": {"type": "string"},
                "address": {"type": "string"},
                "email": {"type": "string"},
                "notes": {"type": "string"},
                "marks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "kind": {"type": "string", "enum": ["vip", "blacklist", "nuisance"]},
                            "reason": {"type": "string"},
                            "expires_at": {
                                "type": "string",
                                "description": "a date (the end of that day, site time)"
                                " or an ISO time with its offset; none: no end",
                            },
                        },
                    },
                },
            },
        }
    }
}
_IMPORT = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    }
}
OPENAPI_PATHS: dict[str, Any] = {
    "/customers": {
        "get": operation("Customers by ?q= (name, account, number) and ?mark=: " + _SUMMARY),
        "post": operation(
            "Create a customer with their numbers (and marks); audited; a number already"
            " another customer's is a 409",
            body=_CREATE,
        ),
    },
    "/customers/lookup": {
        "get": operation(
            "The customer whose number ?number= is (a caller ID in any form):"
            " {customer (or null), standing (unknown without one)}"
        ),
    },
    "/customers/import": {
        "post": operation(
            "Import a CSV or XLSX file (name, phone, account_number, id_number, address,"
            " email, notes, mark, mark_reason, mark_expires): {created, updated, rejected:"
            " [{line, problems: [{field, reason}]}], ignored_columns}; good rows are kept",
            body=_IMPORT,
        ),
    },
    "/customers/{customer_id}": {
        "get": operation(
            "A customer with their marks (expired and revoked too, counts: false), calls and"
            " cases, identity (matched, failed, not_checked for ?call_id=) and account"
            " (account_number, id_number, address, email, notes; null unless that call's"
            " identity check matched, or, without a call, the token may edit customers)",
            ("customer_id",),
            not_found=_NOT_FOUND,
        ),
    },
}
