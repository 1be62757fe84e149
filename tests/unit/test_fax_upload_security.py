"""Fax uploads against the security review: PostScript posing as PDF, what
Ghostscript is given and as whom it runs, and page trees built to stall.

The polyglot below is the review's finding: PostScript first, then a whole
PDF.  pypdf read it as a 2-page PDF and Ghostscript, which picks its
interpreter by the first bytes, ran the PostScript as root: under -dSAFER
it wrote to /tmp and read a root-only file into the fax page.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fax import documents
from fax.catalogue import upload_document
from fax.demo import SOURCE
from fax.documents import MAX_PAGES, DocumentRejected, check_pdf
from hotline import sandbox
from hotline.models_fax import FaxDocument
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id

pytestmark = pytest.mark.security
I18N = Path(__file__).parents[2] / "admin_ui" / "i18n"


def polyglot(demo_pdf: bytes, marker: Path) -> bytes:
    """PostScript that writes ``marker`` and stops, with %PDF- in its first KiB and a PDF after."""
    program = (
        f"%!PS\n% %PDF-1.4\n/f ({marker}) (w) file def f (owned) writestring f closefile\nquit\n"
    )
    return program.encode() + demo_pdf


def many_pages(pages: int, *, declared: int | None = None) -> bytes:
    """A valid PDF of ``pages`` blank pages whose page tree says ``/Count declared``."""
    kids = " ".join(f"{n} 0 R" for n in range(3, 3 + pages))
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {declared or pages} >>".encode(),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def read(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def stored_files(settings: Settings) -> set[Path]:
    roots = [Path(settings.asterisk_root), settings.var_dir / "fax"]
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


Runner = Callable[..., Awaitable[sandbox.Completed]]


class GsSpy:
    """Wraps ``sandbox.run``: keeps each gs run's wrapped command and a copy of its input."""

    def __init__(self, real_run: Runner) -> None:
        self.real_run = real_run
        self.commands: list[list[str]] = []
        self.inputs: list[bytes] = []
        self.workdirs: list[Path] = []

    async def __call__(self, argv: Sequence[str], **options: Any) -> sandbox.Completed:
        if argv[0] == "gs":
            self.commands.append(sandbox.command(argv, options["limits"]))
            self.inputs.append(read(argv[-1]))
            self.workdirs.append(options["workdir"])
        return await self.real_run(argv, **options)


@pytest.fixture
def gs_spy(monkeypatch: pytest.MonkeyPatch) -> GsSpy:
    spy = GsSpy(sandbox.run)
    monkeypatch.setattr(sandbox, "run", spy)
    return spy


# -- PostScript posing as PDF ------------------------------------------------------------
def test_given_postscript_with_a_pdf_header_in_its_first_kib_then_refused_as_not_pdf(
    demo_pdf: bytes, tmp_path: Path
) -> None:
    with pytest.raises(DocumentRejected) as refused:
        check_pdf(polyglot(demo_pdf, tmp_path / "marker"))
    assert refused.value.reason == "not_pdf"
    with pytest.raises(DocumentRejected) as junk_first:
        check_pdf(b"\n" + demo_pdf)  # the spec's tolerated junk is refused too
    assert junk_first.value.reason == "not_pdf"


async def test_given_a_postscript_polyglot_when_uploaded_then_refused_and_never_run(
    seeded: Settings, demo_pdf: bytes, gs_spy: GsSpy
) -> None:
    marker = Path("/tmp") / f"hotline-polyglot-{uuid.uuid4().hex}"
    before = stored_files(seeded)
    try:
        with pytest.raises(DocumentRejected) as refused:
            await upload_document(
                seeded,
                "8",
                "Price list",
                polyglot(demo_pdf, marker),
                "admin",
                tenant_id=await home_tenant_id(),
            )
        assert refused.value.reason == "not_pdf"
        assert not marker.exists()
    finally:
        marker.unlink(missing_ok=True)
    assert gs_spy.commands == []
    assert not await FaxDocument.exists(number="8")
    assert stored_files(seeded) == before


async def test_given_a_pdf_with_a_postscript_tail_when_uploaded_then_gs_gets_only_pypdfs_rewrite(
    seeded: Settings, demo_pdf: bytes, gs_spy: GsSpy
) -> None:
    tail = b"\n%!PS\n(HOTLINE-TAIL) print quit\n"
    result = await upload_document(
        seeded, "8", "Price list", demo_pdf + tail, "admin", tenant_id=await home_tenant_id()
    )
    assert result.document.pages == 2
    [given] = gs_spy.inputs
    assert given.startswith(b"%PDF-") and b"HOTLINE-TAIL" not in given
    assert given != demo_pdf and len(PdfReader(io.BytesIO(given)).pages) == 2
    # The preview keeps the upload as it came; Ghostscript never reads it.
    assert read(result.document.pdf_path) == demo_pdf + tail


async def test_given_an_upload_when_rendered_then_gs_runs_as_nobody_under_limits_in_a_private_dir(
    seeded: Settings, demo_pdf: bytes, gs_spy: GsSpy
) -> None:
    await upload_document(
        seeded, "8", "Price list", demo_pdf, "admin", tenant_id=await home_tenant_id()
    )
    [command] = gs_spy.commands
    [workdir] = gs_spy.workdirs
    assert Path(command[0]).name == "prlimit"
    assert any(Path(arg).name == "setpriv" for arg in command)
    assert f"--as={documents.GS_LIMITS.address_space_bytes}" in command
    assert f"--cpu={documents.GS_LIMITS.cpu_s}" in command and "--no-new-privs" in command
    if sandbox.run_as().uid is not None:
        assert "--reuid=65534" in command and "--clear-groups" in command
    gs_argv = command[command.index("gs") :]
    assert {"-dSAFER", "-dNOPAUSE", "-dBATCH"} <= set(gs_argv)
    # Input and output both live in the private directory, which is gone after.
    paths = [arg.split("=", 1)[-1] for arg in gs_argv if "/" in arg]
    assert paths and all(Path(path).parent == workdir for path in paths)
    assert not workdir.exists()


async def test_given_the_shipped_postscript_when_it_tries_to_escape_then_gs_is_confined(
    tmp_path: Path,
) -> None:
    marker = Path("/tmp") / f"hotline-ps-{uuid.uuid4().hex}"
    program = tmp_path / "probe.ps"
    program.write_text(
        f"%!PS\n/f ({marker}) (w) file def f (x) writestring f closefile\nshowpage\n"
    )
    try:
        with pytest.raises(documents.ConversionFailed):
            await documents.postscript_to_pdf(program, tmp_path / "out.pdf")
        assert not marker.exists()
    finally:
        marker.unlink(missing_ok=True)
    await documents.postscript_to_pdf(SOURCE, tmp_path / "demo.pdf")  # the real one still renders
    assert len(PdfReader(tmp_path / "demo.pdf").pages) == 2


# -- page trees built to stall -------------------------------------------------------------
def test_given_40000_pages_then_refused_from_the_page_count_without_walking_the_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walks: list[object] = []
    real_flatten = PdfReader._flatten

    def counting_flatten(self: PdfReader, *args: Any, **kwargs: Any) -> None:
        walks.append(self)
        real_flatten(self, *args, **kwargs)

    monkeypatch.setattr(PdfReader, "_flatten", counting_flatten)
    with pytest.raises(DocumentRejected) as refused:
        check_pdf(many_pages(40_000))
    assert refused.value.reason == "too_many_pages" and "40000 pages" in refused.value.message
    assert walks == []


def test_given_a_page_count_that_lies_then_the_walk_stops_a_few_dozen_pages_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    leaves: list[object] = []
    real_leaf = PdfReader._flatten_leaf_page

    def counting_leaf(self: PdfReader, **kwargs: Any) -> Any:
        leaves.append(kwargs)
        return real_leaf(self, **kwargs)

    monkeypatch.setattr(PdfReader, "_flatten_leaf_page", counting_leaf)
    with pytest.raises(DocumentRejected) as refused:
        check_pdf(many_pages(40_000, declared=1))
    assert refused.value.reason == "too_many_pages"
    assert len(leaves) <= 4 * MAX_PAGES + 16


async def test_given_an_upload_then_it_is_never_parsed_in_hotlines_own_process(
    seeded: Settings, demo_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("PDF parsed on Hotline's event loop")

    for name in ("check_pdf", "check_and_reserialise", "PdfReader"):
        monkeypatch.setattr(documents, name, not_here)
    result = await upload_document(
        seeded, "8", "Price list", demo_pdf, "admin", tenant_id=await home_tenant_id()
    )
    assert result.document.pages == 2


async def test_given_40000_pages_when_uploaded_then_refused_while_the_event_loop_runs(
    seeded: Settings,
) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticking = asyncio.create_task(ticker())
    try:
        with pytest.raises(DocumentRejected) as refused:
            await upload_document(
                seeded, "8", "Big", many_pages(40_000), "admin", tenant_id=await home_tenant_id()
            )
    finally:
        ticking.cancel()
    assert refused.value.reason == "too_many_pages"
    assert ticks >= 10  # the loop went on while the child read the file


async def test_given_a_parse_that_outlasts_its_time_then_refused_as_too_complex(
    demo_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "PDF_CHECK_TIMEOUT_S", 0.01)
    with pytest.raises(DocumentRejected) as refused:
        await documents.prepare_pdf(demo_pdf)
    assert refused.value.reason == "too_complex"


async def test_given_a_parse_that_runs_out_of_memory_then_refused_as_too_complex(
    demo_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = sandbox.Limits(
        cpu_s=20, address_space_bytes=32 * sandbox.MIB, file_size_bytes=sandbox.MIB
    )
    monkeypatch.setattr(documents, "PDF_CHECK_LIMITS", tiny)
    with pytest.raises(DocumentRejected) as refused:
        await documents.prepare_pdf(demo_pdf)
    assert refused.value.reason == "too_complex"


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_given_the_new_refusal_then_both_languages_name_it(language: str) -> None:
    catalogue = json.loads((I18N / f"fax.{language}.json").read_text(encoding="utf-8"))
    assert catalogue["fax.error.upload.too_complex"]
