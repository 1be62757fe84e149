"""Outbound campaigns on real calls through the sandbox's simulated PSTN.

Everything goes through the API's contract: create, import a CSV list,
start, read the attempts.  The simulated callees (README "The simulated
PSTN") answer as people, machines, busy lines, lines nobody answers and
congested routes; the answering-machine detector is Asterisk's AMD().
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from hotline.settings import REPO_ROOT, load_settings, read_env_file
from tests.integration.audio import audible_seconds, read_wav, tone_ratio
from tests.integration.browser import screenshot_path
from tests.integration.conftest import Api, hotline_cli
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import SipPhone, wait_until
from tests.integration.rtp_capture import phone_hears
from tests.integration.test_browser_admin import sign_in

pytestmark = pytest.mark.asterisk

PERSON = "+8613800000010"
MACHINE = "+8613800000021"
BUSY = "+8613800000032"
NO_ANSWER = "+8613800000043"
CONGESTED = "+8613800000054"
DO_NOT_CALL = "+8613800000060"
TEST_CALLEE = "+8613800000079"
# A person who presses 4 at the first prompt (the README's script: 99 400 00 0).
PRESSES_4 = "+8613899400000"


def _import(api: Api, campaign_id: int, name: str, data: bytes) -> Any:
    """The contract's multipart upload (urllib has no multipart: built here)."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{api.base}/campaigns/{campaign_id}/contacts/import", data=body, method="POST"
    )
    request.add_header("Authorization", f"Bearer {api.token}")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(autouse=True)
async def no_campaign_left_running(api: Api) -> AsyncIterator[None]:
    """A campaign a test leaves running (a retry due later) would take the
    next test's agents and lines: every test starts and ends without one."""
    await _stop_all(api)
    yield
    await _stop_all(api)


async def _stop_all(api: Api) -> None:
    for campaign in await api.get("/campaigns"):
        if campaign["state"] in ("running", "paused"):
            try:
                await api.post(f"/campaigns/{campaign['id']}/stop")
            except urllib.error.HTTPError:
                # Finished by the dialer between the list and the stop.
                state = (await api.get(f"/campaigns/{campaign['id']}"))["state"]
                assert state not in ("running", "paused"), state


def _messages_left(spool: Path) -> set[Path]:
    """What the simulated machine recorded so far (a small directory)."""
    return set(spool.glob(f"machine-{MACHINE}-*.wav")) if spool.exists() else set()


async def _create(api: Api, **settings: Any) -> int:
    created = await api.post(
        "/campaigns", {"name": f"test {uuid.uuid4().hex[:8]}", "ring_timeout_s": 15, **settings}
    )
    return int(created["id"])


async def _finished(api: Api, campaign_id: int, timeout_s: float) -> dict[str, Any]:
    async def done() -> bool:
        return bool((await api.get(f"/campaigns/{campaign_id}"))["state"] == "finished")

    await wait_until(done, timeout_s, f"campaign {campaign_id} to finish")
    detail: dict[str, Any] = await api.get(f"/campaigns/{campaign_id}")
    return detail


async def _outcomes(api: Api, campaign_id: int) -> dict[str, list[str]]:
    by_phone: dict[str, list[str]] = defaultdict(list)
    for attempt in await api.get(f"/campaigns/{campaign_id}/attempts"):
        assert attempt["started_at"]
        by_phone[attempt["phone"]].append(attempt["outcome"])
    return dict(by_phone)


async def test_given_a_notice_list_when_started_then_each_callee_ends_with_its_outcome_and_retries(
    hotline_env: dict[str, str], api: Api, harness: AriHarness
) -> None:
    campaign_id = await _create(
        api,
        kind="notification",
        message_prompt="sound:hello-world",
        max_attempts=2,
        retry_delay_s=1,
        max_concurrent=6,
        calls_per_second=5,
    )
    await api.post("/dnc", {"phone": DO_NOT_CALL, "campaign_id": campaign_id, "reason": "asked"})
    rows = [PERSON, MACHINE, BUSY, NO_ANSWER, CONGESTED, DO_NOT_CALL, PERSON, "not a number"]
    csv = "phone,name,amount\n" + "".join(f"{p},Zhang {i},88.50\n" for i, p in enumerate(rows))
    report = await asyncio.to_thread(_import, api, campaign_id, "list.csv", csv.encode())
    # Lines count from 1 with the header: the duplicate is line 8, the bad one 9.
    assert report["accepted"] == 6
    assert [row["line"] for row in report["rejected"]] == [8, 9]
    assert "duplicate" in report["rejected"][0]["reason"]
    started = await api.post(f"/campaigns/{campaign_id}/start")
    assert started["state"] == "running"

    detail = await _finished(api, campaign_id, 120)
    outcomes = await _outcomes(api, campaign_id)
    assert outcomes == {
        PERSON: ["human"],
        MACHINE: ["machine"],  # AMD heard the long greeting
        BUSY: ["busy", "busy"],  # retried once: two attempts at most
        NO_ANSWER: ["no_answer", "no_answer"],
        CONGESTED: ["failed", "failed"],
        DO_NOT_CALL: ["dnc"],  # checked at dial time: never dialled
    }
    assert detail["outcomes"]["human"] == 1
    assert detail["remaining"] == 0
    # Nothing left behind in Asterisk.
    leftovers = [c for c in await harness.channels() if str(c["id"]).startswith("hl-ob-")]
    assert leftovers == []


async def test_given_the_test_callee_when_the_campaign_calls_then_it_hears_the_message(
    hotline_env: dict[str, str], api: Api, pstn_app: AriHarness
) -> None:
    campaign_id = await _create(
        api, kind="notification", message_prompt="sound:vm-intro", amd_enabled=False
    )
    await api.post(f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": TEST_CALLEE}]})
    await api.post(f"/campaigns/{campaign_id}/start")

    async def rung() -> bool:
        return any(
            event.type == "StasisStart" and list(event.args) == [TEST_CALLEE]
            for events in pstn_app.events.values()
            for event in events
        )

    await wait_until(rung, 15, "the campaign to ring the test's phone")
    (callee_id,) = [channel for channel, events in pstn_app.events.items() if channel and events]
    await pstn_app.ari.answer(callee_id)
    callee = SimCaller(pstn_app, callee_id, TEST_CALLEE, "")
    heard = await callee.listen(4)
    assert audible_seconds(heard) >= 2.0  # the message, not silence
    await _finished(api, campaign_id, 20)
    assert await _outcomes(api, campaign_id) == {TEST_CALLEE: ["human"]}


async def test_given_a_survey_campaign_when_the_callee_presses_4_then_the_answer_is_stored(
    hotline_env: dict[str, str], api: Api
) -> None:
    campaign_id = await _create(
        api, kind="survey", flow="Post-call survey", entry_node="ask", amd_enabled=False
    )
    await api.post(f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": PRESSES_4}]})
    await api.post(f"/campaigns/{campaign_id}/start")
    await _finished(api, campaign_id, 40)
    (attempt,) = await api.get(f"/campaigns/{campaign_id}/attempts")
    assert (attempt["outcome"], attempt["answers"]) == ("human", {"rating": "4"})
    # The survey's call has its record and timeline, as an inbound call does.
    survey_calls = [
        call
        for call in await api.get("/calls/recent?limit=50")
        if call["did"] == "campaign" and call["caller_id"] == PRESSES_4
        if call["started_at"] >= attempt["started_at"][:19]
    ]
    assert len(survey_calls) == 1, survey_calls
    detail = await api.get(f"/calls/{survey_calls[0]['call_id']}")
    assert detail["disposition"] and detail["ended_at"]  # closed, by the flow or its end
    keyed = [e["data"] for e in detail["timeline"] if e["kind"] == "input"]
    assert any("4" in str(data) for data in keyed), detail["timeline"]


async def test_given_today_is_a_holiday_in_the_window_then_nobody_is_dialled(
    hotline_env: dict[str, str], api: Api, harness: AriHarness
) -> None:
    today = datetime.now(UTC).date().isoformat()
    campaign_id = await _create(
        api,
        kind="notification",
        call_window={
            "timezone": "UTC",
            "hours": [{"days": "mon-sun", "from": "00:00", "to": "24:00"}],
            "holidays": [today],
        },
    )
    await api.post(f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": PERSON}]})
    await api.post(f"/campaigns/{campaign_id}/start")

    async def checked() -> bool:
        return bool(await api.get(f"/campaigns/{campaign_id}/attempts"))

    await wait_until(checked, 10, "the dialer to check the contact")
    await asyncio.sleep(2)
    (attempt,) = await api.get(f"/campaigns/{campaign_id}/attempts")
    assert attempt["outcome"] == "outside_window"
    (contact,) = await api.get(f"/campaigns/{campaign_id}/contacts")
    assert contact["state"] == "pending" and contact["next_attempt_at"] > today
    assert (await api.get(f"/campaigns/{campaign_id}"))["state"] == "running"
    await api.post(f"/campaigns/{campaign_id}/stop")


async def test_given_an_administrator_in_chromium_when_creating_importing_and_starting_then_the_page_follows_it_live(  # noqa: E501
    browser: Browser, hotline_env: dict[str, str], api: Api, tmp_path: Path
) -> None:
    web = hotline_env["HOTLINE_WEB_URL"]
    page = await browser.new_page()
    await sign_in(
        page, hotline_env, hotline_env["HOTLINE_ADMIN_USER"], hotline_env["HOTLINE_ADMIN_PASSWORD"]
    )
    await page.goto(web + "/campaigns")
    name = f"Outage notice {uuid.uuid4().hex[:6]}"
    await page.fill("#campaign-name", name)
    await page.fill("#campaign-max-attempts", "1")
    await page.fill("#campaign-ring-timeout", "15")
    await page.click("[data-testid=campaign-create]")
    await page.wait_for_selector("[data-testid=campaign-figures][data-state=draft]")
    campaign_id = int(page.url.rsplit("/", 1)[1])

    listed = tmp_path / "list.csv"
    listed.write_text(f"phone,name,amount\n{PERSON},Li,88.50\n{BUSY},Wang,120.00\n=1+1,Evil,0\n")
    await page.set_input_files("#campaign-file", str(listed))
    await page.click("[data-testid=campaign-import-submit]")
    report = await page.inner_text("[data-testid=campaign-import-report]")
    assert "2" in report and "4" in await page.inner_text("[data-testid=campaign-rejected]")
    async with page.expect_download() as download_info:
        await page.click("[data-testid=campaign-rejected-download]")
    rejected = (await (await download_info.value).path()).read_text(encoding="utf-8-sig")
    assert "'=1+1" in rejected  # the formula made inert

    await page.click("[data-testid=campaign-start]")
    # Live: the figures refresh themselves until every contact is done.
    await page.wait_for_selector(
        "[data-testid=campaign-figures][data-state=finished]", timeout=60_000
    )
    assert await page.inner_text("[data-testid=outcome-human]") == "1"
    assert await page.inner_text("[data-testid=outcome-busy]") == "1"
    await page.screenshot(path=screenshot_path("campaign-finished"), full_page=True)
    await page.close()
    assert await _outcomes(api, campaign_id) == {PERSON: ["human"], BUSY: ["busy"]}


async def test_given_calls_in_progress_when_hotline_is_killed_then_nothing_is_lost_or_dialled_twice(
    hotline_env: dict[str, str], api: Api, harness: AriHarness
) -> None:
    people = [f"+86138000001{index}0" for index in range(6)]
    campaign_id = await _create(
        api,
        kind="notification",
        message_prompt="sound:vm-intro",
        amd_enabled=False,
        max_attempts=3,
        retry_delay_s=1,
        max_concurrent=3,
        calls_per_second=3,
    )
    await api.post(
        f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": p} for p in people]}
    )
    await api.post(f"/campaigns/{campaign_id}/start")

    async def three_on_the_line() -> bool:
        detail = await api.get(f"/campaigns/{campaign_id}")
        return bool(detail["in_progress"] == 3)

    await wait_until(three_on_the_line, 15, "three calls in progress")
    env = read_env_file(REPO_ROOT / "var" / "run" / "hotline.env")
    os.kill(int(env["HOTLINE_PID"]), signal.SIGKILL)
    await asyncio.sleep(1)
    hotline_cli("up")

    await _finished(api, campaign_id, 90)
    attempts = await api.get(f"/campaigns/{campaign_id}/attempts")
    by_phone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in attempts:
        by_phone[attempt["phone"]].append(attempt)
    # Nobody lost: everyone was reached in the end, and reached once.
    assert sorted(by_phone) == sorted(people)
    for phone, rows in by_phone.items():
        assert [row["outcome"] for row in rows].count("human") >= 1, phone
        assert [row["number"] for row in rows] == list(range(1, len(rows) + 1)), phone
        # Never two calls at once to one number: each began after the last ended.
        for before, after in itertools.pairwise(rows):
            assert after["started_at"] >= before["ended_at"], phone
    interrupted = [a for a in attempts if a["detail"] == "interrupted by a restart"]
    assert 1 <= len(interrupted) <= 3
    assert all(a["state"] == "ended" for a in attempts)
    leftovers = [c for c in await harness.channels() if str(c["id"]).startswith("hl-ob-")]
    assert leftovers == []


@pytest.fixture
async def one_line_trunk(harness: AriHarness) -> AsyncIterator[None]:
    """The simulated carrier's trunk with a single line (README: "The simulated PSTN")."""
    lines = "HOTLINE_SIM_TRUNK_LINES"
    await harness.ari.request(
        "POST", "/asterisk/variable", params={"variable": lines, "value": "1"}
    )
    try:
        yield
    finally:
        await harness.ari.request(
            "POST", "/asterisk/variable", params={"variable": lines, "value": ""}
        )


async def test_given_a_trunk_with_one_line_then_calls_wait_for_it_and_spend_no_attempt(
    hotline_env: dict[str, str], api: Api, harness: AriHarness, one_line_trunk: None
) -> None:
    # People who hang up 3 s after answering (the README's script: 99 000 03 0).
    people = ["+8613199000030", "+8613299000030", "+8613399000030"]
    campaign_id = await _create(
        api,
        kind="notification",
        message_prompt="sound:vm-intro",
        amd_enabled=False,
        max_attempts=1,  # a call the full trunk refused must not spend it
        max_concurrent=3,
        calls_per_second=3,
    )
    await api.post(
        f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": p} for p in people]}
    )
    await api.post(f"/campaigns/{campaign_id}/start")

    most_on_the_trunk = 0

    async def finished() -> bool:
        nonlocal most_on_the_trunk
        # The trunk's side of each call: the Local channel's ;2 half, once answered.
        answered = [
            c
            for c in await harness.channels()
            if "@to-pstn" in str(c["name"]) and str(c["name"]).endswith(";2")
            if c["state"] == "Up"
        ]
        most_on_the_trunk = max(most_on_the_trunk, len(answered))
        return bool((await api.get(f"/campaigns/{campaign_id}"))["state"] == "finished")

    await wait_until(finished, 120, f"campaign {campaign_id} to finish")
    outcomes = await _outcomes(api, campaign_id)
    assert sorted(outcomes) == sorted(people)
    for phone, tried in outcomes.items():
        # Reached once; every other call of theirs found the trunk full.
        assert tried.count("human") == 1, (phone, tried)
        assert set(tried) <= {"human", "trunk_busy"}, (phone, tried)
    assert sum(tried.count("trunk_busy") for tried in outcomes.values()) >= 2
    assert most_on_the_trunk == 1
    refused = await api.get(f"/campaigns/{campaign_id}/attempts")
    assert {a["detail"] for a in refused if a["outcome"] == "trunk_busy"} == {
        "trunk simulated-pstn full"
    }
    assert {a["hangup_cause"] for a in refused if a["outcome"] == "trunk_busy"} == {34}


async def test_given_machines_when_detected_then_one_gets_the_message_after_the_beep_one_a_retry(
    hotline_env: dict[str, str], api: Api
) -> None:
    spool = Path(load_settings().asterisk_root + "/var/spool/asterisk/hotline-sim")
    before = _messages_left(spool)
    leave = await _create(
        api,
        kind="notification",
        machine_action="leave_message",
        machine_message_prompt="sound:hello-world",
    )
    await api.post(f"/campaigns/{leave}/contacts", {"contacts": [{"phone": MACHINE}]})
    retry = await _create(
        api, kind="notification", machine_action="retry", max_attempts=2, retry_delay_s=1
    )
    await api.post(f"/campaigns/{retry}/contacts", {"contacts": [{"phone": "+8613800000121"}]})
    await api.post(f"/campaigns/{leave}/start")
    await api.post(f"/campaigns/{retry}/start")

    await _finished(api, leave, 60)
    (attempt,) = await api.get(f"/campaigns/{leave}/attempts")
    assert (attempt["outcome"], attempt["amd_status"]) == ("machine", "MACHINE")
    (contact,) = await api.get(f"/campaigns/{leave}/contacts")
    assert contact["final_reason"] == "machine: message left"
    # The machine recorded the message: it was played after the greeting and beep.
    (message_file,) = _messages_left(spool) - before
    message = read_wav(message_file.read_bytes())
    assert audible_seconds(message) >= 1.0

    await _finished(api, retry, 60)
    assert await _outcomes(api, retry) == {"+8613800000121": ["machine", "machine"]}


async def test_given_a_progressive_campaign_then_each_person_reaches_a_free_agent(
    hotline_env: dict[str, str], api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    # People who hang up 5, 7 and 8 s after answering (the README's script).
    people = ["+8613899000050", "+8613899000070", "+8613899000080"]
    campaign_id = await _create(
        api, kind="progressive", queue="support", max_concurrent=5, calls_per_second=5
    )
    await api.post(
        f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": p} for p in people]}
    )
    await api.post(f"/campaigns/{campaign_id}/start")
    await _finished(api, campaign_id, 90)
    attempts = await api.get(f"/campaigns/{campaign_id}/attempts")
    assert sorted(a["phone"] for a in attempts) == sorted(people)  # one call each
    assert {a["outcome"] for a in attempts} == {"human"}
    assert {a["agent"] for a in attempts} <= {"1001", "1002"}
    # Never more calls than free agents: the third waited for one.
    starts = sorted(a["started_at"] for a in attempts)
    assert starts[2] > min(a["ended_at"] for a in attempts)


async def test_given_no_agent_free_when_a_person_answers_then_the_call_is_abandoned_with_a_message(
    hotline_env: dict[str, str], api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        campaign_id = await _create(api, kind="progressive", queue="support", max_attempts=1)
        await api.post(
            f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": "+8613899000100"}]}
        )
        await api.post(f"/campaigns/{campaign_id}/start")

        async def answered() -> bool:
            rows = await api.get(f"/campaigns/{campaign_id}/attempts")
            return bool(rows and rows[0]["state"] == "answered")

        await wait_until(answered, 15, "the person to answer")
        # While the machine detector listens, the only free agent goes away.
        await api.post("/agents/1001/pause", {"reason": "other"})
        await _finished(api, campaign_id, 30)
        (attempt,) = await api.get(f"/campaigns/{campaign_id}/attempts")
        assert attempt["outcome"] == "abandoned"
        detail = await api.get(f"/campaigns/{campaign_id}")
        assert detail["abandon_pct_today"] == 100.0
    finally:
        await api.post("/agents/1001/ready")
        await api.post("/agents/1002/ready")


async def test_given_a_predictive_campaign_then_the_pacer_dials_ahead_and_everyone_is_reached(
    hotline_env: dict[str, str], api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    # Three people who hang up 6 s after answering, among three lines nobody answers.
    people = ["+8613899000060", "+8613899000160", "+8613899000260"]
    never = [f"+86138000003{index}3" for index in range(3)]
    campaign_id = await _create(
        api,
        kind="predictive",
        queue="support",
        amd_enabled=False,
        max_concurrent=4,
        calls_per_second=4,
        max_attempts=5,
        retry_delay_s=1,
        retry_policy={"no_answer": {"max_retries": 0}},
    )
    await api.post(
        f"/campaigns/{campaign_id}/contacts",
        {"contacts": [{"phone": p} for p in [*people, *never]]},
    )
    await api.post(f"/campaigns/{campaign_id}/start")

    async def paced() -> bool:
        pacing = (await api.get(f"/campaigns/{campaign_id}"))["pacing"]
        return pacing is not None and pacing["pacing"] == "predictive"

    await wait_until(paced, 10, "the campaign's predictive pacer to show its figures")
    await _finished(api, campaign_id, 120)
    attempts = await api.get(f"/campaigns/{campaign_id}/attempts")
    outcomes = await _outcomes(api, campaign_id)
    for person in people:  # abandoned, if ever, and then reached
        assert outcomes[person][-1] == "human", outcomes
        assert set(outcomes[person]) <= {"human", "abandoned"}
    assert all(outcomes[number] == ["no_answer"] for number in never)
    reached = [a for a in attempts if a["outcome"] == "human"]
    assert {a["agent"] for a in reached} <= {"1001", "1002"}
    # Never more lines than the campaign's cap, at any moment.
    moments = sorted(
        [(a["started_at"], 1) for a in attempts] + [(a["ended_at"], -1) for a in attempts]
    )
    lines = peak = 0
    for _, step in moments:
        lines += step
        peak = max(peak, lines)
    assert peak <= 4


async def test_given_a_preview_campaign_then_the_agent_calls_the_contact_shown_and_hears_them(
    harness: AriHarness, api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    # A person who hangs up 6 s after answering (script 99 000 06 0).
    person = "+8613899000060"
    campaign_id = await _create(api, kind="preview", queue="support", max_attempts=1)
    await api.post(f"/campaigns/{campaign_id}/contacts", {"contacts": [{"phone": person}]})
    await api.post(f"/campaigns/{campaign_id}/start")
    await asyncio.sleep(2.5)  # a dialer tick or two: it dials nobody by itself
    assert await api.get(f"/campaigns/{campaign_id}/attempts") == []

    shown = (await api.get(f"/campaigns/{campaign_id}/preview"))["next"]
    assert shown["phone"] == person
    placed = await api.post(
        f"/campaigns/{campaign_id}/preview/call", {"agent": "1001", "contact_id": shown["id"]}
    )
    assert placed["phone"] == person

    async def talking() -> str | None:
        attempts = await api.get(f"/campaigns/{campaign_id}/attempts")
        if attempts and attempts[0]["answered_at"]:
            return next(
                (str(c["id"]) for c in await harness.channels() if c["id"].startswith("hl-cpa-")),
                None,
            )
        return None

    await wait_until(talking, 25, "agent 1001 and the contact to be talking")
    agent_channel = await talking()
    assert agent_channel is not None
    status = await api.get("/agents/1001")
    assert (status["state"], status["reason"]) == ("not_ready", "preview")
    # The agent hears the person's steady 700 Hz tone, off the wire to the
    # phone: it starts 3.5 s after the answer ("hello", then a pause).
    agent_rtp = await harness.ari.get_channel_variable(agent_channel, "CHANNEL(rtp,dest)")
    await asyncio.sleep(3.0)
    heard = await phone_hears(agent_rtp, 1.5)
    assert tone_ratio(heard, 700) > 0.5, "the agent should hear the person"

    async def settled() -> bool:
        attempts = await api.get(f"/campaigns/{campaign_id}/attempts")
        return bool(attempts and attempts[0]["outcome"])

    await wait_until(settled, 20, "the person to hang up and the attempt to settle")
    (attempt,) = await api.get(f"/campaigns/{campaign_id}/attempts")
    assert (attempt["outcome"], attempt["agent"]) == ("human", "1001")

    async def ready_again() -> bool:
        return bool((await api.get("/agents/1001"))["state"] in ("ready", "wrap_up"))

    await wait_until(ready_again, 10, "agent 1001 to be ready again")
    assert (await api.get(f"/campaigns/{campaign_id}/preview"))["next"] is None
