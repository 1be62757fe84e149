"""Confidential cases (保密件) without Asterisk: the caller's number, name
and email reach the centre and whoever took the case in, and the handling
department sees them masked, on the page, in the API and in the lists, and
cannot find the case by the caller's number."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.cases import privacy, reading, services
from hotline.center import Actor
from hotline.errors import InvalidRequest
from hotline.models_cases import Case
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api, api  # noqa: F401  (the API fixture)
from tests.unit.ui_support import UiClient, create_user

NUMBER = "13800000010"
CONFIDENTIAL: dict[str, Any] = {
    "category": "投诉",
    "caller_number": NUMBER,
    "caller_name": "王小明",
    "caller_email": "wang@example.cn",
    "subject": "The pumping station floods the street at night",
    "description": "Reported about the water department's own station.",
    "source": "phone",
    "department": "billing",
    "confidential": True,
}


async def _actor(username: str) -> Actor:
    return Actor(username, "127.0.0.1", await home_tenant_id())


async def _taken_in(**extra: Any) -> dict[str, Any]:
    return await services.create_case(
        await home_tenant_id(), await _actor("agent1001"), {**CONFIDENTIAL, **extra}
    )


async def _seen_by(username: str, case_id: int) -> dict[str, Any]:
    return await reading.case_detail(await home_tenant_id(), username, case_id)


def test_masking_keeps_nothing_that_names_the_caller() -> None:
    shown = privacy.masked(
        {
            "caller_number": "13800138000",
            "caller_name": "王小明",
            "caller_email": "wang@example.cn",
            "messages": [{"to": "13800138000"}, {"to": "wang@example.cn"}],
            "subject": "kept",
        }
    )
    assert (shown["caller_number"], shown["caller_name"], shown["caller_email"]) == (
        "138****8000",
        "王**",
        "w***@example.cn",
    )
    assert [m["to"] for m in shown["messages"]] == ["138****8000", "w***@example.cn"]
    assert shown["subject"] == "kept" and shown["caller_masked"] is True


@given(confidential=st.booleans(), is_centre=st.booleans(), is_owner=st.booleans())
def test_only_a_confidential_case_outside_the_centre_and_its_owner_hides_the_caller(
    confidential: bool, is_centre: bool, is_owner: bool
) -> None:
    sees = privacy.sees_caller(confidential=confidential, is_centre=is_centre, is_owner=is_owner)
    assert sees == (not confidential or is_centre or is_owner)


async def test_given_a_confidential_case_then_billing_sees_the_caller_masked_and_the_centre_whole(
    ui: UiClient,
) -> None:
    case = await _taken_in()
    assert case["confidential"] is True and case["caller_number"] == NUMBER

    handled = await _seen_by("billing", case["id"])
    assert (handled["caller_number"], handled["caller_name"], handled["caller_email"]) == (
        "138****0010",
        "王**",
        "w***@example.cn",
    )
    assert handled["caller_masked"] is True
    assert all(NUMBER not in m["to"] and "wang@" not in m["to"] for m in handled["messages"])
    # The substance stays whole: the department must be able to act.
    assert handled["subject"] == CONFIDENTIAL["subject"]
    assert handled["description"] == CONFIDENTIAL["description"]

    for who in ("agent1001", "supervisor", "admin"):
        whole = await _seen_by(who, case["id"])
        assert (whole["caller_number"], whole["caller_masked"]) == (NUMBER, False), who
    # The messages to the caller are still sent to the real number.
    assert (await Case.get(id=case["id"])).caller_number == NUMBER


async def test_given_a_confidential_case_then_billing_cannot_find_it_by_the_callers_number(
    ui: UiClient,
) -> None:
    secret = await _taken_in()
    plain = await _taken_in(confidential=False)
    tenant = await home_tenant_id()

    found = await reading.list_cases(tenant, "billing", caller_number=NUMBER)
    assert [c["id"] for c in found] == [plain["id"]]
    listed = {c["id"]: c for c in await reading.list_cases(tenant, "billing")}
    assert listed[secret["id"]]["caller_number"] == "138****0010"
    assert listed[plain["id"]]["caller_number"] == NUMBER
    centre = await reading.list_cases(tenant, "supervisor", caller_number=NUMBER)
    assert {c["id"] for c in centre} == {secret["id"], plain["id"]}


async def test_given_an_ordinary_case_then_the_department_sees_its_caller(ui: UiClient) -> None:
    case = await _taken_in(confidential=False)
    seen = await _seen_by("billing", case["id"])
    assert (seen["caller_number"], seen["caller_name"], seen["caller_masked"]) == (
        NUMBER,
        "王小明",
        False,
    )


async def test_given_confidential_not_a_boolean_then_the_refusal_names_the_field(
    ui: UiClient,
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await _taken_in(confidential="yes")
    assert refused.value.details == {"field": "confidential"}
    assert not await Case.exists()


async def test_given_the_intake_form_ticked_then_the_page_shows_billing_the_caller_masked(
    ui: UiClient,
) -> None:
    await create_user("billing", "case handler")
    await ui.login("agent")
    form = {k: v for k, v in CONFIDENTIAL.items() if k != "confidential"}
    created = await ui.post("/cases", {**form, "confidential": "1"})
    assert created.status_code == 303
    case = await Case.get()
    assert case.confidential

    await ui.login("billing")
    page = await ui.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert 'data-testid="case-confidential"' in page.text
    assert "138****0010" in page.text and NUMBER not in page.text
    assert "wang@example.cn" not in page.text and "王小明" not in page.text


async def test_given_the_api_then_confidential_is_taken_in_read_back_and_checked(
    api: Api,  # noqa: F811
) -> None:
    body = {k: v for k, v in CONFIDENTIAL.items() if k != "department"}
    created = await api.send("POST", "/cases", body=body)
    assert created.status_code == 201 and created.json()["confidential"] is True
    read = (await api.get(f"/cases/{created.json()['id']}")).json()
    # An API token acts for the centre: the caller shows whole.
    assert (read["confidential"], read["caller_number"]) == (True, NUMBER)
    refused = await api.send("POST", "/cases", body={**body, "confidential": "yes"})
    assert refused.status_code == 400 and refused.json()["details"] == {"field": "confidential"}
