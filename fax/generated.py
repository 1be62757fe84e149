"""Documents Hotline writes itself and faxes to someone (a knowledge
article, hotline/knowledge/documents.py): converted like an upload, kept as
a fax document of their own origin, neither listed in the catalogue nor
keyable by callers, and sent by fax-back with its retries."""

from __future__ import annotations

import hashlib
from typing import Any, Final

from fax import services
from fax.documents import DocumentRejected, prepare_pdf, render_fax_tiff
from fax.paths import FaxPaths
from hotline.models_fax import FaxDocument, FaxJob
from hotline.settings import Settings

KNOWLEDGE: Final = "knowledge"


async def fax_generated(
    settings: Settings,
    *,
    tenant_id: int,
    reference: str,
    title: str,
    pdf: bytes,
    to: str,
    call_id: str,
    made_by: str,
) -> FaxJob:
    """Fax ``pdf`` to ``to``; the document ``reference`` (e.g. "K12v3") is
    converted once and reused by later sendings of the same text."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    document = await FaxDocument.get_or_none(number=reference, tenant_id=tenant_id)
    if document is None or document.sha256 != sha256:
        prepared = await prepare_pdf(pdf)
        paths = FaxPaths.from_settings(settings)
        pdf_path = paths.document_pdf(reference, sha256)
        tiff_path = paths.document_tiff(reference, sha256)
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        pdf_path.write_bytes(pdf)
        pages = await render_fax_tiff(prepared, tiff_path)
        if pages != prepared.pages:
            raise DocumentRejected("corrupt", f"{pages} of {prepared.pages} pages were rendered")
        fields: dict[str, Any] = {
            "title": title[:200],
            "pages": pages,
            "pdf_path": str(pdf_path),
            "tiff_path": str(tiff_path),
            "size_bytes": prepared.size_bytes,
            "sha256": sha256,
            "uploaded_by": made_by,
            "origin": KNOWLEDGE,
        }
        if document is None:
            document = await FaxDocument.create(number=reference, tenant_id=tenant_id, **fields)
        else:
            document.update_from_dict(fields)
            await document.save()
    return await services.queue_fax_back(document, to, call_id)
