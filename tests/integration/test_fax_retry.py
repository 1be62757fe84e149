"""Fax-back retries against the real Asterisk: the number is busy, then answers.

A test-only ``to-pstn`` number answers the first call with Busy() and the
next with ReceiveFAX (a dialplan GLOBAL counts the calls).  The retry policy
is set short through the API for the test (3 s first wait) and restored
after, so the backoff really runs in the scheduler without minutes of waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hotline.asterisk_account import asterisk_writable_dir
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.pbx_config import extra_config
from tests.integration.test_fax import (
    TEST_SPOOL,
    assert_same_pages,
    document_tiff,
    last_job_id,
    reach_fax_menu,
)

pytestmark = pytest.mark.asterisk

BUSY_ONCE_NUMBER = "5559001"
TRIES = "HOTLINE_TEST_FAX_TRIES"
FIRST_WAIT_S = 3

RETRY_DIALPLAN = f"""
; test_fax_retry.py: a fax number that is busy on the first call only.
[to-pstn]
exten => {BUSY_ONCE_NUMBER},1,Set(GLOBAL({TRIES})=$[${{GLOBAL({TRIES})}} + 1])
 same => n,GotoIf($[${{GLOBAL({TRIES})}} < 2]?busy)
 same => n,Answer()
 same => n,ReceiveFAX({TEST_SPOOL}/fax-back-retry.tif)
 same => n,Hangup()
 ; Like a real line: it rings a moment before the far exchange says busy
 ; (an instant refusal can beat Hotline's event subscription to the legs).
 same => n(busy),Ringing()
 same => n,Wait(1)
 same => n,Busy(5)
"""


@pytest.fixture
async def busy_once_number(
    hotline_env: dict[str, str], harness: AriHarness, api: Api
) -> AsyncIterator[Path]:
    async with extra_config(dialplan=RETRY_DIALPLAN):
        # The counter starts at 0 whatever an earlier run left.
        await harness.ari.request(
            "POST", "/asterisk/variable", params={"variable": TRIES, "value": "0"}
        )
        spool = Path(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/") / TEST_SPOOL.lstrip("/")
        # The receiving fax machine is the unprivileged Asterisk.
        asterisk_writable_dir(spool, hotline_env["HOTLINE_ASTERISK_ROOT"])
        (spool / "fax-back-retry.tif").unlink(missing_ok=True)
        policy = await api.get("/fax/retry-policy")
        await api.put(
            "/fax/retry-policy",
            {"max_attempts": 3, "first_delay_s": FIRST_WAIT_S, "max_delay_s": 10},
        )
        try:
            yield spool
        finally:
            await api.put("/fax/retry-policy", policy)


async def watch_job(
    api: Api, after_id: int, timeout_s: float
) -> list[tuple[float, dict[str, Any]]]:
    """Every distinct state of the fax-back job to BUSY_ONCE_NUMBER until it is final,
    with the wall-clock time it was first seen."""
    seen: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for job in await api.get("/fax/jobs?limit=20"):
            if job["id"] > after_id and job["remote_number"] == BUSY_ONCE_NUMBER:
                key = (job["status"], job["attempts"])
                if not seen or (seen[-1][1]["status"], seen[-1][1]["attempts"]) != key:
                    seen.append((time.time(), job))
                if job["status"] in ("done", "failed"):
                    return seen
        await asyncio.sleep(0.25)
    raise AssertionError(f"the fax-back job did not finish: {[s for _, s in seen]}")


async def test_given_busy_fax_number_when_fax_back_then_it_waits_the_backoff_and_retries(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    busy_once_number: Path,
    clean_pbx: None,
) -> None:
    after_id = await last_job_id(api)
    caller = await reach_fax_menu(harness, "1")
    await caller.press("2")
    await asyncio.sleep(2.0)
    await caller.press(f"{BUSY_ONCE_NUMBER}#")
    await asyncio.sleep(2.0)  # "your fax will be sent"
    await caller.hangup()  # the job does not need the caller any more

    seen = await watch_job(api, after_id, 180)
    states = [(job["status"], job["attempts"]) for _, job in seen]
    # Attempt 1 was busy: the job waited to retry, with the reason recorded.
    waits = [(at, job) for at, job in seen if job["status"] == "retry_wait"]
    assert waits, states
    waited_at, waiting = waits[0]
    assert waiting["attempts"] == 1 and waiting["max_attempts"] == 3, waiting
    assert waiting["error"].startswith("busy"), waiting
    next_attempt = datetime.fromisoformat(waiting["next_attempt_at"]).timestamp()
    assert 0 < next_attempt - waited_at <= FIRST_WAIT_S + 0.5, (next_attempt, waited_at)
    # Attempt 2 started no earlier than the backoff allowed, and got through.
    second = [at for at, job in seen if job["attempts"] == 2]
    assert second and second[0] >= next_attempt - 0.5, (second, next_attempt)
    final = seen[-1][1]
    assert final["status"] == "done", states
    assert final["attempts"] == 2 and final["pages"] == 2 and final["error"] == ""
    assert final["rate_bps"] >= 2400 and final["t38"] is False
    assert_same_pages(busy_once_number / "fax-back-retry.tif", document_tiff(hotline_env))
