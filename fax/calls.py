"""Fax call services: what the flow node and fax DIDs ask of a live channel.

``fax.send_here`` and ``fax.receive`` end in the dialplan (``[hotline-fax]``)
because spandsp's SendFAX/ReceiveFAX are dialplan applications ARI cannot
start; they return ``handed_off=True`` and the FastAGI ``fax_result`` script
later reports the T.30 outcome.  The other services only touch the database.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ari_apps.call_services import (
    OUTCOME_FAILED,
    CallServiceContext,
    ServiceResult,
    register_call_service,
)
from ari_apps.executor import ContinueInDialplan, SetVariable
from fax.catalogue import find_document
from fax.jobs import create_inbound_job, create_same_call_job, fail_job
from fax.paths import FaxPaths
from fax.services import queue_fax_back
from hotline.asterisk_account import asterisk_writable_dir
from hotline.errors import InvalidRequest

log = logging.getLogger(__name__)

FAX_CONTEXT: Final = "hotline-fax"

# Outcomes the fax_on_demand node branches on.
FOUND: Final = "found"
UNKNOWN: Final = "unknown"
QUEUED: Final = "queued"
SENDING: Final = "sending"
RECEIVING: Final = "receiving"


async def _hand_to_dialplan(
    call: CallServiceContext, job_id: int, asterisk_file: str, extension: str
) -> None:
    await call.ops.run(SetVariable(call.channel_id, "HOTLINE_FAX_JOB", str(job_id)))
    await call.ops.run(SetVariable(call.channel_id, "HOTLINE_FAX_FILE", asterisk_file))
    await call.ops.run(ContinueInDialplan(call.channel_id, FAX_CONTEXT, extension))


class CheckDocument:
    """Is the keyed number a document we can fax?  Sets its title and pages."""

    name = "fax.check_document"

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        document = await find_document(str(params.get("document", "")))
        if document is None:
            return ServiceResult(UNKNOWN)
        return ServiceResult(
            FOUND,
            {
                "fax_document": document.number,
                "fax_document_title": document.title,
                "fax_document_pages": str(document.pages),
            },
        )


class SendHere:
    """SendFAX on the caller's own channel (the caller pressed start)."""

    name = "fax.send_here"

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        document = await find_document(str(params.get("document", "")))
        if document is None:
            return ServiceResult(UNKNOWN)
        job = await create_same_call_job(document, call.caller_id, call.call_id)
        paths = FaxPaths.from_settings(call.settings)
        try:
            await _hand_to_dialplan(
                call, job.id, str(paths.for_asterisk(Path(document.tiff_path))), "send"
            )
        except Exception as exc:
            await fail_job(job.id, f"hand-off to the dialplan failed: {exc}")
            raise
        return ServiceResult(SENDING, {"fax_job": str(job.id)}, handed_off=True)


class QueueFaxBack:
    """Queue a fax-back job to the number the caller keyed."""

    name = "fax.queue_back"

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        document = await find_document(str(params.get("document", "")))
        if document is None:
            return ServiceResult(UNKNOWN)
        try:
            job = await queue_fax_back(document, str(params.get("number", "")), call.call_id)
        except InvalidRequest as exc:
            return ServiceResult(OUTCOME_FAILED, {"service_error": exc.message})
        return ServiceResult(QUEUED, {"fax_job": str(job.id)})


class ReceiveFax:
    """A call to a fax DID: ReceiveFAX into a file the result handler converts."""

    name = "fax.receive"

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        did = str(params.get("did", ""))
        job = await create_inbound_job(did, call.caller_id, call.call_id)
        paths = FaxPaths.from_settings(call.settings)
        tiff = paths.received_tiff(job.id)
        # Asterisk, unprivileged, writes the received pages here.
        asterisk_writable_dir(tiff.parent, paths.asterisk_root)
        try:
            await _hand_to_dialplan(call, job.id, str(paths.for_asterisk(tiff)), "receive")
        except Exception as exc:
            await fail_job(job.id, f"hand-off to the dialplan failed: {exc}")
            raise
        return ServiceResult(RECEIVING, {"fax_job": str(job.id)}, handed_off=True)


for _service in (CheckDocument(), SendHere(), QueueFaxBack(), ReceiveFax()):
    register_call_service(_service)
