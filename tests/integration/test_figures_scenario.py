"""A scripted day in a queue of its own, with real calls, against figures
worked out by hand from ../shared/METRICS.md.

Five calls enter queue "figures-<run>" (agent 1001 its only member; service level
4 s, short abandon 2 s, max wait 6 s then the flow's goodbye, no wrap-up):

    C  hangs up at once                      -> abandoned, short
    D  hangs up after 3.5 s                  -> abandoned
    E  nobody answers for 6 s                -> overflowed (max wait)
    B  the agent turns ready after 5 s       -> answered, after the threshold
    A  the agent is ready                    -> answered, within the threshold

By hand (METRICS.md): offered 5, answered 2, abandoned 2, short abandoned
1, overflowed 1, answered within the SL threshold 1;
service level = 1 / (5 - 1 short - 0 callbacks) = 0.25;
abandon rate = (2 - 1) / (5 - 1) = 0.25;
ASA = mean wait of A and B, AHT = mean talk of A and B (no hold, no
wrap-up), the waits and talks read from each call's own timeline.  Before
any call the same queue shows "–" for every rate and mean.

The API's report, the wallboard in a real Chromium and the XLSX export
(opened with openpyxl) must all say exactly that.
"""

from __future__ import annotations

import asyncio
import copy
import io
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from playwright.async_api import Browser, Page

from ari_apps.ivr.demo import MAIN_MENU, MAIN_MENU_NAME
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.test_acd_config import _create_queue, _reload, _sql

pytestmark = pytest.mark.asterisk

# Its own name each run: figures are kept by queue name, and "today" on the
# wallboard must hold only this run's calls.
QUEUE = f"figures-{uuid.uuid4().hex[:6]}"
MENU_KEY = "6"
SL_THRESHOLD_S = 4
SHORT_ABANDON_S = 2
MAX_WAIT_S = 6


@pytest.fixture
async def figures_queue(api: Api, agents_ready: dict[str, SipPhone]) -> AsyncIterator[None]:
    queue_id = _create_queue(QUEUE, member="1001")
    _sql(
        "update queue set sl_threshold_s = ?, sl_target_pct = 80, short_abandon_s = ?, "
        "wrapup_s = 0, max_wait_s = ?, overflow_kind = 'flow_node', "
        "overflow_target = 'goodbye', record_policy = 'none' where id = ?",
        SL_THRESHOLD_S,
        SHORT_ABANDON_S,
        MAX_WAIT_S,
        queue_id,
    )
    await _reload()
    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == MAIN_MENU_NAME)
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["menu"]["options"][MENU_KEY] = "figures_queue"
    draft["nodes"]["figures_queue"] = {"kind": "queue", "queue": QUEUE, "on_overflow": "goodbye"}
    await api.put(f"/flows/{flow['id']}/draft", draft)
    await api.post(f"/flows/{flow['id']}/publish")
    try:
        yield
    finally:
        await api.put(f"/flows/{flow['id']}/draft", MAIN_MENU)
        await api.post(f"/flows/{flow['id']}/publish")
        _sql("delete from queue_member where queue_id = ?", queue_id)
        await _reload()
        _sql("delete from queue where id = ?", queue_id)
        await _reload()
        await api.post("/agents/1001/ready")


async def _in_queue(
    api: Api, harness: AriHarness, number: str, *, agent_free: bool = False
) -> SimCaller:
    caller = await harness.call("8000", caller_id=number)
    await caller.press(MENU_KEY)
    call_id = f"{caller.channel_id};2"
    if agent_free:
        return caller  # answered at once: it may never be seen waiting

    async def waiting() -> bool:
        status = await api.get(f"/queues/{QUEUE}")
        return any(w["call_id"] == call_id for w in status["waiting"])

    await wait_until(waiting, 15, f"{number} to wait in {QUEUE}")
    return caller


async def _connected(api: Api, caller: SimCaller) -> None:
    call_id = f"{caller.channel_id};2"

    async def answered() -> bool:
        return bool((await api.get("/agents/1001"))["connected_call_id"] == call_id)

    await wait_until(answered, 15, f"agent 1001 to answer {call_id}")


async def _gone(caller: SimCaller, timeout_s: float) -> None:
    async def hung_up() -> bool:
        return not await caller.is_up()

    await wait_until(hung_up, timeout_s, f"{caller.channel_id} to be hung up")


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"])


async def _wait_and_talk(api: Api, caller: SimCaller) -> tuple[float, float]:
    """An answered call's wait and talk, from its own timeline (METRICS.md:
    wait from entering the queue to the answer; talk from the answer to the end)."""
    timeline = (await api.get(f"/calls/{caller.channel_id};2"))["timeline"]
    joined = next(_at(e) for e in timeline if e["kind"] == "queue_joined")
    left = next(_at(e) for e in timeline if e["kind"] == "queue_left")
    ended = next(_at(e) for e in timeline if e["kind"] == "ended")
    return (left - joined).total_seconds(), (ended - left).total_seconds()


def _clock(seconds: float) -> set[str]:
    """The wallboard's m:ss for ``seconds``; both neighbours near a half second,
    where the timeline's and the report's rounding may part."""
    candidates = {round(seconds)}
    if abs(seconds - int(seconds) - 0.5) < 0.15:
        candidates |= {int(seconds), int(seconds) + 1}
    return {f"{whole // 60}:{whole % 60:02d}" for whole in candidates}


async def _board_row(page: Page) -> dict[str, str]:
    row = page.locator(f"[data-testid=wallboard-queue-{QUEUE}]")
    cells = {}
    for name in ("sl", "asa", "aht", "abandon-rate", "offered", "answered"):
        cells[name] = (await row.locator(f"[data-testid=wallboard-{name}]").inner_text()).strip()
    return cells


def _fetch_xlsx(env: dict[str, str], since: datetime, until: datetime) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"from": since.isoformat(), "to": until.isoformat()})
    request = urllib.request.Request(
        f"{env['HOTLINE_WEB_URL']}/api/v1/reports/queues.xlsx?{query}",
        headers={"Authorization": f"Bearer {env['HOTLINE_API_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        data = response.read()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(name) for name in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


async def test_given_a_scripted_day_then_report_wallboard_and_export_match_the_hand_figures(
    browser: Browser,
    hotline_env: dict[str, str],
    api: Api,
    harness: AriHarness,
    figures_queue: None,
    clean_pbx: None,
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    try:
        await page.goto(web + "/login")
        await page.fill("input[name=username]", hotline_env["HOTLINE_ADMIN_USER"])
        await page.fill("input[name=password]", hotline_env["HOTLINE_ADMIN_PASSWORD"])
        await page.click("button[type=submit]")
        await page.wait_for_url(web + "/")
        await page.goto(web + "/wallboard")
        await page.wait_for_selector(f"[data-testid=wallboard-queue-{QUEUE}]")
        # No call yet: every rate and mean is "–", never 0 % or 0:00.
        empty = await _board_row(page)
        assert empty == {
            "sl": "–",
            "asa": "–",
            "aht": "–",
            "abandon-rate": "–",
            "offered": "0",
            "answered": "0",
        }

        since = datetime.now(UTC) - timedelta(seconds=1)
        tag = f"{uuid.uuid4().int % 1000:03d}"
        await api.post("/agents/1001/pause", {"reason": "other"})
        # C: short abandon.
        short = await _in_queue(api, harness, f"5551{tag}1")
        await short.hangup()
        # D: abandon after the short-abandon limit.
        late = await _in_queue(api, harness, f"5551{tag}2")
        await asyncio.sleep(3.5)
        await late.hangup()
        # E: overflow by max wait to the flow's goodbye (which hangs up).
        overflow = await _in_queue(api, harness, f"5551{tag}3")
        await _gone(overflow, MAX_WAIT_S + 15)
        # B: answered after the threshold.
        slow = await _in_queue(api, harness, f"5551{tag}4")
        await asyncio.sleep(SL_THRESHOLD_S + 1)
        await api.post("/agents/1001/ready")
        await _connected(api, slow)
        await asyncio.sleep(2)
        await slow.hangup()

        async def ready_again() -> bool:
            return bool((await api.get("/agents/1001"))["state"] == "ready")

        await wait_until(ready_again, 10, "agent 1001 to be ready again")
        # A: answered at once.
        fast = await _in_queue(api, harness, f"5551{tag}5", agent_free=True)
        await _connected(api, fast)
        await asyncio.sleep(2)
        await fast.hangup()
        await wait_until(ready_again, 10, "agent 1001 to be ready again")
        until = datetime.now(UTC) + timedelta(seconds=1)

        wait_slow, talk_slow = await _wait_and_talk(api, slow)
        wait_fast, talk_fast = await _wait_and_talk(api, fast)
        assert wait_slow > SL_THRESHOLD_S >= wait_fast, (wait_slow, wait_fast)
        expected_asa = (wait_slow + wait_fast) / 2
        expected_aht = (talk_slow + talk_fast) / 2

        query = urllib.parse.urlencode({"from": since.isoformat(), "to": until.isoformat()})
        rows = await api.get(f"/reports/queues?{query}")
        row = next(r for r in rows if r["queue"] == QUEUE)
        assert {k: row[k] for k in _COUNTS} == {
            "offered": 5,
            "answered": 2,
            "abandoned": 2,
            "short_abandoned": 1,
            "overflowed": 1,
            "callbacks": 0,
            "answered_within_sl": 1,
        }
        assert row["service_level"] == 0.25
        assert row["abandon_rate"] == 0.25
        assert row["asa_s"] == pytest.approx(expected_asa, abs=0.06)
        assert row["aht_s"] == pytest.approx(expected_aht, abs=0.06)

        # The same period before the scenario: nothing offered, every rate "–".
        before = urllib.parse.urlencode(
            {"from": (since - timedelta(hours=1)).isoformat(), "to": since.isoformat()}
        )
        empty_row = next(
            r for r in await api.get(f"/reports/queues?{before}") if r["queue"] == QUEUE
        )
        assert empty_row["offered"] == 0
        assert [empty_row[k] for k in ("service_level", "abandon_rate", "asa_s", "aht_s")] == [
            None,
            None,
            None,
            None,
        ]

        # The wallboard (today so far: only these calls ever entered the queue).
        async def board_caught_up() -> bool:
            return (await _board_row(page))["offered"] == "5"

        await wait_until(board_caught_up, 10, "the wallboard to show the five calls")
        board = await _board_row(page)
        assert (board["offered"], board["answered"]) == ("5", "2")
        assert (board["sl"], board["abandon-rate"]) == ("25 %", "25 %")
        assert board["asa"] in _clock(expected_asa), (board, expected_asa)
        assert board["aht"] in _clock(expected_aht), (board, expected_aht)

        # The XLSX export holds the same numbers.
        exported = next(r for r in _fetch_xlsx(hotline_env, since, until) if r["queue"] == QUEUE)
        for name in (*_COUNTS, "service_level", "abandon_rate", "asa_s", "aht_s"):
            assert exported[name] == row[name], (name, exported[name], row[name])
    finally:
        await page.close()


_COUNTS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "overflowed",
    "callbacks",
    "answered_within_sl",
)
