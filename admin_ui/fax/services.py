"""The fax pages' services: the catalogue, jobs and fax DIDs of ``fax``, seen from the UI.

The domain lives in ``fax`` (``catalogue``, ``dids``, ``jobs``, ``results``,
and ``services`` for the fax-back retry policy); this module adds what only
the pages need: which settings the request runs with, and how a refusal is
named in the page's language (a catalogue key and its values, never the
English message of the exception).  Every call takes the signed-in user's tenant
(``tenant_id``): another tenant's document, job or fax DID is "not found".
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

from starlette.requests import Request

from fax.catalogue import (
    NumberUnavailable,
    delete_document,
    document_snapshot,
    get_document,
    list_documents,
    upload_document,
)
from fax.dids import delete_fax_did, list_fax_dids, save_fax_did
from fax.documents import MAX_PAGES, MAX_PDF_BYTES, DocumentRejected
from fax.jobs import (
    JOB_STATUSES,
    JobNotRetryable,
    get_job,
    job_snapshot,
    list_jobs,
    retry_fax_back_now,
)
from fax.results import received_pdf_bytes
from fax.services import fax_back_policy, policy_snapshot, save_fax_back_policy
from hotline.errors import InvalidRequest, NotFound
from hotline.settings import Settings, load_settings

__all__ = [
    "JOB_STATUSES",
    "MAX_PAGES",
    "PDF_LIMIT_MB",
    "JobNotRetryable",
    "NumberUnavailable",
    "current_settings",
    "delete_document",
    "delete_fax_did",
    "document_pdf_bytes",
    "document_snapshot",
    "fax_back_policy",
    "get_document",
    "get_job",
    "job_snapshot",
    "list_documents",
    "list_fax_dids",
    "list_jobs",
    "policy_snapshot",
    "received_pdf_bytes",
    "rejection",
    "retry_fax_back_now",
    "save_fax_back_policy",
    "save_fax_did",
    "upload_document",
]

PDF_LIMIT_MB: Final = MAX_PDF_BYTES // (1024 * 1024)


def current_settings(request: Request) -> Settings:
    """The running app's settings (where files go); the environment's otherwise."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()


def rejection(form: str, error: InvalidRequest) -> dict[str, Any]:
    """A refusal as the page shows it: which field, which catalogue key, its values.

    The key is ``fax.error.<form>.<reason>`` where the reason is the
    exception's stable reason word (or the field it names), so both languages
    name the same cause.
    """
    field = error.details.get("field")
    if isinstance(error, DocumentRejected):
        field = "file"
    reason = str(error.details.get("reason") or field or error.error_id)
    if error.error_id == "fax-conversion-failed":
        field, reason = "file", "conversion"
    values = {"megabytes": PDF_LIMIT_MB, "pages": MAX_PAGES}
    return {"form": form, "field": field, "key": f"fax.error.{form}.{reason}", "values": values}


async def document_pdf_bytes(number: str, *, tenant_id: int) -> bytes:
    """The uploaded PDF of ``tenant_id``'s document ``number`` (NotFound when it or its
    file is gone, or it is another tenant's)."""
    document = await get_document(number, tenant_id=tenant_id)
    try:
        return await asyncio.to_thread(Path(document.pdf_path).read_bytes)
    except OSError as exc:
        raise NotFound(f"The PDF of document {number} is missing.", {"number": number}) from exc
