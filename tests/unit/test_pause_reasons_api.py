"""/api/v1: a pause names an active reason of the agent's tenant (or none: the
default); GET /pause-reasons lists them."""

from __future__ import annotations

from hotline.models import AuditEntry
from hotline.models_pause_reasons import PauseReason
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported


async def test_given_a_configured_reason_when_pausing_then_the_center_gets_it(api: Api) -> None:
    response = await api.send("POST", "/agents/1001/pause", "supervisor", {"reason": "meeting"})
    assert response.status_code == 200
    assert response.json()["reason"] == "meeting"
    assert api.center.actions == [("1001", "pause", "meeting")]


async def test_given_an_unknown_reason_when_pausing_then_400_naming_the_field_and_allowed_codes(
    api: Api,
) -> None:
    response = await api.send("POST", "/agents/1001/pause", "supervisor", {"reason": "nap"})
    assert response.status_code == 400
    body = response.json()
    assert body["error_id"] == "unknown-pause-reason"
    assert body["message"].startswith("reason: unknown pause reason 'nap'")
    assert body["details"] == {
        "field": "reason",
        "value": "nap",
        "allowed": ["break", "lunch", "meeting", "training", "other"],
    }
    assert api.center.actions == []
    assert not await AuditEntry.filter(action="agent_pause").exists()


async def test_given_a_deactivated_reason_when_pausing_then_refused(api: Api) -> None:
    await PauseReason.filter(code="lunch").update(active=False)
    response = await api.send("POST", "/agents/1001/pause", "supervisor", {"reason": "lunch"})
    assert response.status_code == 400
    assert "lunch" not in response.json()["details"]["allowed"]
    assert api.center.actions == []


async def test_given_no_reason_when_pausing_then_the_first_active_reason(api: Api) -> None:
    response = await api.client.post("/api/v1/agents/1001/pause", headers=api.auth("supervisor"))
    assert response.status_code == 200
    await PauseReason.filter(code="break").update(active=False)
    await api.send("POST", "/agents/1002/pause", "supervisor", {})
    await PauseReason.all().update(active=False)
    await api.send("POST", "/agents/1001/pause", "supervisor", {"reason": None})
    assert api.center.actions == [
        ("1001", "pause", "break"),
        ("1002", "pause", "lunch"),
        ("1001", "pause", "paused"),
    ]


async def test_given_an_unknown_agent_when_pausing_then_404_before_any_reason_check(
    api: Api,
) -> None:
    response = await api.send("POST", "/agents/4242/pause", "supervisor", {"reason": "nap"})
    assert response.status_code == 404
    assert response.json()["error_id"] == "not-found"


async def test_given_reasons_when_listing_them_then_in_order_with_digits_labels_and_default(
    api: Api,
) -> None:
    await PauseReason.filter(code="other").update(active=False)
    response = await api.get("/pause-reasons", "auditor")
    assert response.status_code == 200
    reasons = response.json()
    assert [r["code"] for r in reasons] == ["break", "lunch", "meeting", "training", "other"]
    assert reasons[1] == {
        "code": "lunch",
        "digits": "2",
        "feature_code": "*232",
        "labels": {"en": "Lunch", "zh-CN": "午餐"},
        "position": 20,
        "active": True,
        "default": False,
    }
    assert [r["code"] for r in reasons if r["default"]] == ["break"]
    assert reasons[4]["active"] is False
