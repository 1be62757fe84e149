"""Fax-back: the retry policy operators set, and the fax-back jobs the
scheduler (``fax.scheduler``) dials, attempt after attempt.

Also the clock and the storage of a job's state (``job_state``,
``store_job_state``) that every job change goes through; decisions about
attempts and retries are made by the pure ``fax.core``.

The rest of fax is split by use case: ``fax/catalogue.py`` (the documents
callers key), ``fax/dids.py`` (the DIDs that receive faxes), ``fax/jobs.py``
(the job list, jobs made during calls, "retry now") and ``fax/results.py``
(what the dialplan reports when a fax ends, a received fax's PDF and email).
Document numbers and fax DIDs are one numbering plan across tenants: see
``fax/catalogue.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from fax import core
from hotline.errors import InvalidRequest
from hotline.models_fax import FaxBackSettings, FaxDocument, FaxJob
from hotline.row_checks import any_row

PHONE_NUMBER: Final = re.compile(r"[0-9]{2,20}")

FAX_BACK_POLICY: Final = core.RetryPolicy(max_attempts=3, first_delay_s=60, max_delay_s=900)
# Bounds of what operators may set: a retry storm and a week-long wait are both mistakes.
MAX_FAX_BACK_ATTEMPTS: Final = 10
MAX_FAX_BACK_DELAY_S: Final = 86400


# -- the clock and a job's state: every job change goes through these ---------------------
def now() -> datetime:
    return datetime.now(UTC)


def job_state(job: FaxJob) -> core.JobState:
    return core.JobState(job.status, job.attempts, job.max_attempts, job.next_attempt_at, job.error)


async def store_job_state(job: FaxJob, state: core.JobState) -> None:
    job.status = state.status
    job.attempts = state.attempts
    job.next_attempt_at = state.next_attempt_at
    job.error = state.error[:300]
    if state.is_final:
        job.finished_at = now()
    await job.save()


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


# -- fax-back jobs ----------------------------------------------------------------------
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


async def due_fax_back_jobs(at: datetime) -> list[FaxJob]:
    if not await any_row(FaxJob, kind="fax_back", status=core.WAITING):
        return []  # what the scheduler finds nearly every pass (hotline/row_checks.py)
    waiting = FaxJob.filter(kind="fax_back", status__in=sorted(core.WAITING))
    waiting = waiting.prefetch_related("document")
    return [job for job in await waiting if core.is_due(job_state(job), at)]


async def start_fax_back_attempt(job: FaxJob, call_id: str) -> None:
    state = core.start_attempt(job_state(job))
    job.call_id = call_id
    await store_job_state(job, state)


async def fax_back_attempt_failed(job_id: int, outcome: str, error: str = "") -> None:
    """An attempt ended without a fax result (busy, unanswered, never reported)."""
    job = await FaxJob.get_or_none(id=job_id)
    if job is None or job.kind != "fax_back":
        return
    policy = await fax_back_policy()
    state = core.finish_attempt(job_state(job), outcome, policy, now(), error)
    await store_job_state(job, state)
