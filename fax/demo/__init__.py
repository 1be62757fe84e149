"""The demo's fax catalogue: document 1, rendered from ``document-1.ps``."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Final

from fax.catalogue import upload_document
from fax.documents import postscript_to_pdf
from hotline.errors import InvalidRequest
from hotline.models_fax import FaxDocument
from hotline.sandbox import SandboxUnavailable
from hotline.settings import Settings

log = logging.getLogger(__name__)

DEMO_DOCUMENT_NUMBER: Final = "1"
DEMO_DOCUMENT_TITLE: Final = "Hotline demo document (2 pages)"
SOURCE: Final = Path(__file__).with_name("document-1.ps")


def _has_file(path: str) -> bool:
    return Path(path).is_file()


async def seed_demo_document(settings: Settings, *, tenant_id: int) -> None:
    """Document 1 of the demo tenant ``tenant_id`` exists (and its TIFF too: the
    chroot may have been rebuilt).  A document 1 from before tenants becomes
    the demo tenant's; one another tenant holds is left alone (and logged)."""
    existing = await FaxDocument.get_or_none(number=DEMO_DOCUMENT_NUMBER)
    if existing is not None and existing.tenant_id is None:
        existing.tenant_id = tenant_id
        await existing.save(update_fields=["tenant_id", "updated_at"])
    if existing is not None and _has_file(existing.tiff_path):
        return
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "document-1.pdf"
        try:
            # Our own PostScript, still rendered as nobody under limits.
            await postscript_to_pdf(SOURCE, pdf)
            data = pdf.read_bytes()
            title = existing.title if existing is not None else DEMO_DOCUMENT_TITLE
            await upload_document(
                settings, DEMO_DOCUMENT_NUMBER, title, data, "seed", tenant_id=tenant_id
            )
        except (OSError, InvalidRequest, SandboxUnavailable) as exc:
            log.error("demo fax document 1 not created: %s", exc)
