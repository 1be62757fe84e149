"""Fax services: the catalogue, fax jobs and what happens when a fax ends.

Callers: the admin UI and API (catalogue, DIDs, job lists), the call
services in ``fax.calls`` (jobs created during calls), the FastAGI
``fax_result`` handler (T.30 results reported by the dialplan) and the
fax-back scheduler in ``fax.scheduler``.  Decisions about attempts and
retries are made by the pure ``fax.core``.

Everything the UI and API reach works in one tenant (``tenant_id``, the
signed-in user's or the API token's; see ``hotline/tenancy.py``): another
tenant's document, job or fax DID is as unknown as a missing one.  Document
numbers and fax DIDs are one numbering plan across tenants (callers key a
document number; a DID rings one place), so the look-ups made during calls
(``find_document``; the DID router in ``ari_apps/ivr/routes.py``) stay
global, and a number another tenant holds is refused as "not available",
saying no more.  Jobs made during a call belong to the tenant of their
document (sent) or of their fax DID (received).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from fax import core
from fax.documents import DocumentRejected, fax_tiff_to_pdf, prepare_pdf, render_fax_tiff
from fax.paths import SPOOL_DIR, FaxPaths
from hotline.errors import InvalidRequest, NotFound
from hotline.mail import Attachment, MailError, send_mail
from hotline.models_fax import FaxBackSettings, FaxDid, FaxDocument, FaxJob
from hotline.settings import Settings
from hotline.tenancy import scoped

log = logging.getLogger(__name__)

DOCUMENT_NUMBER: Final = re.compile(r"[0-9]{1,8}")
PHONE_NUMBER: Final = re.compile(r"[0-9]{2,20}")
EMAIL: Final = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+")
FAX_BACK_POLICY: Final = core.RetryPolicy(max_attempts=3, first_delay_s=60, max_delay_s=900)
# Bounds of what operators may set: a retry storm and a week-long wait are both mistakes.
MAX_FAX_BACK_ATTEMPTS: Final = 10
MAX_FAX_BACK_DELAY_S: Final = 86400

# One catalogue change at a time: replacing a document swaps files.
_catalogue_changes = asyncio.Lock()


def now() -> datetime:
    return datetime.now(UTC)


def document_snapshot(document: FaxDocument) -> dict[str, Any]:
    """What the audit log and the API show of a document."""
    return {
        "number": document.number,
        "title": document.title,
        "pages": document.pages,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "uploaded_by": document.uploaded_by,
    }


def job_snapshot(job: FaxJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "direction": job.direction,
        "kind": job.kind,
        "document": job.document.number if job.document else None,
        "remote_number": job.remote_number,
        "local_number": job.local_number,
        "status": job.status,
        "pages": job.pages,
        "rate_bps": job.rate_bps,
        "ecm": job.ecm,
        "t38": job.t38,
        "error": job.error,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "next_attempt_at": job.next_attempt_at.isoformat() if job.next_attempt_at else None,
        "has_pdf": bool(job.result_path),
        "emailed_to": job.emailed_to,
        "call_id": job.call_id,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


# -- catalogue ---------------------------------------------------------------------
def _exists(path: str) -> bool:
    return Path(path).is_file()


def _checked_number(number: str) -> str:
    number = number.strip()
    if not DOCUMENT_NUMBER.fullmatch(number):
        raise InvalidRequest(
            "The document number must be 1 to 8 digits (callers key it on the phone).",
            {"field": "number"},
        )
    return number


class NumberUnavailable(InvalidRequest):
    """A document number or fax DID another tenant holds: refused, saying no more."""

    error_id = "fax-number-unavailable"
    status_code = 409

    def __init__(self, number: str) -> None:
        super().__init__(
            f"{number} is not available: choose another number.",
            {"field": "number", "reason": "unavailable"},
        )


@dataclass(frozen=True)
class UploadResult:
    document: FaxDocument
    previous: dict[str, Any] | None


async def upload_document(
    settings: Settings,
    number: str,
    title: str,
    data: bytes,
    uploaded_by: str,
    *,
    tenant_id: int,
) -> UploadResult:
    """Check, convert and store a PDF as document ``number`` (new or replaced).

    A new document belongs to ``tenant_id``; a number another tenant holds is
    ``NumberUnavailable`` (checked before and after the conversion, which
    takes a while).  Nothing is stored when any step fails: the files are
    written first under their content hash and the row is only
    created/changed once they exist.
    """
    number = _checked_number(number)
    await _check_number_free(number, tenant_id)
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidRequest("A title of 1 to 200 characters is required.", {"field": "title"})
    # Checked and re-serialised in a confined child process, off the event loop.
    prepared = await prepare_pdf(data)
    sha256 = hashlib.sha256(data).hexdigest()
    paths = FaxPaths.from_settings(settings)
    pdf_path = paths.document_pdf(number, sha256)
    tiff_path = paths.document_tiff(number, sha256)
    async with _catalogue_changes:
        existing = await _check_number_free(number, tenant_id)
        same_files = existing is not None and existing.sha256 == sha256
        try:
            pdf_path.parent.mkdir(parents=True, exist_ok=True)
            pdf_path.write_bytes(data)  # as uploaded, for the preview; gs never reads it
            pages = await render_fax_tiff(prepared, tiff_path)
            if pages != prepared.pages:
                raise DocumentRejected(
                    "corrupt",
                    f"The PDF says it has {prepared.pages} pages but {pages} were rendered.",
                )
        except BaseException:
            if not same_files:
                for path in (pdf_path, tiff_path):
                    path.unlink(missing_ok=True)
            raise
        previous = document_snapshot(existing) if existing is not None else None
        old_files = (
            (Path(existing.pdf_path), Path(existing.tiff_path))
            if existing is not None and not same_files
            else ()
        )
        fields: dict[str, Any] = {
            "title": title,
            "pages": pages,
            "pdf_path": str(pdf_path),
            "tiff_path": str(tiff_path),
            "size_bytes": prepared.size_bytes,
            "sha256": sha256,
            "uploaded_by": uploaded_by,
        }
        if existing is None:
            document = await FaxDocument.create(number=number, tenant_id=tenant_id, **fields)
        else:
            existing.update_from_dict(fields)
            await existing.save()
            document = existing
        for path in old_files:
            path.unlink(missing_ok=True)
    return UploadResult(document, previous)


async def _check_number_free(number: str, tenant_id: int) -> FaxDocument | None:
    """``tenant_id``'s document ``number``, None when nobody holds the number.

    Numbers are one plan across tenants: another tenant's is "not available".
    """
    existing = await FaxDocument.get_or_none(number=number)
    if existing is not None and existing.tenant_id != tenant_id:
        raise NumberUnavailable(number)
    return existing


async def list_documents(*, tenant_id: int) -> list[FaxDocument]:
    return await scoped(FaxDocument, tenant_id).order_by("number")


async def get_document(number: str, *, tenant_id: int) -> FaxDocument:
    """``tenant_id``'s document ``number``; another tenant's is as missing as none."""
    document = await scoped(FaxDocument, tenant_id).get_or_none(number=number)
    if document is None:
        raise NotFound(f"No fax document number {number}.", {"number": number})
    return document


async def find_document(number: str) -> FaxDocument | None:
    """The document a caller keyed, or None (callers key anything).

    Global on purpose: document numbers are one plan across tenants.
    """
    if not DOCUMENT_NUMBER.fullmatch(number):
        return None
    document = await FaxDocument.get_or_none(number=number)
    if document is None or not _exists(document.tiff_path):
        return None
    return document


async def delete_document(number: str, *, tenant_id: int) -> dict[str, Any]:
    async with _catalogue_changes:
        document = await get_document(number, tenant_id=tenant_id)
        before = document_snapshot(document)
        files = (Path(document.pdf_path), Path(document.tiff_path))
        await document.delete()
        for path in files:
            path.unlink(missing_ok=True)
    return before


# -- fax DIDs ------------------------------------------------------------------------
async def list_fax_dids(*, tenant_id: int) -> list[FaxDid]:
    return await scoped(FaxDid, tenant_id).order_by("number")


async def save_fax_did(
    number: str, email: str, *, tenant_id: int
) -> tuple[FaxDid, dict[str, Any] | None]:
    """Make ``number`` a fax DID of ``tenant_id`` (or change its email).

    A number another tenant holds (as a fax DID or a flow's DID) is
    ``NumberUnavailable``; the tenant's own flow DID is named as such.
    """
    number, email = number.strip(), email.strip()
    if not PHONE_NUMBER.fullmatch(number):
        raise InvalidRequest("The DID must be 2 to 20 digits.", {"field": "number"})
    if not EMAIL.fullmatch(email) or len(email) > 200:
        raise InvalidRequest("A valid email address is required.", {"field": "email"})
    # Local import: hotline.models is shared and this check is the only link.
    from hotline.models import Did

    flow_did = await Did.get_or_none(number=number)
    if flow_did is not None:
        if flow_did.tenant_id != tenant_id:  # type: ignore[attr-defined]
            raise NumberUnavailable(number)
        raise InvalidRequest(
            f"DID {number} already runs a flow; a fax DID must be a number of its own.",
            {"field": "number", "reason": "did_runs_flow"},
        )
    row = await FaxDid.get_or_none(number=number)
    if row is not None and row.tenant_id != tenant_id:
        raise NumberUnavailable(number)
    before = {"number": row.number, "email": row.email} if row is not None else None
    if row is None:
        row = await FaxDid.create(number=number, email=email, tenant_id=tenant_id)
    else:
        row.email = email
        await row.save(update_fields=["email"])
    return row, before


async def delete_fax_did(number: str, *, tenant_id: int) -> dict[str, Any]:
    row = await scoped(FaxDid, tenant_id).get_or_none(number=number)
    if row is None:
        raise NotFound(f"{number} is not a fax DID.", {"number": number})
    before = {"number": row.number, "email": row.email}
    await row.delete()
    return before


# -- fax-back retry policy ---------------------------------------------------------------
def policy_snapshot(policy: core.RetryPolicy) -> dict[str, Any]:
    return {
        "max_attempts": policy.max_attempts,
        "first_delay_s": int(policy.first_delay_s),
        "max_delay_s": int(policy.max_delay_s),
    }


async def fax_back_policy() -> core.RetryPolicy:
    """The policy new jobs and waits use: the operators' setting, else the default."""
    row = await FaxBackSettings.get_or_none(id=1)
    if row is None:
        return FAX_BACK_POLICY
    return core.RetryPolicy(
        max_attempts=row.max_attempts,
        first_delay_s=row.first_delay_s,
        max_delay_s=row.max_delay_s,
    )


def _whole_number(value: object, field: str, low: int, high: int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidRequest(
            f"{field} must be a whole number from {low} to {high}.", {"field": field}
        )
    return int(text)


async def save_fax_back_policy(
    max_attempts: object, first_delay_s: object, max_delay_s: object
) -> tuple[core.RetryPolicy, dict[str, Any]]:
    """Validate and store the retry policy; returns it and the one it replaced.

    It applies to jobs queued from now on (attempt budget) and to every wait
    computed from now on (backoff), including jobs already waiting to retry.
    """
    attempts = _whole_number(max_attempts, "max_attempts", 1, MAX_FAX_BACK_ATTEMPTS)
    first = _whole_number(first_delay_s, "first_delay_s", 1, MAX_FAX_BACK_DELAY_S)
    longest = _whole_number(max_delay_s, "max_delay_s", 1, MAX_FAX_BACK_DELAY_S)
    if longest < first:
        raise InvalidRequest(
            "max_delay_s must not be shorter than first_delay_s.",
            {"field": "max_delay_s", "reason": "shorter_than_first"},
        )
    before = policy_snapshot(await fax_back_policy())
    await FaxBackSettings.update_or_create(
        id=1, defaults={"max_attempts": attempts, "first_delay_s": first, "max_delay_s": longest}
    )
    return await fax_back_policy(), before


# -- jobs ------------------------------------------------------------------------------
JOB_STATUSES: Final = (
    core.QUEUED,
    core.DIALLING,
    core.SENDING,
    core.RECEIVING,
    core.RETRY_WAIT,
    core.DONE,
    core.FAILED,
)


async def list_jobs(limit: int = 100, status: str | None = None, *, tenant_id: int) -> list[FaxJob]:
    """``tenant_id``'s jobs, newest first; ``status`` (one of JOB_STATUSES) narrows the list."""
    if status is not None and status not in JOB_STATUSES:
        raise InvalidRequest(f"Unknown fax job status {status!r}.", {"field": "status"})
    jobs = scoped(FaxJob, tenant_id)
    if status is not None:
        jobs = jobs.filter(status=status)
    return await jobs.order_by("-id").limit(limit).prefetch_related("document")


async def get_job(job_id: int, *, tenant_id: int) -> FaxJob:
    """``tenant_id``'s job; another tenant's is as missing as none."""
    job = await scoped(FaxJob, tenant_id).get_or_none(id=job_id).prefetch_related("document")
    if job is None:
        raise NotFound(f"No fax job {job_id}.", {"id": job_id})
    return job


async def create_same_call_job(document: FaxDocument, caller_id: str, call_id: str) -> FaxJob:
    """A SendFAX on the caller's channel: the document's tenant's job."""
    return await FaxJob.create(
        tenant_id=document.tenant_id,
        direction="out",
        kind="on_demand",
        document=document,
        remote_number=caller_id,
        status=core.SENDING,
        attempts=1,
        max_attempts=1,
        call_id=call_id,
    )


async def queue_fax_back(document: FaxDocument, number: str, call_id: str) -> FaxJob:
    if not PHONE_NUMBER.fullmatch(number):
        raise InvalidRequest("The fax number must be 2 to 20 digits.", {"field": "number"})
    state = core.new_job(await fax_back_policy(), now())
    return await FaxJob.create(
        tenant_id=document.tenant_id,
        direction="out",
        kind="fax_back",
        document=document,
        remote_number=number,
        status=state.status,
        attempts=state.attempts,
        max_attempts=state.max_attempts,
        next_attempt_at=state.next_attempt_at,
        call_id=call_id,
    )


async def create_inbound_job(did: str, caller_id: str, call_id: str) -> FaxJob:
    """A ReceiveFAX on fax DID ``did``: the job of the DID's tenant.

    Without a fax DID (removed while the call came in) the job has no tenant
    until the next start gives it the home tenant's (``hotline/seed.py``).
    """
    fax_did = await FaxDid.get_or_none(number=did)
    return await FaxJob.create(
        tenant_id=fax_did.tenant_id if fax_did is not None else None,
        direction="in",
        kind="inbound",
        remote_number=caller_id,
        local_number=did,
        status=core.RECEIVING,
        attempts=1,
        max_attempts=1,
        call_id=call_id,
    )


def _state(job: FaxJob) -> core.JobState:
    return core.JobState(job.status, job.attempts, job.max_attempts, job.next_attempt_at, job.error)


async def _store_state(job: FaxJob, state: core.JobState) -> None:
    job.status = state.status
    job.attempts = state.attempts
    job.next_attempt_at = state.next_attempt_at
    job.error = state.error[:300]
    if state.is_final:
        job.finished_at = now()
    await job.save()


async def due_fax_back_jobs(at: datetime) -> list[FaxJob]:
    waiting = FaxJob.filter(kind="fax_back", status__in=sorted(core.WAITING))
    waiting = waiting.prefetch_related("document")
    return [job for job in await waiting if core.is_due(_state(job), at)]


async def start_fax_back_attempt(job: FaxJob, call_id: str) -> None:
    state = core.start_attempt(_state(job))
    job.call_id = call_id
    await _store_state(job, state)


async def fax_back_attempt_failed(job_id: int, outcome: str, error: str = "") -> None:
    """An attempt ended without a fax result (busy, unanswered, never reported)."""
    job = await FaxJob.get_or_none(id=job_id)
    if job is None or job.kind != "fax_back":
        return
    policy = await fax_back_policy()
    state = core.finish_attempt(_state(job), outcome, policy, now(), error)
    await _store_state(job, state)


class JobNotRetryable(InvalidRequest):
    error_id = "fax-job-not-retryable"
    status_code = 409

    def __init__(self, job_id: int, reason: str, message: str) -> None:
        super().__init__(message, {"id": job_id, "reason": reason})
        self.reason = reason


async def retry_fax_back_now(job_id: int, *, tenant_id: int) -> tuple[FaxJob, dict[str, Any]]:
    """ "Retry now": a failed (or waiting) fax-back is dialled at the next scheduler pass."""
    job = await get_job(job_id, tenant_id=tenant_id)
    before = job_snapshot(job)
    if job.kind != "fax_back":
        raise JobNotRetryable(job_id, "not_fax_back", "Only fax-back jobs are dialled again.")
    if job.document is None:
        raise JobNotRetryable(job_id, "no_document", "The job's document was deleted.")
    try:
        state = core.retry_now(_state(job), now())
    except core.JobStateError as exc:
        raise JobNotRetryable(job_id, "status", str(exc)) from exc
    job.max_attempts = state.max_attempts
    job.finished_at = None
    await _store_state(job, state)
    return job, before


async def fail_job(job_id: int, error: str) -> None:
    """A same-call or inbound job that ended before spandsp ran."""
    job = await FaxJob.get_or_none(id=job_id)
    if job is None or job.status in core.FINAL_STATUSES:
        return
    job.status = core.FAILED
    job.error = error[:300]
    job.finished_at = now()
    await job.save()


@dataclass(frozen=True, slots=True)
class FaxResult:
    """What the dialplan reports after SendFAX/ReceiveFAX (FAX* variables)."""

    job_id: int
    status: str  # FAXSTATUS: SUCCESS / FAILED / ""
    pages: int
    rate_bps: int
    ecm: bool
    t38: bool
    error: str
    file_path: str  # as Asterisk sees it, for received faxes


async def record_fax_result(settings: Settings, result: FaxResult) -> FaxJob | None:
    """Store the T.30 result; a received fax becomes a PDF and an email."""
    job = await FaxJob.get_or_none(id=result.job_id)
    if job is None:
        log.warning("fax result for unknown job %s", result.job_id)
        return None
    if job.status in core.FINAL_STATUSES:
        return job  # reported twice (main path and h extension): keep the first
    job.pages = result.pages
    job.rate_bps = result.rate_bps
    job.ecm = result.ecm
    job.t38 = result.t38
    outcome = core.outcome_of_fax_status(result.status)
    error = "" if outcome == "sent" else (result.error or "fax not completed")
    if job.kind == "fax_back":
        policy = await fax_back_policy()
        state = core.finish_attempt(_state(job), outcome, policy, now(), error)
        await _store_state(job, state)
        return job
    if job.direction == "in" and outcome == "sent":
        await _deliver_received(settings, job, result)
        return job
    job.status = core.DONE if outcome == "sent" else core.FAILED
    job.error = error[:300]
    job.finished_at = now()
    await job.save()
    return job


class FaxFileRefused(InvalidRequest):
    """A reported fax file Hotline will not open: outside the spool, or not a file."""

    error_id = "fax-file-refused"


def received_tiff_on_host(paths: FaxPaths, reported: str, job_id: int) -> Path:
    """The received fax the dialplan reported, as a host path inside the spool.

    ``HOTLINE_FAX_FILE`` comes back over FastAGI, and whatever it names is
    converted and emailed; a review showed ``..`` walking out of the spool.
    So the path must be absolute without ``..``, and once every symlink is
    resolved (on the host: an absolute link inside the chroot would point at
    the host's own file) it must be a regular file under the spool's
    ``received`` directory.
    """
    received = paths.on_host(SPOOL_DIR / "received")
    if reported:
        asterisk_path = PurePosixPath(reported)
        if not asterisk_path.is_absolute() or ".." in asterisk_path.parts:
            raise FaxFileRefused(
                f"fax file {reported!r} is not an absolute path without '..'",
                {"id": job_id, "reason": "outside_spool"},
            )
        candidate = paths.on_host(asterisk_path)
    else:
        candidate = paths.received_tiff(job_id)
    try:
        resolved = candidate.resolve(strict=True)
        spool = received.resolve(strict=True)
    except OSError as exc:
        raise FaxFileRefused(
            f"fax file {reported or str(candidate)!r} is missing",
            {"id": job_id, "reason": "missing"},
        ) from exc
    if not resolved.is_relative_to(spool):
        raise FaxFileRefused(
            f"fax file {reported!r} is outside the fax spool {str(received)!r}",
            {"id": job_id, "reason": "outside_spool"},
        )
    if not resolved.is_file():
        raise FaxFileRefused(
            f"fax file {reported!r} is not a regular file", {"id": job_id, "reason": "not_a_file"}
        )
    return resolved


async def _deliver_received(settings: Settings, job: FaxJob, result: FaxResult) -> None:
    paths = FaxPaths.from_settings(settings)
    pdf = paths.received_pdf(job.id)
    try:
        tiff = received_tiff_on_host(paths, result.file_path, job.id)
    except FaxFileRefused as exc:
        log.warning("fax job %s: %s", job.id, exc.message)
        job.status, job.error, job.finished_at = core.FAILED, exc.message[:300], now()
        await job.save()
        return
    try:
        job.pages = await fax_tiff_to_pdf(tiff, pdf)
    except (InvalidRequest, OSError) as exc:
        job.status, job.error, job.finished_at = core.FAILED, f"PDF conversion: {exc}"[:300], now()
        await job.save()
        return
    job.result_path = str(pdf)
    job.status = core.DONE
    job.finished_at = now()
    await job.save()
    # The DID's email while it is still the job's tenant's fax DID.
    dids = FaxDid.all() if job.tenant_id is None else scoped(FaxDid, job.tenant_id)
    did = await dids.get_or_none(number=job.local_number)
    if did is None:
        return
    subject = f"Fax from {job.remote_number or 'unknown'} to {job.local_number} ({job.pages} pages)"
    body = (
        f"A fax arrived on {job.local_number} from {job.remote_number or 'an unknown number'}.\n"
        f"Pages: {job.pages}, rate: {job.rate_bps} bps, ECM: {'yes' if job.ecm else 'no'}, "
        f"mode: {'T.38' if job.t38 else 'audio (G.711)'}.\n"
    )
    attachment = Attachment(f"fax-{job.id}.pdf", pdf.read_bytes(), "application", "pdf")
    try:
        sent = await send_mail(settings, [did.email], subject, body, [attachment])
    except MailError as exc:
        job.error = f"email: {exc.message}"[:300]
        await job.save(update_fields=["error", "updated_at"])
        return
    if sent:
        job.emailed_to = did.email
        await job.save(update_fields=["emailed_to", "updated_at"])


def received_pdf_bytes(job: FaxJob) -> bytes:
    if not job.result_path:
        raise NotFound(f"Fax job {job.id} has no PDF.", {"id": job.id})
    with contextlib.suppress(OSError):
        return Path(job.result_path).read_bytes()
    raise NotFound(f"The PDF of fax job {job.id} is missing.", {"id": job.id})
