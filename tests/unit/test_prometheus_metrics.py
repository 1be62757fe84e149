"""GET /metrics: Prometheus text, hotline_* series, queue label (issue 14's contract)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from hotline.models import ApiToken, CallEvent, CallRecord, Tenant
from hotline.seed import token_digest
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_given_a_waiting_caller_and_calls_today_then_metrics_carry_them_per_queue(
    api: Api,
) -> None:
    api.center.queues["support"]["waiting"] = [{"call_id": "w1", "waited_s": 12.0}]
    api.center.queues["support"]["longest_wait_s"] = 12.0
    joined = datetime.now(UTC) - timedelta(seconds=30)
    record = await CallRecord.create(
        call_id="m1", tenant_id=await home_tenant_id(), started_at=joined
    )
    await CallEvent.create(call=record, at=joined, kind="queue_joined", data={"queue": "support"})
    await CallEvent.create(
        call=record,
        at=joined + timedelta(seconds=8),
        kind="queue_left",
        data={"queue": "support", "outcome": "abandoned"},
    )
    response = await api.client.get("/metrics", headers=api.auth("administrator"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    queue = (("queue", "support"),)
    assert found[("hotline_queue_waiting", queue)] == 1
    assert found[("hotline_queue_longest_wait_seconds", queue)] == 12.0
    assert found[("hotline_queue_offered_today", queue)] == 1
    assert found[("hotline_queue_abandoned_today", queue)] == 1
    assert found[("hotline_queue_abandon_rate_today", queue)] == 1.0
    # No answered call: ASA is "–", so no sample at all rather than a false 0.
    assert ("hotline_queue_asa_today_seconds", queue) not in found
    assert all(name.startswith("hotline_") for name, _ in found)
    assert found[("hotline_agents", (("state", "ready"),))] >= 1
    # Hotline's own health.
    assert found[("hotline_ari_reconnects_total", ())] == 2.0
    assert found[("hotline_ari_event_lag_seconds", ())] == 0.004
    assert ("hotline_writer_queue_depth", ()) in found


async def test_given_no_token_or_another_tenants_token_then_metrics_are_refused(
    api: Api,
) -> None:
    assert (await api.client.get("/metrics")).status_code == 401
    other = await Tenant.create(name="elsewhere")
    await ApiToken.create(
        name="elsewhere",
        token_sha256=token_digest("elsewhere-token"),
        role="administrator",
        tenant=other,
    )
    refused = await api.client.get("/metrics", headers={"authorization": "Bearer elsewhere-token"})
    assert refused.status_code == 404
