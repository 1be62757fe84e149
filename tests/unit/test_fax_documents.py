"""PDF checks name the reason; conversion gives TIFF-F at 204x196, 1728 wide."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from fax.documents import DocumentRejected, check_pdf, fax_tiff_to_pdf, pdf_to_fax_tiff


def with_pages(data: bytes, copies: int) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for _ in range(copies):
        for page in reader.pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rejected(data: bytes, **limits: int) -> str:
    with pytest.raises(DocumentRejected) as caught:
        check_pdf(data, **limits)
    assert caught.value.message
    return caught.value.reason


def test_given_demo_pdf_then_accepted_with_two_pages(demo_pdf: bytes) -> None:
    assert check_pdf(demo_pdf).pages == 2


def test_given_encrypted_pdf_then_rejected_as_encrypted(demo_pdf: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(demo_pdf)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert rejected(out.getvalue()) == "encrypted"


def test_given_truncated_pdf_then_rejected_as_corrupt(demo_pdf: bytes) -> None:
    assert rejected(demo_pdf[:300]) == "corrupt"


def test_given_not_a_pdf_then_rejected_as_such() -> None:
    assert rejected(b"GIF89a" + b"\0" * 100) == "not_pdf"
    assert rejected(b"") == "empty"


def test_given_too_many_pages_then_rejected(demo_pdf: bytes) -> None:
    assert rejected(with_pages(demo_pdf, 3), max_pages=5) == "too_many_pages"


def test_given_too_large_then_rejected(demo_pdf: bytes) -> None:
    assert rejected(demo_pdf, max_bytes=1000) == "too_large"


async def test_given_pdf_when_converted_then_tiff_f_at_fax_resolution(
    demo_pdf: bytes, tmp_path: Path
) -> None:
    pdf = tmp_path / "in.pdf"
    pdf.write_bytes(demo_pdf)
    tiff = tmp_path / "out.tif"
    assert await pdf_to_fax_tiff(pdf, tiff) == 2
    with Image.open(tiff) as image:
        for index in range(2):
            image.seek(index)
            assert image.size == (1728, 2292)
            assert image.mode == "1"
            assert image.info["compression"] == "group4"
            assert tuple(round(v) for v in image.info["dpi"]) == (204, 196)
    back = tmp_path / "back.pdf"
    assert await fax_tiff_to_pdf(tiff, back) == 2
