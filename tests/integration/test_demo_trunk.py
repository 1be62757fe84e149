"""The sandbox's demo inbound trunk, for real: a SIPp caller over UDP and RTP,
the menu choice as an RFC 4733 telephone-event, an agent's SIP phone answers.

This is the road ``make bench-sip`` takes, one call at a time; it proves the
trunk's identification by header, its DTMF mode and the DID routing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ari_apps.demo_call.phone import free_udp_port
from tests.bench.sipp_callers import SCENARIO, SCENARIO_NAME, parse_short_messages
from tests.integration.conftest import Api
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk


async def _sipp_call(
    sip_port: int, workdir: Path, trunk: str, call_ms: int, scenario: Path = SCENARIO
) -> int:
    process = await asyncio.create_subprocess_exec(
        "sipp",
        f"127.0.0.1:{sip_port}",
        "-sf",
        str(scenario),
        "-s",
        "8000",
        "-key",
        "trunk",
        trunk,
        "-m",
        "1",
        "-d",
        str(call_ms),
        "-i",
        "127.0.0.1",
        "-p",
        str(free_udp_port()),
        "-mi",
        "127.0.0.1",
        "-mp",
        "31000",
        "-nostdin",
        "-trace_shortmsg",
        "-timeout",
        "40s",
        "-timeout_error",
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), timeout=60)


def _trace(workdir: Path) -> str:
    return "".join(p.read_text() for p in workdir.glob(f"{SCENARIO_NAME}_*_shortmessages.log"))


async def test_given_the_demo_trunk_when_a_sip_caller_keys_1_as_rfc4733_then_an_agent_answers(
    api: Api,
    agents_ready: dict[str, SipPhone],
    hotline_env: dict[str, str],
    tmp_path: Path,
) -> None:
    started = datetime.now(UTC)
    rc = await _sipp_call(int(hotline_env["HOTLINE_SIP_PORT"]), tmp_path, "yes", 6000)

    calls = parse_short_messages(_trace(tmp_path))
    assert len(calls) == 1 and calls[0].failure == "", calls
    assert rc == 0

    async def recorded() -> dict[str, Any] | None:
        for record in await api.get("/calls/recent?limit=20"):
            begun = datetime.fromisoformat(record["started_at"])
            if record["did"] == "8000" and begun >= started and record["ended_at"]:
                return dict(record)
        return None

    await wait_until(recorded, 15, "the SIPp call's record")
    record = await recorded()
    assert record is not None
    assert record["disposition"] == "answered", record
    assert record["agent"] in agents_ready
    detail = await api.get(f"/calls/{record['call_id']}")
    keyed = [
        e["data"]
        for e in detail["timeline"]
        if e["kind"] == "input" and e["data"].get("kind") == "dtmf"
    ]
    assert keyed == [{"node": "menu", "kind": "dtmf", "value": "1"}], keyed


async def test_given_no_trunk_header_when_a_sip_caller_dials_then_asterisk_refuses_it(
    hotline_env: dict[str, str], tmp_path: Path
) -> None:
    """Without the header nothing identifies the caller: no anonymous way in."""
    await _sipp_call(int(hotline_env["HOTLINE_SIP_PORT"]), tmp_path, "no-such-trunk", 1000)
    calls = parse_short_messages(_trace(tmp_path))
    assert len(calls) == 1
    assert calls[0].answered_at is None
    assert calls[0].final_status in ("401", "403", "404"), calls[0]


async def test_given_a_choice_keyed_while_the_menu_says_a_digit_then_the_rest_is_not_played(
    api: Api,
    agents_ready: dict[str, SipPhone],
    hotline_env: dict[str, str],
    tmp_path: Path,
) -> None:
    """Barge-in during ``digits:`` (Asterisk cannot stop those: the executor
    spells them as sounds).  The demo menu says "press 1, press 2, press 3,
    press 9" for about 5 s; "1" keyed 0.75 s in, while "1" is being said,
    must lead to "one moment please" (1.6 s) at once, not after the menu."""
    late = tmp_path / "late-digit.xml"
    # The greeting lasts 1.4 s: the digit lands in the menu's first "digits:1".
    late.write_text(
        SCENARIO.read_text().replace('<pause milliseconds="500"/>', '<pause milliseconds="2150"/>')
    )
    assert late.read_text() != SCENARIO.read_text()
    started = datetime.now(UTC)
    await _sipp_call(int(hotline_env["HOTLINE_SIP_PORT"]), tmp_path, "yes", 5000, late)

    async def recorded() -> dict[str, Any] | None:
        for record in await api.get("/calls/recent?limit=20"):
            if record["did"] == "8000" and datetime.fromisoformat(record["started_at"]) >= started:
                return dict(record)
        return None

    await wait_until(recorded, 15, "the SIPp call's record")
    record = await recorded()
    assert record is not None
    timeline = (await api.get(f"/calls/{record['call_id']}"))["timeline"]
    entered = {
        e["data"]["node"]: datetime.fromisoformat(e["at"]) for e in timeline if e["kind"] == "node"
    }
    assert {"menu", "support_hold", "support_queue"} <= set(entered), entered
    keyed_after = (entered["support_hold"] - entered["menu"]).total_seconds()
    assert keyed_after < 1.4, "the digit did not land inside the menu prompt"
    # What follows the choice is "one moment please" alone, not the menu's rest.
    hold_s = (entered["support_queue"] - entered["support_hold"]).total_seconds()
    assert hold_s < 3.0, f"the menu went on after the choice ({hold_s:.1f} s)"
