"""Fax pages: the catalogue (upload, replace, delete, preview), jobs (filter, received
PDF, retry now, the fax-back retry policy) and fax DIDs.

Thin handlers: the guard has checked sign-in, permission and CSRF; each
handler parses the form, makes one service call and renders the page or,
for htmx, the one partial its form targets.  A refusal re-renders that
partial with the reason (4xx, swapped by the page's before-swap hook) and
nothing is stored.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

import fax.catalogue
import fax.dids
import fax.document_pdf
import fax.jobs
import fax.results
import fax.services
from admin_ui.fax import pages
from admin_ui.web import audit
from admin_ui.web.rendering import current_user, is_htmx, render, tenant_of
from fax.documents import MAX_PAGES, MAX_PDF_BYTES
from hotline.errors import InvalidRequest, NotFound

_EMPTY_UPLOAD = {"number": "", "title": ""}
_EMPTY_DID = {"number": "", "email": ""}


def _username(request: Request) -> str:
    user = current_user(request)
    return user.username if user else ""


def _notice(key: str, **values: Any) -> dict[str, Any]:
    return {"key": f"fax.notice.{key}", "values": values}


def _notice_from_query(request: Request, actions: tuple[str, ...]) -> dict[str, Any] | None:
    # After a plain (no-JS) POST the redirect says what happened.
    for action in actions:
        value = request.query_params.get(action, "")
        if value.isdigit():
            return _notice(action, value=value)
    return None


def _job_id(request: Request) -> int:
    text = str(request.path_params["job_id"])
    if not text.isdigit():
        raise NotFound(f"No fax job {text}.", {"id": text})
    return int(text)


# -- catalogue -------------------------------------------------------------------------
async def _documents(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: dict[str, Any] | None = None,
    notice: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "documents": await fax.catalogue.list_documents(tenant_id=tenant_of(request)),
        "form": form or dict(_EMPTY_UPLOAD),
        "error": error,
        "notice": notice,
        "limit_mb": pages.PDF_LIMIT_MB,
        "limit_pages": MAX_PAGES,
    }
    template = "fax/_documents.html" if is_htmx(request) else "fax/documents.html"
    return render(request, template, context, status_code=status_code)


async def documents_page(request: Request) -> Response:
    return await _documents(request, notice=_notice_from_query(request, ("uploaded", "deleted")))


async def _read_upload(request: Request, fields: dict[str, str]) -> tuple[dict[str, str], bytes]:
    # The context manager closes the spooled upload (a temp file) when done.
    async with request.form(max_part_size=MAX_PDF_BYTES + 1) as form:
        typed = {key: str(form.get(key, default)).strip() for key, default in fields.items()}
        upload = form.get("file")
        data = await upload.read(MAX_PDF_BYTES + 1) if isinstance(upload, UploadFile) else b""
    return typed, data


async def _store(
    request: Request, number: str, title: str, data: bytes, typed: dict[str, str]
) -> Response:
    try:
        result = await fax.catalogue.upload_document(
            pages.current_settings(request),
            number,
            title,
            data,
            _username(request),
            tenant_id=tenant_of(request),
        )
    except InvalidRequest as refused:
        return await _documents(
            request, form=typed, error=pages.rejection("upload", refused), status_code=422
        )
    document = result.document
    await audit.record(
        request,
        "fax_document_uploaded",
        "fax_document",
        document.number,
        before=result.previous,
        after=fax.catalogue.document_snapshot(document),
    )
    if not is_htmx(request):
        return RedirectResponse(f"/fax?uploaded={document.number}", status_code=303)
    return await _documents(request, notice=_notice("uploaded", value=document.number))


async def upload(request: Request) -> Response:
    typed, data = await _read_upload(request, _EMPTY_UPLOAD)
    return await _store(request, typed["number"], typed["title"], data, typed)


async def replace(request: Request) -> Response:
    number = str(request.path_params["number"])
    typed, data = await _read_upload(request, {"title": ""})
    try:
        existing = await fax.catalogue.get_document(number, tenant_id=tenant_of(request))
    except NotFound:
        error = {"field": None, "key": "fax.error.not_found", "values": {"number": number}}
        return await _documents(request, error=error, status_code=404)
    # An empty title keeps the current one: replacing is about the file.
    title = typed["title"] or existing.title
    return await _store(request, number, title, data, {"number": number, "title": title})


async def delete(request: Request) -> Response:
    number = str(request.path_params["number"])
    try:
        before = await fax.catalogue.delete_document(number, tenant_id=tenant_of(request))
    except NotFound:
        error = {"field": None, "key": "fax.error.not_found", "values": {"number": number}}
        return await _documents(request, error=error, status_code=404)
    await audit.record(request, "fax_document_deleted", "fax_document", number, before=before)
    if not is_htmx(request):
        return RedirectResponse(f"/fax?deleted={number}", status_code=303)
    return await _documents(request, notice=_notice("deleted", value=number))


async def document_pdf(request: Request) -> Response:
    number = str(request.path_params["number"])
    try:
        data = await fax.document_pdf.document_pdf_bytes(number, tenant_id=tenant_of(request))
    except NotFound as missing:
        return Response(missing.message, status_code=404, media_type="text/plain")
    # inline: the browser's own viewer is the preview.
    disposition = f'inline; filename="fax-document-{number}.pdf"'
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


# -- jobs ------------------------------------------------------------------------------
async def _jobs(
    request: Request,
    *,
    error: dict[str, Any] | None = None,
    notice: dict[str, Any] | None = None,
    policy_form: dict[str, str] | None = None,
    policy_error: dict[str, Any] | None = None,
    policy_notice: dict[str, Any] | None = None,
    status_code: int = 200,
    partial: str = "fax/_jobs.html",
) -> Response:
    wanted = request.query_params.get("status", "")
    status = wanted if wanted in fax.jobs.JOB_STATUSES else None
    policy = fax.services.policy_snapshot(await fax.services.fax_back_policy())
    context = {
        "jobs": [
            fax.jobs.job_snapshot(job)
            for job in await fax.jobs.list_jobs(200, status, tenant_id=tenant_of(request))
        ],
        "statuses": fax.jobs.JOB_STATUSES,
        "status": status or "",
        "error": error,
        "notice": notice,
        "policy_form": policy_form or {key: str(value) for key, value in policy.items()},
        "policy_error": policy_error,
        "policy_notice": policy_notice,
    }
    template = partial if is_htmx(request) else "fax/jobs.html"
    return render(request, template, context, status_code=status_code)


async def jobs_page(request: Request) -> Response:
    saved = request.query_params.get("policy") == "saved"
    return await _jobs(
        request,
        notice=_notice_from_query(request, ("retried",)),
        policy_notice=_notice("policy_saved") if saved else None,
    )


async def job_pdf(request: Request) -> Response:
    try:
        job = await fax.jobs.get_job(_job_id(request), tenant_id=tenant_of(request))
        data = fax.results.received_pdf_bytes(job)
    except NotFound as missing:
        return Response(missing.message, status_code=404, media_type="text/plain")
    disposition = f'attachment; filename="fax-{request.path_params["job_id"]}.pdf"'
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


async def retry(request: Request) -> Response:
    try:
        job, before = await fax.jobs.retry_fax_back_now(
            _job_id(request), tenant_id=tenant_of(request)
        )
    except NotFound:
        value = str(request.path_params["job_id"])
        error = {"key": "fax.error.job_not_found", "values": {"value": value}}
        return await _jobs(request, error=error, status_code=404)
    except fax.jobs.JobNotRetryable as refused:
        error = {
            "key": f"fax.error.retry.{refused.reason}",
            "values": {"value": refused.details["id"]},
        }
        return await _jobs(request, error=error, status_code=409)
    await audit.record(
        request,
        "fax_job_retried",
        "fax_job",
        job.id,
        before=before,
        after=fax.jobs.job_snapshot(job),
    )
    if not is_htmx(request):
        return RedirectResponse(f"/fax/jobs?retried={job.id}", status_code=303)
    return await _jobs(request, notice=_notice("retried", value=job.id))


async def save_policy(request: Request) -> Response:
    async with request.form() as form:
        typed = {
            key: str(form.get(key, "")).strip()
            for key in ("max_attempts", "first_delay_s", "max_delay_s")
        }
    try:
        policy, before = await fax.services.save_fax_back_policy(
            typed["max_attempts"], typed["first_delay_s"], typed["max_delay_s"]
        )
    except InvalidRequest as refused:
        return await _jobs(
            request,
            policy_form=typed,
            policy_error=pages.rejection("policy", refused),
            status_code=422,
            partial="fax/_policy.html",
        )
    after = fax.services.policy_snapshot(policy)
    await audit.record(
        request, "fax_back_policy_saved", "fax_back_policy", "1", before=before, after=after
    )
    if not is_htmx(request):
        return RedirectResponse("/fax/jobs?policy=saved", status_code=303)
    return await _jobs(request, partial="fax/_policy.html", policy_notice=_notice("policy_saved"))


# -- fax DIDs --------------------------------------------------------------------------
async def _dids(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: dict[str, Any] | None = None,
    notice: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "dids": await fax.dids.list_fax_dids(tenant_id=tenant_of(request)),
        "form": form or dict(_EMPTY_DID),
        "error": error,
        "notice": notice,
    }
    template = "fax/_dids.html" if is_htmx(request) else "fax/dids.html"
    return render(request, template, context, status_code=status_code)


async def dids_page(request: Request) -> Response:
    return await _dids(request, notice=_notice_from_query(request, ("saved", "removed")))


async def save_did(request: Request) -> Response:
    async with request.form() as form:
        typed = {key: str(form.get(key, "")).strip() for key in _EMPTY_DID}
    try:
        row, before = await fax.dids.save_fax_did(
            typed["number"], typed["email"], tenant_id=tenant_of(request)
        )
    except InvalidRequest as refused:
        return await _dids(
            request, form=typed, error=pages.rejection("did", refused), status_code=422
        )
    after = {"number": row.number, "email": row.email}
    await audit.record(request, "fax_did_saved", "fax_did", row.number, before=before, after=after)
    if not is_htmx(request):
        return RedirectResponse(f"/fax/dids?saved={row.number}", status_code=303)
    return await _dids(request, notice=_notice("saved", value=row.number))


async def delete_did(request: Request) -> Response:
    number = str(request.path_params["number"])
    try:
        before = await fax.dids.delete_fax_did(number, tenant_id=tenant_of(request))
    except NotFound:
        error = {"field": None, "key": "fax.error.did_not_found", "values": {"number": number}}
        return await _dids(request, error=error, status_code=404)
    await audit.record(request, "fax_did_deleted", "fax_did", number, before=before)
    if not is_htmx(request):
        return RedirectResponse(f"/fax/dids?removed={number}", status_code=303)
    return await _dids(request, notice=_notice("removed", value=number))
