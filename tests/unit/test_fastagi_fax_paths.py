"""FastAGI ``fax_result`` against the security review: the file a fax result
names must be inside the fax spool, and the server listens on loopback
unless an address is named.

The dialplan reports ``HOTLINE_FAX_FILE`` back over FastAGI and Hotline
converts that file to PDF and emails it: with ``..`` in it, any file Hotline
can read went out as a fax.  A scripted Asterisk plays the dialplan's side
over real TCP, as in ``test_fastagi_server.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from agi_scripts import fax_handlers
from agi_scripts import server as agi_server
from agi_scripts.handlers import HANDLERS
from agi_scripts.server import FastAgiServer
from fax import results
from fax.jobs import create_inbound_job
from fax.paths import SPOOL_DIR, FaxPaths
from hotline.models_fax import FaxJob
from hotline.settings import Settings, load_settings

STEP_TIMEOUT_S = 10.0
RECEIVED = SPOOL_DIR / "received"


def agi_headers() -> bytes:
    return (
        b"agi_network: yes\n"
        b"agi_network_script: fax_result\n"
        b"agi_request: agi://127.0.0.1:4573/fax_result\n"
        b"agi_channel: PJSIP/trunk-00000009\n"
        b"agi_uniqueid: 1700000000.9\n"
        b"agi_callerid: 5550199\n"
        b"agi_context: hotline-fax\n"
        b"agi_extension: report\n"
        b"agi_priority: 3\n"
        b"\n"
    )


async def report_fax(port: int, variables: dict[str, str]) -> None:
    """Play Asterisk: answer each GET VARIABLE from ``variables`` until the script ends."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(agi_headers())
    await writer.drain()
    try:
        while line := await asyncio.wait_for(reader.readline(), STEP_TIMEOUT_S):
            match = re.fullmatch(r"GET VARIABLE (\S+)\n", line.decode())
            assert match, f"unexpected command {line!r}"
            value = variables.get(match.group(1))
            writer.write(
                b"200 result=0\n" if value is None else f"200 result=1 ({value})\n".encode()
            )
            await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


@pytest.fixture
async def agi(seeded: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAgiServer]:
    monkeypatch.setattr(fax_handlers, "_settings", lambda: seeded)
    server = FastAgiServer(HANDLERS, port=0, header_timeout_s=2.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def inbound_job() -> FaxJob:
    return await create_inbound_job("8009", "5550199", "call-9")


def write_pdf(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 converted")


def read(path: str) -> bytes:
    return Path(path).read_bytes()


def fax_tiff(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("1", (1728, 2292), 1).save(path, compression="group4", dpi=(204, 196))


def result_variables(job: FaxJob, file: str) -> dict[str, str]:
    return {
        "HOTLINE_FAX_JOB": str(job.id),
        "FAXSTATUS": "SUCCESS",
        "FAXPAGES": "1",
        "FAXBITRATE": "14400",
        "FAXMODE": "audio",
        "HOTLINE_FAX_FILE": file,
    }


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A readable TIFF outside the spool: what an attacker would have mailed out."""
    path = tmp_path / "outside" / "secret.tif"
    fax_tiff(path)
    return path


def escapes(settings: Settings, secret: Path) -> dict[str, str]:
    """Reported paths that must not be read, by the kind of escape."""
    paths = FaxPaths.from_settings(settings)
    root = Path(settings.asterisk_root)
    fax_tiff(root / "etc" / "hotline-secret.tif")  # in the chroot, outside the spool
    link = paths.on_host(RECEIVED / "fax-link.tif")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    # One ".." more than received/ is deep: out of the chroot to the host.
    up = "../" * len(RECEIVED.parts)
    return {
        "dot-dot": f"{RECEIVED}/{up}{secret.relative_to(root.parent)}",
        "absolute outside": "/etc/hotline-secret.tif",
        "relative": "received/fax-1.tif",
        "symlink out of the spool": str(RECEIVED / "fax-link.tif"),
        "the spool's parent": str(SPOOL_DIR / "received.tif"),
        "a directory in the spool": str(RECEIVED),
    }


ESCAPES = ["dot-dot", "absolute outside", "relative", "symlink out of the spool"]


@pytest.mark.security
@pytest.mark.parametrize("case", ESCAPES)
async def test_given_a_fax_file_outside_the_spool_when_reported_then_refused_and_nothing_read(
    agi: FastAgiServer,
    seeded: Settings,
    secret: Path,
    case: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted: list[Path] = []

    async def spy(tiff: Path, pdf: Path) -> int:
        converted.append(tiff)
        await asyncio.to_thread(write_pdf, pdf)
        return 1

    monkeypatch.setattr(results, "fax_tiff_to_pdf", spy)
    job = await inbound_job()
    await report_fax(agi.bound_port, result_variables(job, escapes(seeded, secret)[case]))
    await job.refresh_from_db()
    assert converted == []
    assert job.status == "failed" and not job.result_path
    assert "fax spool" in job.error or "'..'" in job.error


@pytest.mark.security
@pytest.mark.parametrize("case", [*ESCAPES, "the spool's parent", "a directory in the spool"])
def test_given_a_reported_path_outside_the_spool_then_the_resolver_refuses_it(
    seeded: Settings, secret: Path, case: str
) -> None:
    paths = FaxPaths.from_settings(seeded)
    fax_tiff(paths.on_host(SPOOL_DIR / "received.tif"))
    with pytest.raises(results.FaxFileRefused):
        results.received_tiff_on_host(paths, escapes(seeded, secret)[case], 7)


async def test_given_the_fax_file_hotline_named_when_reported_then_it_becomes_a_pdf(
    agi: FastAgiServer, seeded: Settings
) -> None:
    job = await inbound_job()
    paths = FaxPaths.from_settings(seeded)
    fax_tiff(paths.received_tiff(job.id))
    await report_fax(
        agi.bound_port, result_variables(job, str(paths.for_asterisk(paths.received_tiff(job.id))))
    )
    await job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.pages == 1 and read(job.result_path).startswith(b"%PDF-")


# -- where FastAGI listens ------------------------------------------------------------------
@pytest.mark.security
def test_given_no_agi_host_configured_then_settings_say_loopback(tmp_path: Path) -> None:
    assert load_settings({"HOTLINE_VAR_DIR": str(tmp_path)}).agi_host == "127.0.0.1"
    empty = {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_AGI_HOST": ""}
    assert load_settings(empty).agi_host == "127.0.0.1"
    named = {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_AGI_HOST": "192.0.2.10"}
    assert load_settings(named).agi_host == "192.0.2.10"  # only when named


@pytest.mark.security
async def test_given_the_default_server_then_it_listens_on_loopback_only() -> None:
    server = FastAgiServer(HANDLERS, port=0)
    await server.start()
    try:
        assert server._server is not None
        assert [s.getsockname()[0] for s in server._server.sockets] == ["127.0.0.1"]
    finally:
        await server.stop()


@pytest.mark.security
def test_given_an_empty_host_then_the_server_refuses_to_listen_everywhere() -> None:
    with pytest.raises(ValueError, match="every interface"):
        FastAgiServer(HANDLERS, host="", port=0)


@pytest.mark.security
async def test_given_a_named_non_loopback_host_then_it_listens_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = FastAgiServer(HANDLERS, host="0.0.0.0", port=0)
    with caplog.at_level(logging.WARNING, logger="agi_scripts.server"):
        await server.start()
        await server.stop()
    assert any("not loopback" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.0.2.10", False), ("asterisk.example.org", False)],
)  # fmt: skip
def test_given_addresses_then_loopback_is_told_apart(host: str, loopback: bool) -> None:
    assert agi_server.is_loopback(host) is loopback
