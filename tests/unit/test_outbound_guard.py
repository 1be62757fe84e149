"""Toll fraud from the PSTN: which numbers Hotline dials for a caller
(hotline/dial_policy.py), the daily limits and the audit
(hotline/outbound_guard.py), the voicemail call-back's and fax-back's use of
them (vm/access_store.py, fax/guard.py) and the fax-back scheduler's check
before every dial (fax/scheduler.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ari_apps.ari import AriClient
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.call_services import CallServiceContext
from fax import core
from fax.catalogue import get_document
from fax.guard import CheckDestination
from fax.scheduler import FaxBackScheduler
from fax.services import queue_fax_back
from hotline import dial_policy, outbound_guard
from hotline.bus import EventBus
from hotline.dial_policy import DEFAULT_ALLOW, DEFAULT_REFUSE, DialRules, check_number
from hotline.models import AuditEntry
from hotline.models_fax import FaxJob
from hotline.models_toll_fraud import OutboundRequest
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from vm import access_store
from vm.access_core import OVER_LIMIT, CheckCallBack

RULES = DialRules(
    dial_policy.split_patterns(DEFAULT_ALLOW), dial_policy.split_patterns(DEFAULT_REFUSE)
)
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


# -- the rules ---------------------------------------------------------------------------
@pytest.mark.security
@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("0044207946000", dial_policy.REFUSED_PREFIX),  # international (00)
        ("011442079460000", dial_policy.REFUSED_PREFIX),  # international from NANP
        ("+442079460000", dial_policy.NOT_DIGITS),  # international in E.164
        ("0900123456", dial_policy.REFUSED_PREFIX),  # premium rate (DE, AT, CH, NL)
        ("19005550123", dial_policy.REFUSED_PREFIX),  # premium rate (US 1-900)
        ("9765550123", dial_policy.REFUSED_PREFIX),  # premium rate (976)
        ("11833", dial_policy.REFUSED_PREFIX),  # directory enquiries
        ("112", dial_policy.NOT_NATIONAL),  # emergency and short codes
        ("1234567890123456", dial_policy.NOT_NATIONAL),  # longer than any national number
        ("555 9000", dial_policy.NOT_DIGITS),
        ("", dial_policy.NOT_DIGITS),
    ],
)
def test_given_default_rules_then_international_premium_and_short_numbers_are_refused(
    number: str, reason: str
) -> None:
    refusal = check_number(number, RULES)
    assert refusal is not None and refusal.reason == reason


@pytest.mark.parametrize("number", ["5559000", "5550177", "030123456", "0201234567"])
def test_given_default_rules_then_national_numbers_are_allowed(number: str) -> None:
    assert check_number(number, RULES) is None


def test_given_a_configured_national_pattern_then_only_it_is_allowed() -> None:
    rules = DialRules(allow=(r"^0[1-9][0-9]{6,10}$",), refuse=(r"^00",))
    assert check_number("030123456", rules) is None
    refusal = check_number("5559000", rules)
    assert refusal is not None and refusal.reason == dial_policy.NOT_NATIONAL


@pytest.mark.security
def test_given_a_pattern_that_does_not_compile_then_every_number_is_refused() -> None:
    refusal = check_number("5559000", DialRules(allow=("^[0-9",), refuse=()))
    assert refusal is not None and refusal.reason == dial_policy.BAD_CONFIGURATION


# -- limits, counts and the audit ----------------------------------------------------------
@pytest.mark.security
async def test_given_three_fax_backs_from_one_caller_then_the_fourth_is_refused_until_tomorrow(
    seeded: Settings,
) -> None:
    kind = dial_policy.FAX_BACK
    for index in range(3):
        at = T0 + timedelta(hours=index)
        assert await outbound_guard.authorize(kind, "5550100", f"555900{index}", seeded, at) is None
    refusal = await outbound_guard.authorize(
        kind, "5550100", "5559009", seeded, T0 + timedelta(hours=4)
    )
    assert refusal is not None and refusal.reason == dial_policy.CALLER_LIMIT
    # A rolling day: 24 hours after the first, one more is allowed.
    later = T0 + timedelta(hours=24, minutes=1)
    assert await outbound_guard.authorize(kind, "5550100", "5559009", seeded, later) is None

    [entry] = await AuditEntry.filter(action="fax_back_refused")
    assert (entry.username, entry.source, entry.ip) == ("pstn", "pstn", "5550100")
    assert entry.object_id == "5559009" and entry.after["reason"] == "caller_limit"


@pytest.mark.security
async def test_given_five_fax_backs_to_one_number_then_the_sixth_is_refused(
    seeded: Settings,
) -> None:
    kind = dial_policy.FAX_BACK
    for index in range(5):
        assert (
            await outbound_guard.authorize(kind, f"55501{index:02d}", "5559000", seeded, T0) is None
        )
    refusal = await outbound_guard.authorize(kind, "5550199", "5559000", seeded, T0)
    assert refusal is not None and refusal.reason == dial_policy.NUMBER_LIMIT
    assert await OutboundRequest.filter(allowed=True).count() == 5
    assert await OutboundRequest.filter(allowed=False, reason="number_limit").count() == 1


@pytest.mark.security
async def test_given_refused_numbers_then_they_never_count_towards_a_limit(
    seeded: Settings,
) -> None:
    for _ in range(4):
        refusal = await outbound_guard.authorize(
            dial_policy.FAX_BACK, "5550100", "0900123456", seeded, T0
        )
        assert refusal is not None and refusal.reason == dial_policy.REFUSED_PREFIX
    assert (
        await outbound_guard.authorize(dial_policy.FAX_BACK, "5550100", "5559000", seeded, T0)
        is None
    )
    assert await AuditEntry.filter(action="fax_back_refused").count() == 4


# -- voicemail call-back --------------------------------------------------------------------
@pytest.mark.security
async def test_given_a_spoofed_premium_caller_id_then_the_call_back_is_refused_and_audited(
    seeded: Settings,
) -> None:
    asker = access_store.Asker("1001", seeded)
    answer = await access_store.answer("rq", CheckCallBack("0900123456", "to-pstn"), {}, asker)
    assert not answer.ok and answer.error == dial_policy.REFUSED_PREFIX
    entry = await AuditEntry.get(action="callback_refused")
    assert (entry.username, entry.ip, entry.object_id) == ("pstn", "1001", "0900123456")


@pytest.mark.security
async def test_given_call_backs_over_the_daily_limit_per_number_then_try_later(
    seeded: Settings,
) -> None:
    asker = access_store.Asker("1001", seeded)
    action = CheckCallBack("5550177", "to-pstn")
    for _ in range(seeded.callback_per_number_day):
        assert (await access_store.answer("rq", action, {}, asker)).ok
    answer = await access_store.answer("rq", action, {}, asker)
    assert not answer.ok and answer.error == OVER_LIMIT


async def test_given_a_call_back_to_an_agent_phone_then_no_rules_apply(seeded: Settings) -> None:
    asker = access_store.Asker("1002", seeded)
    answer = await access_store.answer("rq", CheckCallBack("1001", "hotline-agents"), {}, asker)
    assert answer.ok
    assert await OutboundRequest.all().count() == 0


# -- fax-back -----------------------------------------------------------------------------------
def _call(client: AriClient, settings: Settings, caller: str) -> CallServiceContext:
    return CallServiceContext(
        ari=client,
        settings=settings,
        bus=EventBus(),
        call_id="call-1",
        channel_id="chan-1",
        variables={"caller_id": caller},
    )


@pytest.mark.security
async def test_given_fax_back_numbers_then_the_check_service_refuses_limits_and_allows(
    seeded: Settings, client: AriClient
) -> None:
    check = CheckDestination()
    call = _call(client, seeded, "5550100")
    refused = await check.run(call, {"number": "00442079460000"})
    assert (refused.outcome, refused.variables) == ("refused", {"fax_refusal": "refused_prefix"})
    for index in range(3):
        assert (await check.run(call, {"number": f"555900{index}"})).outcome == "allowed"
    limited = await check.run(call, {"number": "5559005"})
    assert (limited.outcome, limited.variables) == ("limited", {"fax_refusal": "caller_limit"})


@pytest.mark.security
async def test_given_a_queued_fax_back_to_a_premium_number_then_the_scheduler_never_dials_it(
    seeded: Settings, ari: FakeAriServer, client: AriClient
) -> None:
    """Jobs queued before the rules, or retried by an operator, are checked again."""
    document = await get_document("1", tenant_id=await home_tenant_id())
    job = await queue_fax_back(document, "0900123456", "call-1")
    await FaxBackScheduler(client, seeded, {}).dial_due_jobs()

    job = await FaxJob.get(id=job.id)
    assert job.status == core.FAILED and "refused_prefix" in job.error
    assert not [r for r in ari.requests if r.method == "POST" and r.path == "/channels"]
    entry = await AuditEntry.get(action="fax_back_refused")
    assert entry.after["job"] == job.id and entry.after["number"] == "0900123456"


async def test_given_an_allowed_fax_back_then_each_dial_is_audited_with_who_asked(
    seeded: Settings, ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels", body={"id": "hl-fax"})
    await CheckDestination().run(_call(client, seeded, "5550123"), {"number": "5559000"})
    document = await get_document("1", tenant_id=await home_tenant_id())
    job = await queue_fax_back(document, "5559000", "call-1")
    await FaxBackScheduler(client, seeded, {}).dial_due_jobs()

    assert [r for r in ari.requests if r.method == "POST" and r.path == "/channels"]
    entry = await AuditEntry.get(action="fax_back_placed")
    assert (entry.username, entry.ip, entry.object_id) == ("pstn", "5550123", "5559000")
    assert entry.after["job"] == job.id and entry.after["attempt"] == 1
