"""/api/v1/campaigns and /api/v1/dnc without Asterisk: the contract's shapes."""

from __future__ import annotations

import io

import openpyxl

from tests.unit.test_api_routes import Api, api  # noqa: F401  (the API fixture)


async def test_given_the_contract_calls_then_each_answers_its_shape(api: Api) -> None:  # noqa: F811
    created = await api.send("POST", "/campaigns", body={"name": "Bills"})
    assert created.status_code == 201
    campaign_id = created.json()["id"]
    defaults = created.json()
    assert (defaults["kind"], defaults["max_attempts"], defaults["retry_delay_s"]) == (
        "notification",
        3,
        600,
    )
    refused = await api.send("POST", "/campaigns", body={"name": "x", "kind": "spam"})
    assert refused.status_code == 400 and refused.json()["details"] == {"field": "kind"}

    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="l.csv"\r\n\r\n'
        "phone,amount\r\n13800000010,88.50\r\n13800000010,1\r\nnope,2\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
    imported = await api.client.post(
        f"/api/v1/campaigns/{campaign_id}/contacts/import",
        content=body,
        headers={
            **api.auth("administrator"),
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
    )
    report = imported.json()
    assert report["accepted"] == 1 and [r["line"] for r in report["rejected"]] == [3, 4]
    rejected = await api.get(f"/campaigns/{campaign_id}/contacts/rejected.csv")
    assert "nope" in rejected.content.decode("utf-8-sig")
    added = await api.send(
        "POST",
        f"/campaigns/{campaign_id}/contacts",
        body={"contacts": [{"phone": "+8613800000021"}]},
    )
    assert added.json() == {"accepted": 1, "rejected": []}
    not_a_list = await api.send("POST", f"/campaigns/{campaign_id}/contacts", body={"contacts": 3})
    assert not_a_list.status_code == 400
    contacts = (await api.get(f"/campaigns/{campaign_id}/contacts")).json()
    assert [c["phone"] for c in contacts] == ["+8613800000010", "+8613800000021"]

    changed = await api.send("PUT", f"/campaigns/{campaign_id}", body={"max_attempts": 2})
    assert changed.json()["max_attempts"] == 2
    started = await api.send("POST", f"/campaigns/{campaign_id}/start")
    assert started.json()["state"] == "running"
    detail = (await api.get(f"/campaigns/{campaign_id}")).json()
    assert detail["contacts"] == 2 and detail["pacing"] is None
    assert detail["abandon_pct_30d"] is None  # "–": nobody answered yet
    listed = (await api.get("/campaigns")).json()
    assert campaign_id in [c["id"] for c in listed]
    assert (await api.get(f"/campaigns/{campaign_id}/attempts")).json() == []
    as_xlsx = await api.get(f"/campaigns/{campaign_id}/attempts.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None and sheet.cell(1, 1).value == "id"
    as_csv = await api.get(f"/campaigns/{campaign_id}/attempts.csv")
    assert as_csv.status_code == 200
    assert (await api.get(f"/campaigns/{campaign_id}/attempts.doc")).status_code == 400

    dnc = await api.send("POST", "/dnc", body={"phone": "+86400*", "campaign_id": campaign_id})
    assert dnc.status_code == 201
    bad = await api.send("POST", "/dnc", body={"phone": "+86400", "campaign_id": "one"})
    assert bad.status_code == 400
    assert [r["phone"] for r in (await api.get("/dnc")).json()] == ["+86400*"]
