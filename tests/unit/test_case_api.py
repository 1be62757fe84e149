"""/api/v1/cases without Asterisk: the contract's shapes (create, act,
history, deadline, the overdue list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.test_api_routes import Api, api  # noqa: F401  (the API fixture)


async def test_given_the_contract_calls_then_each_answers_its_shape(api: Api) -> None:  # noqa: F811
    created = await api.send(
        "POST",
        "/cases",
        body={
            "category": "投诉",
            "caller_number": "+8613800000010",
            "subject": "No water since morning",
            "description": "Whole building.",
            "source": "phone",
        },
    )
    assert created.status_code == 201
    case = created.json()
    assert {"id", "number", "status"} <= set(case)
    assert case["status"] == "registered" and case["number"].isdigit()

    refused = await api.send("POST", "/cases", body={"category": "投诉", "subject": ""})
    assert refused.status_code == 400 and refused.json()["details"] == {"field": "subject"}

    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    dispatched = await api.send(
        "POST",
        f"/cases/{case['id']}/actions",
        body={"action": "dispatch", "department": "billing", "note": "check", "deadline": past},
    )
    assert dispatched.status_code == 200 and dispatched.json()["status"] == "handling"
    bad = await api.send(
        "POST", f"/cases/{case['id']}/actions", body={"action": "dispatch", "department": "x"}
    )
    assert bad.status_code == 400

    read = (await api.get(f"/cases/{case['id']}")).json()
    assert [entry["action"] for entry in read["history"]] == ["register", "dispatch"]
    assert read["history"][1]["targets"] == ["billing"] and read["history"][1]["note"] == "check"
    assert read["deadline"] == datetime.fromisoformat(past).astimezone(UTC).isoformat()

    overdue = (await api.get("/cases?overdue=true")).json()
    assert [c["id"] for c in overdue] == [case["id"]]
    chased = await api.send(
        "POST", f"/cases/{case['id']}/actions", body={"action": "chase", "note": "again"}
    )
    assert chased.json()["chases"] == 1
