"""Fax jobs: the list the UI and API show, the jobs made during calls, a
fax-back dialled again now, and a job that ended before spandsp ran.

Jobs made during a call belong to the tenant of their document (sent) or of
their fax DID (received); another tenant's job is as unknown as a missing one.
"""

from __future__ import annotations

from typing import Any, Final

from fax import core
from fax.services import job_state, now, store_job_state
from hotline.errors import InvalidRequest, NotFound
from hotline.models_fax import FaxDid, FaxDocument, FaxJob
from hotline.tenancy import scoped

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
        state = core.retry_now(job_state(job), now())
    except core.JobStateError as exc:
        raise JobNotRetryable(job_id, "status", str(exc)) from exc
    job.max_attempts = state.max_attempts
    job.finished_at = None
    await store_job_state(job, state)
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
