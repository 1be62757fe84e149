"""GET /api/v1/reports/agents: per-agent figures from stored calls, the state
log and survey answers, as METRICS.md defines them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.models_live import AgentStateLog
from hotline.models_survey import SurveyResponse
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported
from tests.unit.test_reports_api import _visit

DAY = datetime(2026, 11, 30, tzinfo=UTC)
NINE = DAY + timedelta(hours=9)


async def _log(agent: str, *changes: tuple[float, str, str]) -> None:
    for offset_s, state, reason in changes:
        await AgentStateLog.create(
            agent=agent, state=state, reason=reason, at=NINE + timedelta(seconds=offset_s)
        )


async def test_given_an_agents_day_then_the_report_has_calls_states_occupancy_and_csat(
    api: Api,
) -> None:
    # 1001: ready at 9:00, a 60 s call at 9:00:10, 30 s wrap-up, a 600 s break.
    await _log(
        "1001",
        (0, "ready", ""),
        (10, "ringing", ""),
        (12, "on_call", ""),
        (72, "wrap_up", ""),
        (102, "ready", ""),
        (200, "not_ready", "break"),
        (800, "ready", ""),
        (1000, "logged_out", ""),
    )
    await _visit(
        "c1",
        "support",
        NINE + timedelta(seconds=5),
        (7, "queue_left", {"queue": "support", "outcome": "answered"}),
        (7, "answered", {"agent": "1001"}),
        (67, "ended", {}),
    )
    tenant = await home_tenant_id()
    for index, rating in enumerate((5, 2, None)):
        await SurveyResponse.create(
            call_id=f"r{index}",
            tenant_id=tenant,
            queue="support",
            agent_extension="1001",
            offered_at=NINE + timedelta(seconds=80),
            rating=rating,
        )

    response = await api.get(
        f"/reports/agents?from={DAY.isoformat()}&to={(DAY + timedelta(days=1)).isoformat()}"
    )
    assert response.status_code == 200
    rows = {row["agent"]: row for row in response.json()}
    row = rows["1001"]
    assert row["calls"] == 1
    assert row["talk_s"] == pytest.approx(60)
    assert row["wrap_up_s"] == pytest.approx(30)
    assert row["aht_s"] == pytest.approx(90)
    assert row["seconds_in_state"]["on_call"] == pytest.approx(60)
    assert row["not_ready_by_reason"] == {"break": pytest.approx(600)}
    assert row["logged_in_s"] == pytest.approx(1000)
    # METRICS.md: occupancy = (talk + hold + wrap-up) ÷ (logged in − not ready),
    # utilisation = the same ÷ logged in.
    handled = 60 + 30
    assert row["occupancy"] == pytest.approx(handled / (1000 - 600), abs=1e-4)
    assert row["utilisation"] == pytest.approx(handled / 1000, abs=1e-4)
    assert (row["surveyed"], row["rated"], row["csat"]) == (3, 2, 0.5)
    # An agent with nothing that day: zeros and "–", never invented rates.
    quiet = rows["1002"]
    assert (quiet["calls"], quiet["aht_s"], quiet["csat"]) == (0, None, None)


async def test_given_a_bad_period_then_the_agent_report_names_the_field(api: Api) -> None:
    response = await api.get("/reports/agents?from=2026-11-30T00:00:00Z")
    assert response.status_code == 400
    assert "'to'" in response.json()["message"]
