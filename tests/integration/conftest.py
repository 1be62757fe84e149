"""Fixtures for tests against the real sandbox Asterisk and a running Hotline.

`first_run` resets the sandbox Asterisk to a cold state and brings everything
up with `make up`, as a newcomer would; `hotline_env` reads the contract file
it writes.  The session ends with `make down`'s equivalent so CI leaves no
Asterisk or mounted /proc behind.  Tests in test_first_run.py run first.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

from ari_apps.ari.errors import AriError
from ari_apps.demo_call.api import HotlineApi
from hotline.settings import REPO_ROOT, SANDBOX_ROOT_DEFAULT, read_env_file
from tests.integration.browser import launch
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, wait_until
from tests.integration.smtp import SMTP_HOST, SMTP_PORT, Inbox, start_smtp_server

pytestmark = pytest.mark.asterisk


def hotline_cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "hotline.cli", *args], cwd=REPO_ROOT, check=True)


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[Inbox]:
    """A real SMTP server Hotline's notifications go to for the whole session."""
    controller, inbox = start_smtp_server(SMTP_PORT)
    yield inbox
    controller.stop()


@dataclass(frozen=True)
class FirstRun:
    """What ``make up`` did on the cold sandbox this session started from."""

    astdb_existed_before: bool
    output: str


# The suite's own business system (test_flow_nodes.py) listens on 127.0.0.1,
# which http_lookup refuses unless listed.  The daily call-back and fax-back
# limits per number count across sessions (the database stays), and the same
# test numbers are dialled every run: lift them here, their unit tests
# (tests/unit/test_outbound_guard.py) pin the defaults.
TOLL_FRAUD_TEST_SETTINGS = {
    "HOTLINE_LOOKUP_ALLOWED_HOSTS": "127.0.0.1",
    "HOTLINE_FAX_BACK_PER_NUMBER_DAY": "1000",
    "HOTLINE_CALLBACK_PER_NUMBER_DAY": "1000",
    "HOTLINE_CALLBACK_PER_CALLER_DAY": "1000",
}

SANDBOX_ROOT = Path(os.environ.get("HOTLINE_ASTERISK_ROOT", SANDBOX_ROOT_DEFAULT))


@pytest.fixture(scope="session")
def first_run(smtp_inbox: Inbox) -> Iterator[FirstRun]:
    """Every session starts as a newcomer's first run: the sandbox Asterisk is
    reset to a cold state (empty astdb, spool and logs; the chroot build and
    the Debian packages stay cached), then ``make up`` brings it all up.  A
    warm cache once hid a first-run bug (endpoints left in astdb) from CI."""
    os.environ.update({"HOTLINE_SMTP_HOST": SMTP_HOST, "HOTLINE_SMTP_PORT": str(SMTP_PORT)})
    os.environ.update(TOLL_FRAUD_TEST_SETTINGS)
    hotline_cli("reset")
    astdb_existed = (SANDBOX_ROOT / "var/lib/asterisk/astdb.sqlite3").exists()
    made = subprocess.run(
        ["make", "-s", "up"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        hotline_cli("down")
        raise AssertionError(f"make up failed on a cold sandbox:\n{made.stdout}\n{made.stderr}")
    yield FirstRun(astdb_existed, made.stdout)
    hotline_cli("down")


@pytest.fixture(scope="session")
def hotline_env(first_run: FirstRun) -> dict[str, str]:
    return read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")


class Api(HotlineApi):
    """Hotline's API as the demo administrator (the contract's token)."""


@pytest.fixture(scope="session")
def api(hotline_env: dict[str, str]) -> Api:
    return Api(hotline_env)


@pytest.fixture(scope="session")
async def harness(hotline_env: dict[str, str]) -> AsyncIterator[AriHarness]:
    harness = AriHarness(
        hotline_env["HOTLINE_ARI_URL"],
        hotline_env["HOTLINE_ARI_USER"],
        hotline_env["HOTLINE_ARI_PASSWORD"],
    )
    await harness.start()
    yield harness
    await harness.hangup_all_test_channels()
    await harness.stop()


@pytest.fixture(scope="session")
async def phones(
    hotline_env: dict[str, str], api: Api, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, SipPhone]]:
    """The demo agents' real SIP phones, registered and auto-answering."""
    started: dict[str, SipPhone] = {}
    for extension, tone in (("1001", 440), ("1002", 440)):
        phone = SipPhone(
            extension=extension,
            password=hotline_env["HOTLINE_DEMO_SIP_PASSWORD"],
            sip_host=hotline_env["HOTLINE_SIP_HOST"],
            sip_port=int(hotline_env["HOTLINE_SIP_PORT"]),
            workdir=Path(tmp_path_factory.mktemp(f"phone-{extension}")),
            tone_hz=tone,
        )
        phone.start()
        started[extension] = phone

    try:
        # Asterisk can be slow to take REGISTERs right after it starts.
        await ensure_registered(api, started)
        yield started
    finally:
        for phone in started.values():
            phone.stop()


async def ensure_registered(api: Api, phones: dict[str, SipPhone]) -> None:
    """Every phone in ``phones`` registered, restarting any that is not.

    After an Asterisk restart a phone would only re-register at its next
    refresh, and a contact Asterisk kept across the restart can still go
    unreachable a few seconds later: restart whichever phone is not
    registered, a few rounds, rather than trust one look.
    """

    async def unregistered() -> list[str]:
        agents = await api.get("/agents")
        return [a["extension"] for a in agents if a["extension"] in phones and not a["registered"]]

    async def all_registered() -> bool:
        return not await unregistered()

    for round_left in range(5, 0, -1):
        for extension in await unregistered():
            phones[extension].stop()
            phones[extension].start()
        try:
            await wait_until(all_registered, 15, "the demo phones to be registered")
            return
        except AssertionError:
            if round_left == 1:
                raise


@contextlib.asynccontextmanager
async def mwi_subscribed(api: Api, phone: SipPhone) -> AsyncIterator[SipPhone]:
    """``phone`` restarted with its MWI subscription on, and off again after.

    Only the test that watches the lamp subscribes: baresip 1.0 can loop on
    SUBSCRIBE challenges, and a looping phone in every test starves Asterisk.
    """
    phone.stop()
    phone.mwi = True
    phone.start()
    try:
        await ensure_registered(api, {phone.extension: phone})
        yield phone
    finally:
        phone.stop()
        phone.mwi = False
        phone.start()
        await ensure_registered(api, {phone.extension: phone})


@pytest.fixture
async def agents_ready(api: Api, phones: dict[str, SipPhone]) -> dict[str, SipPhone]:
    """Both demo agents registered, logged in and ready (wrap-up from an earlier test over)."""
    await ensure_registered(api, phones)
    for extension in phones:
        status = await api.get(f"/agents/{extension}")
        if status["state"] == "logged_out":
            await api.post(f"/agents/{extension}/login")

    async def all_ready() -> bool:
        for extension in phones:
            status = await api.get(f"/agents/{extension}")
            if status["state"] == "not_ready":
                await api.post(f"/agents/{extension}/ready")
            if status["state"] != "ready":
                return False
        return True

    await wait_until(all_ready, 20, "both agents to be ready")
    return phones


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A headless Chromium (Debian's) for browser tests."""
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def clean_pbx(harness: AriHarness) -> AsyncIterator[None]:
    """After the test: every call is gone, no channel and no bridge left over."""
    yield
    await harness.hangup_all_test_channels()

    async def empty() -> bool:
        return not await harness.channels() and not await harness.bridges()

    try:
        await wait_until(empty, 10, "0 channels and 0 bridges")
    except AssertionError:
        channels = [c["name"] for c in await harness.channels()]
        bridges = [b["id"] for b in await harness.bridges()]
        raise AssertionError(f"left over: channels={channels} bridges={bridges}") from None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The first-run tests go first among the real-call tests: they check what a
    newcomer sees right after ``make up``, before other tests change state."""

    def order(item: pytest.Item) -> tuple[bool, bool]:
        in_integration = "integration" in item.path.parts
        return (in_integration, item.path.name != "test_first_run.py")

    items.sort(key=order)


# On a failed test, show what Hotline and Asterisk logged while it ran: CI
# keeps only pytest's output, and a timeout alone rarely says which side
# dropped the call.
_LOGS_SHOWN_ON_FAILURE = {
    "hotline log": REPO_ROOT / "var" / "log" / "hotline.log",
    "asterisk messages": SANDBOX_ROOT / "var/log/asterisk/messages.log",
}
_LOG_LINES_SHOWN = 150


def _log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _log_since(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as log:
            if _log_size(path) < offset:
                offset = 0  # rotated or truncated by a restart
            log.seek(offset)
            lines = log.read().decode("utf-8", "replace").splitlines()
    except OSError as error:
        return f"(unreadable: {error})"
    return "\n".join(lines[-_LOG_LINES_SHOWN:])


_log_offsets = pytest.StashKey[dict[str, int]]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_log_offsets] = {name: _log_size(p) for name, p in _LOGS_SHOWN_ON_FAILURE.items()}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when in ("setup", "call"):
        offsets = item.stash.get(_log_offsets, {})
        for name, path in _LOGS_SHOWN_ON_FAILURE.items():
            since = _log_since(path, offsets.get(name, 0))
            report.sections.append((f"{name} during the test", since))


@pytest.fixture
async def pstn_app(hotline_env: dict[str, str]) -> AsyncIterator[AriHarness]:
    """The test as the callee: ARI application ``pstn``."""
    callee = AriHarness(
        hotline_env["HOTLINE_ARI_URL"],
        hotline_env["HOTLINE_ARI_USER"],
        hotline_env["HOTLINE_ARI_PASSWORD"],
        app="pstn",
    )
    await callee.start()
    yield callee
    for channel_id in list(callee.events):
        if channel_id:
            with contextlib.suppress(AriError):
                await callee.ari.hangup(channel_id)
    await callee.stop()
