"""Choosing a pause reason (pure), and the demo reasons seeded once per tenant."""

from __future__ import annotations

import pytest

from ari_apps import demo_data
from hotline.models import Tenant
from hotline.models_pause_reasons import PauseReason
from hotline.pause_reasons import (
    FALLBACK_REASON,
    ActiveReason,
    UnknownPauseReason,
    checked_reason,
    default_reason,
    phone_pause_reason,
    reason_for_digits,
)
from hotline.settings import Settings

ACTIVE = (
    ActiveReason("break", "1", "Break", "休息"),
    ActiveReason("lunch", "2", "Lunch", "午餐"),
    ActiveReason("coffee", "12", "Coffee"),
)


def test_given_digits_after_star_23_then_they_map_to_the_reason_with_those_digits() -> None:
    assert reason_for_digits(ACTIVE, "2") == "lunch"
    assert reason_for_digits(ACTIVE, "12") == "coffee"
    assert reason_for_digits(ACTIVE, "1") == "break"


@pytest.mark.parametrize("digits", ["3", "02", "21", "", "*"])
def test_given_digits_of_no_active_reason_then_no_reason(digits: str) -> None:
    assert reason_for_digits(ACTIVE, digits) is None


def test_given_reasons_then_the_default_is_the_first_and_paused_without_any() -> None:
    assert default_reason(ACTIVE) == "break"
    assert default_reason(ACTIVE[1:]) == "lunch"
    assert default_reason(()) == FALLBACK_REASON == "paused"


def test_given_a_pause_request_then_an_active_code_or_nothing_is_accepted() -> None:
    assert checked_reason(ACTIVE, "coffee") == "coffee"
    assert checked_reason(ACTIVE, None) == "break"
    assert checked_reason(ACTIVE, "") == "break"
    assert checked_reason((), "paused") == "paused"


@pytest.mark.parametrize("requested", ["nap", "Lunch", 2, ["lunch"]], ids=repr)
def test_given_an_unknown_reason_then_refused_naming_the_field_and_the_allowed_codes(
    requested: object,
) -> None:
    with pytest.raises(UnknownPauseReason) as refused:
        checked_reason(ACTIVE, requested)
    assert refused.value.status_code == 400
    assert refused.value.details == {
        "field": "reason",
        "value": requested,
        "allowed": ["break", "lunch", "coffee"],
    }
    assert refused.value.message.startswith("reason: unknown pause reason")
    assert "break, lunch, coffee" in refused.value.message


def test_given_labels_then_chinese_falls_back_to_english() -> None:
    assert ACTIVE[1].label("zh-CN") == "午餐"
    assert ACTIVE[1].label("en") == "Lunch"
    assert ACTIVE[2].label("zh-CN") == "Coffee"


async def test_given_demo_seed_then_five_reasons_in_order_with_digits_1_to_5(
    seeded: Settings,
) -> None:
    rows = await PauseReason.all().order_by("position")
    assert [(r.code, r.digits, r.active) for r in rows] == [
        ("break", "1", True),
        ("lunch", "2", True),
        ("meeting", "3", True),
        ("training", "4", True),
        ("other", "5", True),
    ]
    assert [r.label_zh for r in rows] == ["休息", "午餐", "会议", "培训", "其他"]
    assert await phone_pause_reason("1001", "2") == "lunch"
    assert await phone_pause_reason("1001", None) == "break"
    assert await phone_pause_reason("4242", "2") is None


async def test_given_existing_database_when_seeded_again_then_missing_reasons_added_once(
    seeded: Settings,
) -> None:
    # A database from before the list: some reasons gone, one edited by an
    # administrator, one whose digits another reason took.
    await PauseReason.filter(code__in=("meeting", "training")).delete()
    await PauseReason.filter(code="lunch").update(label_en="Meal", active=False)
    tenant = await Tenant.get(name="demo")
    await PauseReason.filter(code="other").delete()
    await PauseReason.create(tenant=tenant, code="coffee", digits="5", label_en="Coffee")
    for _ in range(2):
        await demo_data.seed_demo(seeded)
    rows = {r.code: r for r in await PauseReason.all()}
    assert sorted(rows) == ["break", "coffee", "lunch", "meeting", "training"]
    assert (rows["lunch"].label_en, rows["lunch"].active) == ("Meal", False)
    assert rows["coffee"].digits == "5"  # "other" is not forced onto its digits
