"""FastAGI ``fax_result``: the dialplan reports a SendFAX/ReceiveFAX outcome.

Runs from ``[hotline-fax]`` after the fax application (or from its ``h``
extension when the line dropped), so the channel may already be dead: only
GET VARIABLE is used, which Asterisk answers on dead channels too.

Nothing reported here is trusted further than a channel variable can be:
``HOTLINE_FAX_FILE`` is only read once ``fax.results.received_tiff_on_host``
has found it inside the fax spool (no ``..``, symlinks resolved), and the
server listens on loopback unless ``HOTLINE_AGI_HOST`` names another address.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from agi_scripts.server import AgiSession
from fax.results import FaxResult, record_fax_result
from hotline.settings import Settings, load_settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _settings() -> Settings:
    # The FastAGI server runs inside the Hotline process, whose environment
    # the settings come from; SMTP and the Asterisk root are all we need.
    return load_settings()


def _int(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0


async def fax_result(session: AgiSession) -> None:
    job = await session.get_variable("HOTLINE_FAX_JOB")
    if not job or not job.isdigit():
        log.warning("fax_result without a Hotline fax job on %s", session.request.channel)
        return
    status = await session.get_variable("FAXSTATUS") or ""
    error = await session.get_variable("FAXERROR") or ""
    detail = await session.get_variable("FAXSTATUSSTRING") or ""
    result = FaxResult(
        job_id=int(job),
        status=status,
        pages=_int(await session.get_variable("FAXPAGES")),
        rate_bps=_int(await session.get_variable("FAXBITRATE")),
        ecm=(await session.get_variable("HOTLINE_FAX_ECM") or "").lower() == "yes",
        t38=(await session.get_variable("FAXMODE") or "").upper() == "T38",
        error=" - ".join(part for part in (error, detail) if part and part != "OK"),
        file_path=await session.get_variable("HOTLINE_FAX_FILE") or "",
    )
    log.info(
        "fax job %s: %s, %d pages at %d bps (%s)",
        job,
        status or "no status",
        result.pages,
        result.rate_bps,
        result.error or "no error",
    )
    await record_fax_result(_settings(), result)
