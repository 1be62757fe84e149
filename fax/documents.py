"""PDF checks and the conversions around spandsp: PDF -> TIFF-F, TIFF -> PDF.

SendFAX (res_fax_spandsp) reads TIFF-F: bilevel pages 1728 pixels wide at a
fax resolution.  We render at 204x196 dpi ("fine") onto a 1728x2292 canvas
(A4 at that resolution; Letter pages are scaled to fit), so every page has a
width spandsp accepts whatever the PDF's own page size is.  G4 (T.6) keeps
the files small; spandsp decodes the image and re-encodes it in whatever
compression the two fax machines negotiate.

An upload never reaches Ghostscript as it came.  Ghostscript picks its
interpreter by content: a file that begins ``%!PS`` runs as a PostScript
program even when a PDF follows, and a security review made such a file
(``%PDF-`` inside its first KiB, which we used to accept) write to /tmp and
read a root-only file into the fax page.  So:

1. ``%PDF-`` must be the first five bytes;
2. pypdf parses the upload in a child process (``fax.pdf_worker``) with
   rlimits and a timeout, refuses it with a reason, and writes its pages into
   a fresh PDF; only that fresh PDF (``PreparedPdf``, made nowhere else)
   reaches gs;
3. gs runs as ``nobody`` in a private directory under rlimits
   (``hotline.sandbox``), with ``-dSAFER``.

The page limit is checked on the page tree's ``/Count`` first and the tree
walk itself is capped, so a 40,000-page PDF is refused without walking it
(pypdf's full walk of one took 1.95 s, then on the event loop).
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from PIL import Image
from pypdf import PdfReader, PdfWriter, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import DictionaryObject

from hotline import sandbox
from hotline.errors import InvalidRequest
from hotline.sandbox import MIB, Limits

MAX_PDF_BYTES: Final = 5 * 1024 * 1024
MAX_PAGES: Final = 20
FAX_RESOLUTION: Final = "204x196"
FAX_PAGE_PIXELS: Final = (1728, 2292)
CONVERT_TIMEOUT_S: Final = 120.0
# pypdf in its child: the demo document is checked and rewritten in 0.13 s,
# the interpreter's start included; a 40,000-page tree is refused from its
# /Count in 0.4 s where walking it took 2.4 s (measured here, 2026-12-04).
PDF_CHECK_TIMEOUT_S: Final = 20.0
PDF_CHECK_LIMITS: Final = Limits(
    cpu_s=20, address_space_bytes=1024 * MIB, file_size_bytes=64 * MIB, open_files=32
)
# Ghostscript renders the demo's two fax pages in 0.05 s and 25 MB of RSS; the
# limits leave room for heavy pages (big images), not for runaway programs.
GS_LIMITS: Final = Limits(
    cpu_s=60, address_space_bytes=1024 * MIB, file_size_bytes=64 * MIB, open_files=64
)
TIFF2PDF_LIMITS: Final = Limits(
    cpu_s=60, address_space_bytes=512 * MIB, file_size_bytes=64 * MIB, open_files=32
)
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]


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


@dataclass(frozen=True, slots=True)
class PreparedPdf:
    """An upload that passed the checks, and its pages re-serialised by pypdf.

    ``clean`` is the only PDF Ghostscript is given; ``prepare_pdf`` is the
    only maker of this type.
    """

    pages: int
    size_bytes: int
    clean: bytes


def check_header(data: bytes, *, max_bytes: int = MAX_PDF_BYTES) -> None:
    """The refusals that need no parsing: empty, too large, not a PDF from byte 0."""
    if not data:
        raise DocumentRejected("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise DocumentRejected(
            "too_large", f"The file is {len(data)} bytes; the limit is {max_bytes} bytes."
        )
    # Byte 0, not "somewhere in the first KiB" as the PDF spec tolerates: what
    # comes before the header decides how Ghostscript runs the file.
    if not data.startswith(b"%PDF-"):
        raise DocumentRejected("not_pdf", "The file is not a PDF (it does not begin with %PDF-).")


def _too_many(pages: int | None, max_pages: int) -> DocumentRejected:
    counted = f"{pages} pages" if pages is not None else f"more than {max_pages} pages"
    return DocumentRejected("too_many_pages", f"The PDF has {counted}; the limit is {max_pages}.")


@contextmanager
def _bounded_pypdf(max_pages: int) -> Iterator[None]:
    # The walk of the page tree stops after a few entries more than a
    # document we take can have (pages plus intermediate /Pages nodes), and
    # pypdf never calls the external jbig2dec.
    with apply_configuration(page_tree_maximum_entries=4 * max_pages + 16, jbig2dec_binary=None):
        yield


def _read_checked(data: bytes, max_bytes: int, max_pages: int) -> tuple[PdfReader, int]:
    check_header(data, max_bytes=max_bytes)
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise DocumentRejected("encrypted", "The PDF is encrypted; upload it without a password.")
    tree = reader.root_object.get("/Pages")
    tree = tree.get_object() if tree is not None else None
    if not isinstance(tree, DictionaryObject):
        raise DocumentRejected("corrupt", "The PDF has no page tree.")
    declared = tree.get("/Count")
    declared = declared.get_object() if declared is not None else None
    if isinstance(declared, int) and declared > max_pages:
        raise _too_many(declared, max_pages)  # without walking the tree
    try:
        pages = len(reader.pages)
    except LimitReachedError as exc:  # /Count lied: the walk stopped at the cap
        raise _too_many(None, max_pages) from exc
    for page in reader.pages:
        _ = page.mediabox  # parse every page tree entry now, not at send time
    if pages == 0:
        raise DocumentRejected("corrupt", "The PDF has no pages.")
    if pages > max_pages:
        raise _too_many(pages, max_pages)
    return reader, pages


def _refused_as_corrupt(exc: BaseException) -> DocumentRejected:
    return DocumentRejected("corrupt", f"The PDF is damaged and cannot be read: {exc}")


_PARSE_ERRORS: Final = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    RecursionError,
)


def check_pdf(
    data: bytes, *, max_bytes: int = MAX_PDF_BYTES, max_pages: int = MAX_PAGES
) -> CheckedPdf:
    """Refuse what cannot be faxed, naming the reason; returns the page count.

    Runs in the calling process: Hotline itself only calls it through
    ``prepare_pdf``'s child process.
    """
    try:
        with _bounded_pypdf(max_pages):
            _, pages = _read_checked(data, max_bytes, max_pages)
    except DocumentRejected:
        raise
    except _PARSE_ERRORS as exc:
        raise _refused_as_corrupt(exc) from exc
    return CheckedPdf(pages=pages, size_bytes=len(data))


def check_and_reserialise(
    data: bytes, *, max_bytes: int = MAX_PDF_BYTES, max_pages: int = MAX_PAGES
) -> tuple[CheckedPdf, bytes]:
    """``check_pdf``, then the pages written into a new PDF by pypdf.

    Only the pages (their content streams and resources) are copied: no
    document-level actions, scripts, forms or attachments, and nothing
    before the header or after the trailer.
    """
    try:
        with _bounded_pypdf(max_pages):
            reader, pages = _read_checked(data, max_bytes, max_pages)
            writer = PdfWriter()
            for page in reader.pages:
                writer.add_page(page)
            out = io.BytesIO()
            writer.write(out)
    except DocumentRejected:
        raise
    except _PARSE_ERRORS as exc:
        raise _refused_as_corrupt(exc) from exc
    return CheckedPdf(pages=pages, size_bytes=len(data)), out.getvalue()


def _too_complex(detail: str) -> DocumentRejected:
    return DocumentRejected(
        "too_complex", f"The PDF could not be read within the time and memory allowed ({detail})."
    )


async def prepare_pdf(data: bytes) -> PreparedPdf:
    """Check and re-serialise an upload off the event loop, in a confined child.

    The child is Python with pypdf (``fax.pdf_worker``), run as Hotline's own
    user under ``PDF_CHECK_LIMITS`` and ``PDF_CHECK_TIMEOUT_S``: pure-Python
    parsing only needs bounding in time and memory, and a thread could not
    be stopped once started.
    """
    check_header(data)
    with sandbox.private_dir("hotline-pdf-", drop_privileges=False) as work:
        await asyncio.to_thread((work / "upload.pdf").write_bytes, data)
        try:
            done = await sandbox.run(
                [sys.executable, "-P", "-s", "-B", "-m", "fax.pdf_worker", str(work)],
                limits=PDF_CHECK_LIMITS,
                workdir=work,
                timeout_s=PDF_CHECK_TIMEOUT_S,
                drop_privileges=False,
                extra_env={"PYTHONPATH": str(_PROJECT_ROOT)},
            )
        except TimeoutError:
            raise _too_complex(f"longer than {PDF_CHECK_TIMEOUT_S:.0f} s") from None
        result = _worker_result(work / "result.json")
        if done.returncode != 0 or result is None:
            raise _too_complex(done.first_error_lines() or f"exit {done.returncode}")
        if "reason" in result:
            raise DocumentRejected(str(result["reason"]), str(result["message"]))
        clean = await asyncio.to_thread((work / "clean.pdf").read_bytes)
    return PreparedPdf(pages=int(result["pages"]), size_bytes=len(data), clean=clean)


def _worker_result(path: Path) -> dict[str, Any] | None:
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None


async def _gs(argv: list[str], work: Path) -> None:
    try:
        done = await sandbox.run(
            ["gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", *argv],
            limits=GS_LIMITS,
            workdir=work,
            timeout_s=CONVERT_TIMEOUT_S,
        )
    except TimeoutError:
        raise ConversionFailed(f"gs took longer than {CONVERT_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        raise ConversionFailed(f"gs failed: {done.first_error_lines() or done.returncode}")


def _copy_out(source: Path, target: Path, mode: int) -> None:
    """Our own copy of what the sandboxed program wrote (its file is nobody's)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    target.chmod(mode)


async def render_fax_tiff(prepared: PreparedPdf, tiff: Path) -> int:
    """Render a prepared PDF as a multi-page TIFF-F at ``tiff``; returns its page count."""
    width, height = FAX_PAGE_PIXELS
    with sandbox.private_dir("hotline-gs-") as work:
        source, output = work / "document.pdf", work / "fax.tif"
        source.write_bytes(prepared.clean)
        sandbox.hand_over(source)
        await _gs(
            [
                "-sDEVICE=tiffg4",
                f"-r{FAX_RESOLUTION}",
                f"-g{width}x{height}",
                # Fixed canvas + fit: every page comes out exactly 1728 wide.
                "-dFIXEDMEDIA",
                "-dPDFFitPage",
                f"-sOutputFile={output}",
                str(source),
            ],
            work,
        )
        # 0644: Asterisk must read it, whoever it runs as.
        await asyncio.to_thread(_copy_out, output, tiff, 0o644)
    return tiff_pages(tiff)


async def pdf_to_fax_tiff(pdf: Path, tiff: Path) -> int:
    """Check, re-serialise and render the PDF at ``pdf`` as TIFF-F; returns its pages."""
    prepared = await prepare_pdf(await asyncio.to_thread(pdf.read_bytes))
    return await render_fax_tiff(prepared, tiff)


async def postscript_to_pdf(source: Path, pdf: Path) -> None:
    """Render PostScript *we ship* (the demo document) to PDF, confined like any gs run.

    Never call it on anything uploaded: PostScript is a program.
    """
    with sandbox.private_dir("hotline-gs-") as work:
        program, output = work / "source.ps", work / "out.pdf"
        await asyncio.to_thread(_copy_out, source, program, 0o600)
        sandbox.hand_over(program)
        await _gs(
            ["-sDEVICE=pdfwrite", "-sPAPERSIZE=a4", f"-sOutputFile={output}", str(program)], work
        )
        await asyncio.to_thread(_copy_out, output, pdf, 0o644)


def tiff_pages(tiff: Path) -> int:
    with Image.open(tiff) as image:
        return int(getattr(image, "n_frames", 1))


async def fax_tiff_to_pdf(tiff: Path, pdf: Path) -> int:
    """Convert a received fax (TIFF) to PDF with libtiff's tiff2pdf; returns pages.

    tiff2pdf runs confined too: the image came from whoever called the fax DID.
    """
    with sandbox.private_dir("hotline-tiff-") as work:
        source, output = work / "fax.tif", work / "fax.pdf"
        await asyncio.to_thread(_copy_out, tiff, source, 0o600)
        sandbox.hand_over(source)
        try:
            done = await sandbox.run(
                ["tiff2pdf", "-o", str(output), str(source)],
                limits=TIFF2PDF_LIMITS,
                workdir=work,
                timeout_s=CONVERT_TIMEOUT_S,
            )
        except TimeoutError:
            raise ConversionFailed(f"tiff2pdf took longer than {CONVERT_TIMEOUT_S:.0f} s") from None
        if done.returncode != 0:
            raise ConversionFailed(
                f"tiff2pdf failed: {done.first_error_lines() or done.returncode}"
            )
        await asyncio.to_thread(_copy_out, output, pdf, 0o644)
    return await asyncio.to_thread(_pdf_pages, pdf)


def _pdf_pages(pdf: Path) -> int:
    return len(PdfReader(str(pdf)).pages)
