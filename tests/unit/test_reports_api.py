"""GET /api/v1/reports/queues: the queue report's contract (issue 14) over stored calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hotline.models import CallEvent, CallRecord, Queue
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported

CONTRACT_FIELDS = {
    "queue",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "overflowed",
    "callbacks",
    "answered_within_sl",
    "service_level",
    "abandon_rate",
    "asa_s",
    "aht_s",
}
DAY = datetime(2026, 11, 30, tzinfo=UTC)


async def _visit(
    call_id: str, queue: str, joined: datetime, *events: tuple[float, str, dict[str, Any]]
) -> None:
    record = await CallRecord.create(
        call_id=call_id, tenant_id=await home_tenant_id(), started_at=joined
    )
    await CallEvent.create(call=record, at=joined, kind="queue_joined", data={"queue": queue})
    for offset_s, kind, data in events:
        await CallEvent.create(
            call=record, at=joined + timedelta(seconds=offset_s), kind=kind, data=data
        )


async def test_given_stored_calls_then_the_queue_report_has_the_contract_fields_and_figures(
    api: Api,
) -> None:
    queue = await Queue.filter(tenant_id=await home_tenant_id()).order_by("name").first()
    assert queue is not None
    name = queue.name
    at = DAY + timedelta(hours=9)
    await _visit(
        "a",
        name,
        at,
        (12, "queue_left", {"queue": name, "outcome": "answered"}),
        (12, "answered", {"agent": "1001"}),
        (72, "ended", {}),
    )
    await _visit(
        "b",
        name,
        at,
        (25, "queue_left", {"queue": name, "outcome": "answered"}),
        (25, "answered", {"agent": "1002"}),
        (55, "ended", {}),
    )
    await _visit("c", name, at, (2, "queue_left", {"queue": name, "outcome": "abandoned"}))
    await _visit("d", name, at, (30, "queue_left", {"queue": name, "outcome": "abandoned"}))
    await _visit(
        "e",
        name,
        at,
        (60, "queue_left", {"queue": name, "outcome": "overflowed", "reason": "max_wait"}),
    )
    await _visit("later", name, DAY + timedelta(days=2))  # outside the period

    response = await api.get(
        f"/reports/queues?from={DAY.isoformat()}&to={(DAY + timedelta(days=1)).isoformat()}"
    )
    assert response.status_code == 200, response.text
    rows = {row["queue"]: row for row in response.json()}
    row = rows[name]
    assert set(row) >= CONTRACT_FIELDS
    assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"]) == (
        5,
        2,
        2,
        1,
    )
    assert row["overflowed"] == 1 and row["answered_within_sl"] == 1
    # SL: 1 within 20 s ÷ (5 − 1 short) = 0.25; abandon rate (2 − 1) ÷ (5 − 1) = 0.25.
    assert row["service_level"] == pytest.approx(0.25)
    assert row["abandon_rate"] == pytest.approx(0.25)
    assert row["asa_s"] == pytest.approx(18.5)
    assert row["aht_s"] == pytest.approx(45.0)  # (60 + 30) ÷ 2, no wrap-up logged
    empty = [r for q, r in rows.items() if q != name]
    for other in empty:  # nothing offered: rates are null ("–"), never 0
        assert other["service_level"] is None and other["abandon_rate"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "from"),
        ("from=2026-12-01T00:00:00Z", "to"),
        ("from=yesterday&to=2026-12-02T00:00:00Z", "from"),
        ("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
    ],
)
async def test_given_a_bad_period_then_the_error_names_the_parameter(
    api: Api, query: str, field: str
) -> None:
    response = await api.get(f"/reports/queues?{query}")
    assert response.status_code == 400, response.text
    assert field in response.text


async def test_given_an_auditor_token_then_the_report_is_readable(api: Api) -> None:
    response = await api.get(
        "/reports/queues?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", role="auditor"
    )
    assert response.status_code == 200


async def test_given_calls_on_two_days_then_the_report_per_day_has_a_row_per_queue_and_day(
    api: Api,
) -> None:
    name = "support"
    for call_id, day in (("d1", DAY), ("d2", DAY), ("d3", DAY + timedelta(days=1))):
        await _visit(
            call_id,
            name,
            day + timedelta(hours=10),
            (5, "queue_left", {"queue": name, "outcome": "abandoned"}),
        )
    query = "from=2026-11-30T00:00:00Z&to=2026-12-02T00:00:00Z"
    by_day = (await api.get(f"/reports/queues?{query}&by=day")).json()
    assert [(r["period"][:10], r["queue"], r["offered"]) for r in by_day] == [
        ("2026-11-30", name, 2),
        ("2026-12-01", name, 1),
    ]
    by_month = (await api.get(f"/reports/queues?{query}&by=month")).json()
    assert [(r["period"][:10], r["offered"]) for r in by_month] == [
        ("2026-11-01", 2),
        ("2026-12-01", 1),
    ]
    (week,) = (await api.get(f"/reports/queues?{query}&by=week")).json()
    assert (week["period"][:10], week["offered"]) == ("2026-11-30", 3)  # from Monday
    bad = await api.get(f"/reports/queues?{query}&by=fortnight")
    assert bad.status_code == 400 and bad.json()["details"] == {"field": "by"}
    # Without "by": one row per queue over the whole period, as the contract says.
    whole = (await api.get(f"/reports/queues?{query}")).json()
    assert "period" not in whole[0]
