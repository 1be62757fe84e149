"""Shared fixtures: a fresh in-memory database with the demo tenant seeded, a
fake ARI server (aiohttp, in-process) with a client of it, and the real
CallCenter pointed at that fake server."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ari_apps.app import CallCenter
from ari_apps.ari import AriClient
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.ivr import services as flows
from fax.demo import SOURCE as DEMO_FAX_SOURCE
from hotline import seed
from hotline.bus import EventBus
from hotline.db import close_db
from hotline.settings import SANDBOX_ROOT_DEFAULT, Settings, load_settings
from tests.unit.seeded_image import SeededImage
from tests.unit.ui_support import ui  # noqa: F401  (fixture for the admin UI tests)

# The stock sounds the demo menu plays.  The sound catalogue of whatever
# machine runs the tests is not under test, so it is pinned to these.
DEMO_SOUNDS = frozenset(
    {
        "hello-world",
        "vm-press",
        "pbx-invalid",
        "please-try-again",
        "one-moment-please",
        "feature-not-avail-line",
        "vm-goodbye",
        # fax_on_demand's default prompts
        "dir-pls-enter",
        "number",
        "astcc-followed-by-the-pound-key",
        "vm-enter-num-to-call",
        "auth-thankyou",
        # ... and its refusals of a fax-back number (toll-fraud rules)
        "cannot-complete-as-dialed",
        "please-try-call-later",
    }
)


@pytest.fixture(scope="session")
def demo_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The demo fax document (2 pages) as a PDF, rendered once per session."""
    pdf = tmp_path_factory.mktemp("fax") / "demo.pdf"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
         "-sPAPERSIZE=a4", f"-sOutputFile={pdf}", str(DEMO_FAX_SOURCE)],
        check=True,
    )  # fmt: skip
    return pdf.read_bytes()


# asterisk/sandbox.sh marks a finished build with this file.
SANDBOX_BUILT_MARK = ".hotline-provisioned"


@pytest.fixture(scope="session", autouse=True)
def files_stay_out_of_the_sandbox_and_var(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Files Hotline writes for Asterisk (prompts, fax documents) go under
    ``settings.asterisk_root``; an app built from the environment would put a
    unit test's into the real sandbox chroot.  On a box with no chroot yet,
    those stray files once made the chroot look built to ``sandbox.sh reset``,
    and every integration test failed at setup.

    The real-call tests may build the chroot meanwhile (``make test`` runs
    both parts at once): sandbox.sh builds it aside and moves it in whole,
    with its mark.  A directory without the mark is a unit test's doing."""
    real_root = Path(SANDBOX_ROOT_DEFAULT)
    existed = real_root.exists()
    patch = pytest.MonkeyPatch()
    patch.setenv("HOTLINE_ASTERISK_ROOT", str(tmp_path_factory.mktemp("asterisk-root")))
    # Likewise the repo's var/ (secrets, case files) belongs to the Hotline
    # the real-call tests run at the same time.
    patch.setenv("HOTLINE_VAR_DIR", str(tmp_path_factory.mktemp("var")))
    yield
    patch.undo()
    if not existed and real_root.exists():
        built = (real_root / SANDBOX_BUILT_MARK).is_file()
        assert built, f"a unit test wrote into the real chroot {real_root}"


def _cheap_password_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session")
async def seeded_image(tmp_path_factory: pytest.TempPathFactory) -> SeededImage:
    """The demo tenant, seeded once per test process (see seeded_image.py)."""
    patch = pytest.MonkeyPatch()
    _cheap_seeding(patch)
    try:
        return await SeededImage.build(tmp_path_factory.mktemp("seeded-template"))
    finally:
        patch.undo()


def _cheap_seeding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows, "known_sounds", lambda: DEMO_SOUNDS)
    # The admin password hash costs ~0.2 s per seed at production strength;
    # its strength is not under test, so the seed uses the cheapest parameters.
    monkeypatch.setattr(seed, "PasswordHasher", _cheap_password_hasher)


@pytest.fixture
async def seeded(
    seeded_image: SeededImage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Settings]:
    """A fresh in-memory database with the demo tenant seeded, and settings
    whose files (the demo fax TIFF among them) are under ``tmp_path``, never
    in the real sandbox chroot."""
    _cheap_seeding(monkeypatch)
    try:
        yield await seeded_image.restore(tmp_path)
    finally:
        await close_db()


@pytest.fixture
async def ari() -> AsyncIterator[FakeAriServer]:
    server = FakeAriServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(ari: FakeAriServer) -> AsyncIterator[AriClient]:
    client = AriClient(ari.base_url, ari.user, ari.password, ari.app)
    yield client
    await client.close()


@pytest.fixture
async def call_center(ari: FakeAriServer, tmp_path: Path) -> AsyncIterator[CallCenter]:
    """The real CallCenter talking to the fake ARI server (not started)."""
    settings = load_settings(
        {
            "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_ARI_PORT": ari.base_url.rsplit(":", 1)[1],
            "HOTLINE_ARI_USER": ari.user,
            "HOTLINE_ARI_PASSWORD": ari.password,
            "HOTLINE_ASTERISK": "system",
        }
    )
    center = CallCenter(settings, EventBus())
    yield center
    await center.ari.close()
