"""/api/v1/fax: the catalogue, fax jobs and fax DIDs (bearer token, audited writes).

Every call works in the token's tenant: another tenant's document, job or
fax DID answers 404 like a missing one; a document number or DID another
tenant holds is refused (409) without saying whose.  The fax-back retry
policy is the installation's (it paces calls over the shared trunk).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import fax.catalogue
import fax.dids
import fax.jobs
import fax.results
import fax.services
from admin_ui.auth import require
from admin_ui.web import audit
from admin_ui.web.openapi_ops import operation as _op
from fax.documents import MAX_PDF_BYTES
from hotline.errors import InvalidRequest
from hotline.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _document(document: Any) -> dict[str, Any]:
    return {"number": document.number, "title": document.title, "pages": document.pages}


async def list_documents(request: Request) -> Response:
    principal = await require(request, "view")
    documents = await fax.catalogue.list_documents(tenant_id=principal.tenant_id)
    return JSONResponse([_document(d) for d in documents])


async def upload_document(request: Request) -> Response:
    principal = await require(request, "edit")
    async with request.form(max_part_size=MAX_PDF_BYTES + 1) as form:
        number = str(form.get("number", ""))
        title = str(form.get("title", ""))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("Attach the PDF as the multipart field 'file'.", {"field": "file"})
        data = await upload.read(MAX_PDF_BYTES + 1)
    result = await fax.catalogue.upload_document(
        _settings(request), number, title, data, principal.name, tenant_id=principal.tenant_id
    )
    await audit.record(
        request,
        "fax_document_uploaded",
        "fax_document",
        result.document.number,
        before=result.previous,
        after=fax.catalogue.document_snapshot(result.document),
        username=principal.name,
        source="api",
    )
    return JSONResponse(_document(result.document), status_code=201)


async def list_jobs(request: Request) -> Response:
    principal = await require(request, "view")
    try:
        limit = min(max(int(request.query_params.get("limit", "100")), 1), 500)
    except ValueError as exc:
        raise InvalidRequest("limit must be a number") from exc
    jobs = await fax.jobs.list_jobs(limit, tenant_id=principal.tenant_id)
    return JSONResponse([fax.jobs.job_snapshot(j) for j in jobs])


async def get_job(request: Request) -> Response:
    principal = await require(request, "view")
    job = await fax.jobs.get_job(request.path_params["job_id"], tenant_id=principal.tenant_id)
    return JSONResponse(fax.jobs.job_snapshot(job))


async def get_job_pdf(request: Request) -> Response:
    principal = await require(request, "view")
    job = await fax.jobs.get_job(request.path_params["job_id"], tenant_id=principal.tenant_id)
    return Response(fax.results.received_pdf_bytes(job), media_type="application/pdf")


async def list_dids(request: Request) -> Response:
    principal = await require(request, "view")
    rows = await fax.dids.list_fax_dids(tenant_id=principal.tenant_id)
    return JSONResponse([{"number": r.number, "email": r.email} for r in rows])


async def put_did(request: Request) -> Response:
    principal = await require(request, "edit")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc
    email = body.get("email", "") if isinstance(body, dict) else ""
    row, before = await fax.dids.save_fax_did(
        request.path_params["number"], str(email), tenant_id=principal.tenant_id
    )
    after = {"number": row.number, "email": row.email}
    await audit.record(
        request,
        "fax_did_saved",
        "fax_did",
        row.number,
        before=before,
        after=after,
        username=principal.name,
        source="api",
    )
    return JSONResponse(after)


async def delete_did(request: Request) -> Response:
    principal = await require(request, "edit")
    before = await fax.dids.delete_fax_did(
        request.path_params["number"], tenant_id=principal.tenant_id
    )
    await audit.record(
        request,
        "fax_did_deleted",
        "fax_did",
        before["number"],
        before=before,
        username=principal.name,
        source="api",
    )
    return Response(status_code=204)


async def get_retry_policy(request: Request) -> Response:
    await require(request, "view")
    return JSONResponse(fax.services.policy_snapshot(await fax.services.fax_back_policy()))


async def put_retry_policy(request: Request) -> Response:
    principal = await require(request, "edit")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be an object with max_attempts, first_delay_s, ...")
    policy, before = await fax.services.save_fax_back_policy(
        body.get("max_attempts", ""), body.get("first_delay_s", ""), body.get("max_delay_s", "")
    )
    after = fax.services.policy_snapshot(policy)
    await audit.record(
        request,
        "fax_back_policy_saved",
        "fax_back_policy",
        "1",
        before=before,
        after=after,
        username=principal.name,
        source="api",
    )
    return JSONResponse(after)


async def retry_job(request: Request) -> Response:
    principal = await require(request, "edit")
    job, before = await fax.jobs.retry_fax_back_now(
        request.path_params["job_id"], tenant_id=principal.tenant_id
    )
    after = fax.jobs.job_snapshot(job)
    await audit.record(
        request,
        "fax_job_retried",
        "fax_job",
        job.id,
        before=before,
        after=after,
        username=principal.name,
        source="api",
    )
    return JSONResponse(after)


ROUTES = [
    Route("/fax/documents", list_documents),
    Route("/fax/documents", upload_document, methods=["POST"]),
    Route("/fax/jobs", list_jobs),
    Route("/fax/jobs/{job_id:int}", get_job),
    Route("/fax/jobs/{job_id:int}/pdf", get_job_pdf),
    Route("/fax/jobs/{job_id:int}/retry", retry_job, methods=["POST"]),
    Route("/fax/retry-policy", get_retry_policy),
    Route("/fax/retry-policy", put_retry_policy, methods=["PUT"]),
    Route("/fax/dids", list_dids),
    Route("/fax/dids/{number}", put_did, methods=["PUT"]),
    Route("/fax/dids/{number}", delete_did, methods=["DELETE"]),
]


_UPLOAD = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["number", "title", "file"],
            "properties": {
                "number": {"type": "string", "pattern": "^[0-9]{1,8}$"},
                "title": {"type": "string"},
                "file": {"type": "string", "format": "binary"},
            },
        }
    }
}
_POLICY = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["max_attempts", "first_delay_s", "max_delay_s"],
            "properties": {
                "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
                "first_delay_s": {"type": "integer", "minimum": 1, "maximum": 86400},
                "max_delay_s": {"type": "integer", "minimum": 1, "maximum": 86400},
            },
        }
    }
}
_DID = {
    "application/json": {
        "schema": {"type": "object", "required": ["email"], "properties": {"email": {}}}
    }
}

OPENAPI_PATHS: dict[str, Any] = {
    "/fax/documents": {
        "get": _op("The fax catalogue: [{number, title, pages}]"),
        "post": _op(
            "Upload a PDF as document NUMBER (new or replaced); refused with a reason "
            "when encrypted, corrupt, not a PDF, too many pages or too large",
            body=_UPLOAD,
        ),
    },
    "/fax/jobs": {"get": _op("Fax jobs, newest first (?limit=): status, pages, rate, retries")},
    "/fax/jobs/{job_id}": {"get": _op("One fax job", ("job_id",))},
    "/fax/jobs/{job_id}/pdf": {"get": _op("The PDF of a received fax", ("job_id",))},
    "/fax/jobs/{job_id}/retry": {
        "post": _op("Dial a failed or waiting fax-back again now (one more attempt)", ("job_id",))
    },
    "/fax/retry-policy": {
        "get": _op("The fax-back retry policy: attempts, first and longest wait (s)"),
        "put": _op(
            "Set the fax-back retry policy (waits double from first_delay_s up to max_delay_s)",
            body=_POLICY,
        ),
    },
    "/fax/dids": {"get": _op("DIDs that receive faxes, with the email they go to")},
    "/fax/dids/{number}": {
        "put": _op("Mark a DID as fax, emailing received faxes to {email}", ("number",), _DID),
        "delete": _op("Stop receiving faxes on a DID", ("number",)),
    },
}
