"""A follow-up visit (回访) on a real call: a closed case's citizen is called
back from agent 1001's SIP phone through the simulated PSTN (a person who
answers and hangs up 6 s later), and the agent records "satisfied"; the
department's follow-up satisfaction follows (METRICS.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.phones import SipPhone, wait_until

pytestmark = pytest.mark.asterisk

# A person (last digit 0) who hangs up 6 s after answering (script 99 000 06 0).
CITIZEN = "13199000060"  # digits, as the trunk gives caller numbers (the dial rules)


async def test_given_a_closed_case_when_followed_up_by_phone_then_satisfied_is_recorded(
    hotline_env: dict[str, str], api: Api, agents_ready: dict[str, SipPhone], clean_pbx: None
) -> None:
    case = await api.post(
        "/cases", {"category": "投诉", "caller_number": CITIZEN, "subject": "Water bill twice"}
    )
    for action in (
        {"action": "dispatch", "department": "billing"},
        {"action": "reply", "note": "refunded", "result": "refunded"},
        {"action": "close"},
    ):
        await api.post(f"/cases/{case['id']}/actions", action)
    assigned = await api.post("/follow-ups", {"assignee": "agent1001", "closed_within_days": 1})
    assert assigned["assigned"] >= 1
    (visit,) = [v for v in await api.get("/follow-ups") if v["case_id"] == case["id"]]

    await api.post("/agents/1002/pause", {"reason": "other"})
    try:
        placed = await api.post(f"/follow-ups/{visit['id']}/call", {"agent": "1001"})
        assert placed["number"] == CITIZEN

        async def callback() -> dict[str, Any]:
            rows: list[dict[str, Any]] = await api.get("/callbacks?agent=1001")
            return next(row for row in rows if row["id"] == placed["id"])

        async def connected() -> bool:
            return (await callback())["state"] in ("connected", "done")

        await wait_until(connected, 30, "the agent and the citizen to be connected")

        async def done() -> bool:
            return bool((await callback())["state"] == "done")

        # The citizen hangs up 6 s after answering.
        await wait_until(done, 30, "the follow-up call to end")
    finally:
        await api.post("/agents/1002/ready")

    recorded = await api.post(
        f"/follow-ups/{visit['id']}/result",
        {"outcome": "satisfied", "solved": True, "note": "refund received"},
    )
    assert (recorded["state"], recorded["satisfaction"], recorded["attempts"]) == (
        "reached",
        "satisfied",
        1,
    )
    report = await api.get("/reports/cases")
    billing = report["follow_up"]["billing"]
    assert billing["reached"] >= 1 and billing["satisfaction_pct"] is not None
