"""What happens when a fax ends: the T.30 result the dialplan reports
(FastAGI ``fax_result``) is stored, and a received fax becomes a PDF and an
email to its fax DID's address."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fax import core
from fax.documents import fax_tiff_to_pdf
from fax.paths import SPOOL_DIR, FaxPaths
from fax.services import fax_back_policy, job_state, now, store_job_state
from hotline.errors import InvalidRequest, NotFound
from hotline.mail import Attachment, MailError, send_mail
from hotline.models_fax import FaxDid, FaxJob
from hotline.settings import Settings
from hotline.tenancy import scoped

log = logging.getLogger(__name__)


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
        state = core.finish_attempt(job_state(job), outcome, policy, now(), error)
        await store_job_state(job, state)
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
