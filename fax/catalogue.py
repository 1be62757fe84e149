"""The fax catalogue: the documents callers get by keying their number.

Everything the UI and API reach works in one tenant (``tenant_id``, the
signed-in user's or the API token's; see ``hotline/tenancy.py``): another
tenant's document, job or fax DID is as unknown as a missing one.  Document
numbers and fax DIDs are one numbering plan across tenants (callers key a
document number; a DID rings one place), so the look-ups made during calls
(``find_document``; the DID router in ``ari_apps/ivr/routes.py``) stay
global, and a number another tenant holds is refused as "not available"
(``NumberUnavailable``), saying no more.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from fax.documents import DocumentRejected, prepare_pdf, render_fax_tiff
from fax.paths import FaxPaths
from hotline.errors import InvalidRequest, NotFound
from hotline.models_fax import FaxDocument
from hotline.settings import Settings
from hotline.tenancy import scoped

DOCUMENT_NUMBER: Final = re.compile(r"[0-9]{1,8}")
# Documents of the catalogue (uploaded, listed, keyed by callers), as
# opposed to those made to be faxed once (fax/generated.py).
CATALOGUE: Final = "catalogue"

# One catalogue change at a time: replacing a document swaps files.
_catalogue_changes = asyncio.Lock()


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
    return await scoped(FaxDocument, tenant_id).filter(origin=CATALOGUE).order_by("number")


async def get_document(number: str, *, tenant_id: int) -> FaxDocument:
    """``tenant_id``'s document ``number``; another tenant's is as missing as none."""
    document = await scoped(FaxDocument, tenant_id).get_or_none(number=number, origin=CATALOGUE)
    if document is None:
        raise NotFound(f"No fax document number {number}.", {"number": number})
    return document


async def find_document(number: str) -> FaxDocument | None:
    """The document a caller keyed, or None (callers key anything).

    Global on purpose: document numbers are one plan across tenants.
    """
    if not DOCUMENT_NUMBER.fullmatch(number):
        return None
    document = await FaxDocument.get_or_none(number=number, origin=CATALOGUE)
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
