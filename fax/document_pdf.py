"""A catalogue document's uploaded PDF, read back for the pages' preview.

The PDF stays where the upload put it (``FaxDocument.pdf_path``); only the
tenant that owns the document can read it, another tenant's is "not found"
like a missing one (``fax.catalogue.get_document``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fax.catalogue import get_document
from hotline.errors import NotFound


async def document_pdf_bytes(number: str, *, tenant_id: int) -> bytes:
    """The uploaded PDF of ``tenant_id``'s document ``number`` (NotFound when it or its
    file is gone, or it is another tenant's)."""
    document = await get_document(number, tenant_id=tenant_id)
    try:
        return await asyncio.to_thread(Path(document.pdf_path).read_bytes)
    except OSError as exc:
        raise NotFound(f"The PDF of document {number} is missing.", {"number": number}) from exc
