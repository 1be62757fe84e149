"""A newcomer's first run: ``make up`` on a cold sandbox, a phone, the demo call.

These run first in the session (see conftest.py), right after the
``first_run`` fixture reset the sandbox Asterisk to a cold state and ran
``make up``: no PJSIP object in astdb, nothing in the spool.  On the main of
2026-12-03 ``make up`` never became healthy here (the subscription to
``endpoint:PJSIP`` was refused before any endpoint existed), so every test in
this file failed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hotline.settings import REPO_ROOT, read_env_file
from tests.integration.audio import tone_ratio
from tests.integration.conftest import Api, FirstRun, ensure_registered
from tests.integration.harness import AriHarness
from tests.integration.phones import SipPhone, free_tcp_port, wait_until

pytestmark = pytest.mark.asterisk


def test_given_cold_sandbox_when_make_up_then_healthy_and_it_says_what_to_do_next(
    first_run: FirstRun, hotline_env: dict[str, str]
) -> None:
    assert not first_run.astdb_existed_before, "the session did not start from a cold sandbox"
    assert "hotline: up" in first_run.output
    assert hotline_env["HOTLINE_WEB_URL"] in first_run.output
    assert "HOTLINE_ADMIN_PASSWORD in var/run/hotline.env" in first_run.output
    assert "8000" in first_run.output and "8500" in first_run.output
    assert "register as 1001 or 1002" in first_run.output
    assert "make demo-call" in first_run.output
    # The database holds SIP passwords in clear: private from the first start.
    for private in ("hotline.sqlite3", "log", "run"):
        mode = (REPO_ROOT / "var" / private).stat().st_mode
        assert mode & 0o077 == 0, f"var/{private} is readable by others: {oct(mode)}"


async def test_given_cold_start_when_a_phone_registers_as_1001_then_a_call_to_8000_pressing_1_reaches_it(  # noqa: E501
    harness: AriHarness, api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    # 1002 steps aside, so the call can only reach the phone registered as 1001.
    await api.post("/agents/1002/pause", {"reason": "break"})
    try:
        caller = await harness.call("8000", caller_id="5550001")
        await caller.press("1")
        call_id = f"{caller.channel_id};2"

        async def with_1001() -> bool:
            agent = await api.get("/agents/1001")
            return bool(agent["state"] == "on_call" and agent["connected_call_id"] == call_id)

        await wait_until(with_1001, 20, "the call to reach agent 1001's phone")
        heard = await caller.listen(1.5)
        assert tone_ratio(heard, 440) > 0.5, "the caller does not hear agent 1001's phone"
        await caller.hangup()
    finally:
        await api.post("/agents/1002/ready")


async def test_given_stack_up_when_make_demo_call_then_it_reports_the_agent_that_answered(
    api: Api, phones: dict[str, SipPhone], clean_pbx: None
) -> None:
    # The command starts its own demo phone for an agent whose phone is not
    # registered: make room by stopping the test phone of 1002.
    phones["1002"].stop()
    try:

        async def unregistered() -> bool:
            return not (await api.get("/agents/1002"))["registered"]

        await wait_until(unregistered, 15, "the test phone 1002 to unregister")
        made = await asyncio.to_thread(
            subprocess.run,
            ["make", "-s", "demo-call"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        assert "agent 1002 answered" in made.stdout
        # It put back what it changed: its phone is gone again.
        await wait_until(unregistered, 15, "the demo phone to unregister")
    finally:
        phones["1002"].start()
        await ensure_registered(api, {"1002": phones["1002"]})


def test_given_hotline_cannot_become_healthy_when_up_then_it_stops_what_it_started_and_says_why(
    hotline_env: dict[str, str],
) -> None:
    """An ``up`` against an Asterisk that is not there (a system-mode
    Hotline pointed at a closed ARI port): it must not leave Hotline running,
    and must print the reason, not only the timeout."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = os.environ | {
            "HOTLINE_VAR_DIR": var_dir,
            "HOTLINE_ASTERISK": "system",
            "HOTLINE_ARI_PORT": str(free_tcp_port()),
            "HOTLINE_WEB_PORT": str(free_tcp_port()),
            "HOTLINE_AGI_PORT": str(free_tcp_port()),
            # Long enough for a cold start on a busy box (a new database runs
            # every migration and hashes the seeded passwords).
            "HOTLINE_UP_TIMEOUT_S": "20",
        }
        made = subprocess.run(
            [sys.executable, "-m", "hotline.cli", "up"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert made.returncode != 0
        assert "/healthz did not answer 200 within 20 s" in made.stderr
        assert "asterisk: ARI websocket: ClientConnectorError" in made.stderr
        assert "ARI websocket attempt 1 failed" in made.stderr  # from Hotline's own log
        assert "stopped what this start started: Hotline" in made.stderr
        assert not (Path(var_dir) / "run" / "hotline.pid").exists()
        assert _processes_using(var_dir) == [], "the Hotline that up started is still running"
        contract = read_env_file(Path(var_dir) / "run" / "hotline.env")
        assert contract.get("HOTLINE_PID", "") == "", "a failed up wrote a running pid"
    # The demo stack itself was not touched.
    assert read_env_file(REPO_ROOT / "var" / "run" / "hotline.env") == hotline_env


def _processes_using(var_dir: str) -> list[int]:
    """Pids whose environment names ``var_dir`` as HOTLINE_VAR_DIR."""
    wanted = f"HOTLINE_VAR_DIR={var_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if wanted in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found
