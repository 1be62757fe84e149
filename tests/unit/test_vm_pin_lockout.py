"""Voicemail PINs by phone against brute force (vm/pin_lockout.py, vm/pin_guard.py):
failures count across calls per box and per caller, lock both out for a
quarter of an hour (persisted, audited as "pstn"), and a PIN is only set with
six digits or more while an older, shorter one keeps opening its box."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotline.models import AuditEntry
from hotline.models_toll_fraud import PinFailure, PinLockout
from hotline.settings import Settings, ensure_secrets, load_settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_vm_services import Vm
from tests.unit.test_vm_services import vm as vm
from tests.unit.ui_support import UiClient
from vm import access_store, pin_guard
from vm.access_core import LOCKED_OUT, MIN_PIN_DIGITS, CheckPin
from vm.mailboxes import get_box, set_pin
from vm.pin_guard import PinCheck
from vm.pin_lockout import POLICY, counting_since, locked_until
from vm.services import demo_pin
from vm.store import VoicemailRejected

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
WRONG = "000000"
HTMX = {"HX-Request": "true"}


def minutes(count: float) -> datetime:
    return T0 + timedelta(minutes=count)


# -- the pure rules --------------------------------------------------------------------
def test_five_failures_in_the_window_lock_for_the_duration() -> None:
    assert POLICY.max_failures == 5
    assert POLICY.window == POLICY.duration == timedelta(minutes=15)
    assert locked_until(4, T0, POLICY) is None
    assert locked_until(5, T0, POLICY) == minutes(15)


def test_failures_before_the_last_lockout_never_count_again() -> None:
    assert counting_since(minutes(30), None, POLICY) == minutes(15)
    assert counting_since(minutes(30), minutes(20), POLICY) == minutes(20)
    assert counting_since(minutes(30), minutes(1), POLICY) == minutes(15)


# -- across calls, persisted -------------------------------------------------------------
@pytest.mark.security
async def test_given_five_wrong_pins_from_five_lines_then_the_box_is_locked_even_for_its_pin(
    seeded: Settings,
) -> None:
    """One call allows three tries, but calls are free: the count spans them."""
    pin = seeded.demo_vm_pin
    for attempt in range(4):
        caller = f"55501{attempt:02d}"
        assert await pin_guard.check("5000", caller, WRONG, minutes(attempt)) is PinCheck.WRONG
    assert await pin_guard.check("5000", "5550199", WRONG, minutes(4)) is PinCheck.LOCKED
    assert await pin_guard.check("5000", "5550300", pin, minutes(5)) is PinCheck.LOCKED
    assert await pin_guard.check("5000", "5550300", pin, minutes(18.9)) is PinCheck.LOCKED
    assert await pin_guard.check("5000", "5550300", pin, minutes(19.1)) is PinCheck.OPENED

    [lockout] = await PinLockout.all()
    assert (lockout.scope, lockout.key, lockout.until) == ("box", "5000", minutes(19))
    [entry] = await AuditEntry.filter(action="voicemail_pin_locked")
    assert (entry.username, entry.source, entry.ip) == ("pstn", "pstn", "5550199")
    assert (entry.object_type, entry.object_id) == ("voicemail_box", "5000")
    assert entry.after["failures"] == 5 and entry.after["locked_until"] == minutes(19).isoformat()
    assert pin not in str(entry.after)


@pytest.mark.security
async def test_given_one_line_trying_five_boxes_then_that_caller_is_locked_out_everywhere(
    seeded: Settings,
) -> None:
    pin = seeded.demo_vm_pin
    for attempt, box in enumerate(("5000", "1001", "1002", "7777")):
        assert await pin_guard.check(box, "5550666", WRONG, minutes(attempt)) is PinCheck.WRONG
    assert await pin_guard.check("8888", "5550666", WRONG, minutes(4)) is PinCheck.LOCKED
    # Not even the right PIN of a box that has no failures of its own.
    assert await pin_guard.check("1001", "5550666", pin, minutes(5)) is PinCheck.LOCKED
    # Another line still opens it: only the caller is locked.
    assert await pin_guard.check("1001", "5550777", pin, minutes(5)) is PinCheck.OPENED
    entry = await AuditEntry.get(action="voicemail_pin_locked")
    assert (entry.object_type, entry.object_id, entry.ip) == ("pstn_caller", "5550666", "5550666")


@pytest.mark.security
async def test_given_a_locked_box_then_the_phone_menu_hears_locked_out(seeded: Settings) -> None:
    for attempt in range(5):
        await pin_guard.check("5000", f"55502{attempt:02d}", WRONG)
    asker = access_store.Asker("5550400", seeded)
    answer = await access_store.answer("rq", CheckPin("5000", seeded.demo_vm_pin), {}, asker)
    assert not answer.ok and answer.error == LOCKED_OUT


@pytest.mark.security
async def test_given_unknown_box_numbers_then_they_lock_like_real_ones(seeded: Settings) -> None:
    """A lockout must not tell a caller which box numbers exist."""
    for attempt in range(5):
        await pin_guard.check("4242", f"55503{attempt:02d}", WRONG, minutes(attempt))
    assert await pin_guard.check("4242", "5550399", WRONG, minutes(5)) is PinCheck.LOCKED


async def test_given_failures_spread_wider_than_the_window_then_no_lockout(
    seeded: Settings,
) -> None:
    for attempt in range(6):
        at = minutes(16 * attempt)
        assert await pin_guard.check("5000", "5550500", WRONG, at) is PinCheck.WRONG
    assert await PinLockout.all().count() == 0
    assert await PinFailure.all().count() == 1  # older ones were pruned


async def test_given_the_right_pin_then_the_box_count_starts_again(seeded: Settings) -> None:
    for attempt in range(4):
        await pin_guard.check("5000", f"55506{attempt:02d}", WRONG, minutes(attempt))
    assert await pin_guard.check("5000", "5550600", seeded.demo_vm_pin, minutes(4)) is (
        PinCheck.OPENED
    )
    for attempt in range(4):
        result = await pin_guard.check("5000", f"55507{attempt:02d}", WRONG, minutes(5 + attempt))
        assert result is PinCheck.WRONG


@pytest.mark.security
async def test_given_a_lockout_ended_then_five_new_failures_are_needed(seeded: Settings) -> None:
    for attempt in range(5):
        await pin_guard.check("5000", f"55508{attempt:02d}", WRONG, minutes(attempt))
    # Locked 4..19; the failures at 0..4 do not count once it ends.
    for attempt in range(4):
        result = await pin_guard.check("5000", f"55509{attempt:02d}", WRONG, minutes(20 + attempt))
        assert result is PinCheck.WRONG
    assert await pin_guard.check("5000", "5550999", WRONG, minutes(24)) is PinCheck.LOCKED
    assert await AuditEntry.filter(action="voicemail_pin_locked").count() == 2


# -- minimum length ----------------------------------------------------------------------
@pytest.mark.security
@pytest.mark.parametrize("short", ["1234", "12345"])
async def test_given_a_pin_shorter_than_six_digits_then_it_cannot_be_set(
    vm: Vm, short: str
) -> None:
    box = await get_box("1001", tenant_id=await home_tenant_id())
    with pytest.raises(VoicemailRejected) as rejected:
        await set_pin(box, short)
    assert rejected.value.reason == "bad_pin"
    assert MIN_PIN_DIGITS == 6


async def test_given_an_older_four_digit_pin_then_it_still_opens_its_box(vm: Vm) -> None:
    from admin_ui.web.security import hash_password

    box = await get_box("1001", tenant_id=await home_tenant_id())
    box.pin_hash = hash_password("4321")  # set before the minimum rose
    await box.save(update_fields=["pin_hash"])
    assert await pin_guard.check("1001", "1001", "4321") is PinCheck.OPENED


@pytest.mark.security
async def test_given_a_four_digit_pin_in_the_voicemail_page_then_refused(
    ui: UiClient, vm: Vm
) -> None:
    await ui.login("supervisor")
    before = (await get_box("1001", tenant_id=await home_tenant_id())).pin_hash
    response = await ui.post(
        "/voicemail/1001/pin", {"pin": "1234", "pin_confirm": "1234"}, headers=HTMX
    )
    assert response.status_code == 422
    assert ui.last.context["error"]["key"] == "voicemail.error.bad_pin"
    assert (await get_box("1001", tenant_id=await home_tenant_id())).pin_hash == before
    assert 'pattern="[0-9]{6,10}"' in response.text


def test_the_generated_demo_pin_is_long_enough(tmp_path: Path) -> None:
    generated = ensure_secrets(tmp_path / "secrets.env")["HOTLINE_DEMO_VM_PIN"]
    assert generated.isdigit() and len(generated) >= MIN_PIN_DIGITS


@pytest.mark.security
def test_given_a_short_demo_pin_by_hand_then_new_demo_boxes_get_none(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_DEMO_VM_PIN": "1234"})
    assert demo_pin(settings) == ""
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_DEMO_VM_PIN": "123456"})
    assert demo_pin(settings) == "123456"
