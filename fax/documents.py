"""PDF checks and the conversions around spandsp: PDF -> TIFF-F, TIFF -> PDF.

SendFAX (res_fax_spandsp) reads TIFF-F: bilevel pages 1728 pixels wide at a
fax resolution.  We render at 204x196 dpi ("fine") onto a 1728x2292 canvas
(A4 at that resolution; Letter pages are scaled to fit), so every page has a
width spandsp accepts whatever the PDF's own page size is.  G4 (T.6) keeps
the files small; spandsp decodes the image and re-encodes it in whatever
compression the two fax machines negotiate.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from hotline.errors import InvalidRequest

MAX_PDF_BYTES: Final = 5 * 1024 * 1024
MAX_PAGES: Final = 20
FAX_RESOLUTION: Final = "204x196"
FAX_PAGE_PIXELS: Final = (1728, 2292)
CONVERT_TIMEOUT_S: Final = 120.0


class DocumentRejected(InvalidRequest):
    """An upload that will not become a fax document; ``reason`` is a stable word."""

    error_id = "fax-document-rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, {"reason": reason})
        self.reason = reason


class ConversionFailed(InvalidRequest):
    error_id = "fax-conversion-failed"
    status_code = 422


@dataclass(frozen=True, slots=True)
class CheckedPdf:
    pages: int
    size_bytes: int


def check_pdf(
    data: bytes, *, max_bytes: int = MAX_PDF_BYTES, max_pages: int = MAX_PAGES
) -> CheckedPdf:
    """Refuse what cannot be faxed, naming the reason; returns the page count."""
    if not data:
        raise DocumentRejected("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise DocumentRejected(
            "too_large", f"The file is {len(data)} bytes; the limit is {max_bytes} bytes."
        )
    # A PDF may carry a little junk before its header, but never more than 1 KiB.
    if b"%PDF-" not in data[:1024]:
        raise DocumentRejected("not_pdf", "The file is not a PDF (no %PDF- header).")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRejected(
                "encrypted", "The PDF is encrypted; upload it without a password."
            )
        pages = len(reader.pages)
        for page in reader.pages:
            _ = page.mediabox  # parse every page tree entry now, not at send time
    except DocumentRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise DocumentRejected("corrupt", f"The PDF is damaged and cannot be read: {exc}") from exc
    if pages == 0:
        raise DocumentRejected("corrupt", "The PDF has no pages.")
    if pages > max_pages:
        raise DocumentRejected(
            "too_many_pages", f"The PDF has {pages} pages; the limit is {max_pages}."
        )
    return CheckedPdf(pages=pages, size_bytes=len(data))


async def _run(*argv: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(CONVERT_TIMEOUT_S):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise ConversionFailed(f"{argv[0]} took longer than {CONVERT_TIMEOUT_S:.0f} s") from None
    if process.returncode != 0:
        detail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ConversionFailed(f"{argv[0]} failed: {' / '.join(detail) or process.returncode}")


async def pdf_to_fax_tiff(pdf: Path, tiff: Path) -> int:
    """Render ``pdf`` as a multi-page TIFF-F at ``tiff``; returns its page count."""
    width, height = FAX_PAGE_PIXELS
    tiff.parent.mkdir(parents=True, exist_ok=True)
    await _run(
        "gs",
        "-q",
        "-dNOPAUSE",
        "-dBATCH",
        "-dSAFER",
        "-sDEVICE=tiffg4",
        f"-r{FAX_RESOLUTION}",
        f"-g{width}x{height}",
        # Fixed canvas + fit: every page comes out exactly 1728 wide.
        "-dFIXEDMEDIA",
        "-dPDFFitPage",
        f"-sOutputFile={tiff}",
        str(pdf),
    )
    return _readable_page_count(tiff)


def _readable_page_count(tiff: Path) -> int:
    tiff.chmod(0o644)  # Asterisk must read it, whoever it runs as
    return tiff_pages(tiff)


def tiff_pages(tiff: Path) -> int:
    with Image.open(tiff) as image:
        return int(getattr(image, "n_frames", 1))


async def fax_tiff_to_pdf(tiff: Path, pdf: Path) -> int:
    """Convert a received fax (TIFF) to PDF with libtiff's tiff2pdf; returns pages."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    await _run("tiff2pdf", "-o", str(pdf), str(tiff))
    return len(PdfReader(str(pdf)).pages)
