"""Asterisk restarts under a running Hotline: it backs off, reconnects, serves calls."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.error
import urllib.request

import pytest

from ari_apps.ari.events import HANDLED_EVENT_TYPES
from hotline.settings import REPO_ROOT
from tests.integration.audio import audible_seconds
from tests.integration.harness import AriHarness
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk

LOG = REPO_ROOT / "var" / "log" / "hotline.log"


def _health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=3) as response:
            json.loads(response.read())
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _sandbox(action: str) -> None:
    subprocess.run(["bash", str(REPO_ROOT / "asterisk" / "sandbox.sh"), action], check=True)


async def test_given_running_hotline_when_asterisk_restarts_then_it_reconnects_without_spinning(
    hotline_env: dict[str, str], harness: AriHarness, clean_pbx: None
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    assert await asyncio.to_thread(_health, web) == 200
    log_before = LOG.stat().st_size

    await asyncio.to_thread(_sandbox, "stop")
    try:

        async def unhealthy() -> bool:
            return await asyncio.to_thread(_health, web) == 503

        await wait_until(unhealthy, 10, "/healthz to report Asterisk down")
        await asyncio.sleep(4)
    finally:
        await asyncio.to_thread(_sandbox, "start")

    async def healthy() -> bool:
        return await asyncio.to_thread(_health, web) == 200

    await wait_until(healthy, 20, "Hotline to reconnect to the restarted Asterisk")
    with LOG.open("rb") as log:
        log.seek(log_before)
        outage_log = log.read().decode(errors="replace")
    attempts = outage_log.count("ARI websocket attempt")
    assert 1 <= attempts <= 20, f"{attempts} reconnect attempts in a few seconds: not backing off"

    # The harness reconnects too; then a new call is answered by the flow.
    await wait_until(lambda: harness.ari.connected, 20, "the test app to reconnect")
    # Asterisk forgot the app with the restart: the reconnect set its event
    # filter again (and the call below shows nothing it needs is filtered out).
    app_name = hotline_env["HOTLINE_ARI_APP"]
    application = await harness.ari.request("GET", f"/applications/{app_name}")
    assert {e["type"] for e in application["events_allowed"]} == HANDLED_EVENT_TYPES
    caller = await harness.call("8000", caller_id="5550501")
    greeting = await caller.listen(2.0)
    assert audible_seconds(greeting) >= 0.5
    await caller.hangup()
