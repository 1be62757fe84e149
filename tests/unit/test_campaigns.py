"""Campaigns without Asterisk: refusals name the field, the state table, lists
added through the API, the dial-time checks (do not call, the window), what an
attempt's end means for its contact, a restart's settling, and the dialer's
outcome from the far half's cause."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ari_apps.ari.events import parse_event
from ari_apps.campaigns import core, dialing, policy, services, store
from ari_apps.campaigns.agent_pacing import QueueSnapshot
from ari_apps.campaigns.stasis import CampaignDialer
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import ChannelOp, ContinueInDialplan, HangUp, Originate, PlayMedia
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import InvalidRequest
from hotline.models import AuditEntry
from hotline.models_campaigns import Campaign, CampaignAttempt, CampaignContact
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
PERSON = "+8613800000010"


async def _actor() -> Actor:
    return Actor("admin", "127.0.0.1", await home_tenant_id())


async def _campaign(**settings: Any) -> dict[str, Any]:
    return await services.create(
        await home_tenant_id(), await _actor(), {"name": "Reminders", **settings}
    )


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"kind": "robocall"}, "kind"),
        ({"ring_timeout_s": 10}, "ring_timeout_s"),  # under 15 s gives up too soon
        ({"max_attempts": 0}, "max_attempts"),
        ({"message_prompt": "http://example.com/a.wav"}, "message_prompt"),
        ({"machine_action": "shout"}, "machine_action"),
        ({"caller_id": "95598abc"}, "caller_id"),
        ({"amd_params": {"loudness": 3}}, "amd_params"),
        ({"retry_policy": {"busy": {"delay_seconds": 0}}}, "busy.delay_seconds"),
        ({"call_window": {"timezone": "Mars/Olympus", "hours": []}}, "timezone"),
        ({"entry_node": "ask"}, "flow"),
        ({"scheduled_start": "2026-12-07T09:00:00"}, "scheduled_start"),
    ],
)
async def test_given_a_bad_setting_then_the_campaign_is_refused_naming_the_field(
    ui: UiClient, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await _campaign(**settings)
    assert refused.value.details == {"field": field}
    assert not await Campaign.filter(name="Reminders").exists()


@pytest.mark.parametrize(
    ("settings", "cap"),
    [
        ({}, 3.0),  # CN: no numeric rule known; 3 %
        ({"country": "us"}, 3.0),  # FTC
        ({"country": "CA"}, 5.0),  # CRTC
        ({"country": "CA", "abandon_cap_pct": 2}, 2.0),  # the campaign's own
    ],
)
async def test_given_a_callee_country_then_the_abandon_cap_defaults_to_its_rule(
    ui: UiClient, settings: dict[str, Any], cap: float
) -> None:
    campaign = await _campaign(**settings)

    assert campaign["abandon_cap_pct"] == cap


@pytest.mark.parametrize(
    ("country", "period"), [("US", "30d"), ("gb", "today"), ("CA", "today"), ("CN", "30d")]
)
async def test_given_a_country_then_its_regulators_period_is_a_figure_the_pacer_can_read(
    ui: UiClient, country: str, period: str
) -> None:
    campaign = await Campaign.get(id=(await _campaign(country=country))["id"])

    assert policy.abandon_period(campaign.country) == period
    assert f"abandon_pct_{period}" in await services.progress_of(campaign)


async def test_given_a_campaign_then_the_state_table_allows_only_its_transitions(
    ui: UiClient,
) -> None:
    created = await _campaign()
    assert created["state"] == core.DRAFT
    tenant, actor = await home_tenant_id(), await _actor()
    with pytest.raises(InvalidRequest, match="cannot pause a campaign that is draft"):
        await services.control(tenant, actor, created["id"], core.PAUSE)
    for action, state in (("start", "running"), ("pause", "paused"), ("resume", "running")):
        assert (await services.control(tenant, actor, created["id"], action))["state"] == state
    assert (await services.control(tenant, actor, created["id"], "stop"))["state"] == "stopped"
    actions = [
        str(action)
        for action in await AuditEntry.filter(object_type="campaign")
        .order_by("id")
        .values_list("action", flat=True)
    ]
    assert actions == [
        "campaign_created",
        "campaign_start",
        "campaign_pause",
        "campaign_resume",
        "campaign_stop",
    ]


async def test_given_api_contacts_then_good_ones_are_kept_and_bad_ones_named_by_position(
    ui: UiClient,
) -> None:
    created = await _campaign()
    report = await services.add_contacts(
        await home_tenant_id(),
        await _actor(),
        created["id"],
        [
            {"phone": "138 0000 0010", "fields": {"amount": "88.50"}},
            {"phone": PERSON},  # the same number in E.164
            {"phone": "nope"},
            {"phone": "+8613800000021", "timezone": "Nowhere/City"},
            "not an object",
            {"phone": "+8613800000032", "priority": 5, "timezone": "Asia/Shanghai"},
        ],
    )
    assert report["accepted"] == 2
    assert [row["line"] for row in report["rejected"]] == [2, 3, 4, 5]
    assert "already in the list" in report["rejected"][0]["reason"]
    contacts = await services.contacts(await home_tenant_id(), created["id"])
    assert [(c["phone"], c["fields"]) for c in contacts] == [
        (PERSON, {"amount": "88.50"}),
        ("+8613800000032", {}),
    ]


async def _running_with(*phones: str, **settings: Any) -> Campaign:
    created = await _campaign(**settings)
    await services.add_contacts(
        await home_tenant_id(), await _actor(), created["id"], [{"phone": p} for p in phones]
    )
    await services.control(await home_tenant_id(), await _actor(), created["id"], "start")
    await CampaignContact.filter(campaign_id=created["id"]).update(next_attempt_at=NOW)
    return await Campaign.get(id=created["id"])


async def test_given_dnc_and_a_closed_window_then_nobody_is_dialled_and_each_has_a_row(
    ui: UiClient,
) -> None:
    campaign = await _running_with(
        PERSON,
        "+8613800000021",
        call_window={
            "timezone": "Asia/Shanghai",
            "hours": [{"days": "sat-sun", "from": "09:00", "to": "18:00"}],
        },
    )
    await services.add_dnc(await home_tenant_id(), await _actor(), PERSON, None, "asked")
    assert await dialing.next_calls(campaign, 5, NOW) == []
    rows = {a.phone: a.outcome for a in await CampaignAttempt.all()}
    assert rows == {PERSON: core.DNC, "+8613800000021": core.OUTSIDE_WINDOW}
    later = await CampaignContact.get(campaign=campaign, phone="+8613800000021")
    # Saturday 09:00 in Shanghai is Saturday 01:00 UTC.
    assert (later.state, later.next_attempt_at) == (
        "pending",
        datetime(2026, 12, 12, 1, 0, tzinfo=UTC),
    )
    assert (await CampaignContact.get(campaign=campaign, phone=PERSON)).state == "done"


async def test_given_a_busy_line_then_it_is_retried_and_done_at_max_attempts(ui: UiClient) -> None:
    campaign = await _running_with(PERSON, max_attempts=2, retry_delay_s=30)
    (first,) = await dialing.next_calls(campaign, 5, NOW)
    assert first.state == "dialing" and first.number == 1
    # Never two calls at once: the contact is taken while its call is out.
    assert await dialing.next_calls(campaign, 5, NOW) == []
    await dialing.settle(campaign, first, core.BUSY, NOW)
    contact = await CampaignContact.get(campaign=campaign, phone=PERSON)
    assert (contact.state, contact.next_attempt_at) == ("pending", NOW + timedelta(seconds=30))
    (second,) = await dialing.next_calls(campaign, 5, NOW + timedelta(seconds=30))
    await dialing.settle(campaign, second, core.BUSY, NOW + timedelta(seconds=31))
    contact = await CampaignContact.get(campaign=campaign, phone=PERSON)
    assert (contact.state, contact.final_reason) == ("done", "max attempts")
    await dialing.finish_if_exhausted(campaign)
    assert (await Campaign.get(id=campaign.id)).state == core.FINISHED
    figures = await services.progress_of(campaign, NOW + timedelta(minutes=1))
    assert figures["outcomes"]["busy"] == 2 and figures["contact_rate_pct"] == 0.0
    assert figures["abandon_pct_30d"] is None  # nobody answered: "–", never 0 %


async def test_given_attempts_open_when_hotline_restarts_then_they_settle_and_nothing_is_lost(
    ui: UiClient,
) -> None:
    campaign = await _running_with(PERSON, "+8613800000021", retry_delay_s=60)
    ringing, answered = await dialing.next_calls(campaign, 5, NOW)
    await store.mark_answered(answered, NOW)
    await store.save_detection(answered, "HUMAN", "HUMAN-800-800")
    assert await dialing.settle_interrupted(exclude_channels=set()) == 2
    outcomes = {a.phone: (a.outcome, a.state) for a in await CampaignAttempt.all()}
    assert outcomes[ringing.phone] == ("failed", "ended")
    assert outcomes[answered.phone] == ("human", "ended")
    # The one never reached is due again; the one reached is done.
    states = {c.phone: c.state for c in await CampaignContact.filter(campaign=campaign)}
    assert states == {ringing.phone: "pending", answered.phone: "done"}


class RecordingOps:
    def __init__(self) -> None:
        self.ops: list[ChannelOp] = []

    async def run(self, op: ChannelOp) -> None:
        self.ops.append(op)

    async def run_best_effort(self, op: ChannelOp) -> None:
        self.ops.append(op)


class NoFlows:
    async def run_flow(self, *args: Any) -> bool:
        return False

    async def run_queue(self, *args: Any) -> bool:
        return False


class NoAgents:
    def snapshot(self, queue: str) -> QueueSnapshot:
        return QueueSnapshot(frozenset(), {}, 0)


async def test_given_the_dialer_then_causes_and_amd_verdicts_become_outcomes(ui: UiClient) -> None:
    await _running_with(
        PERSON, "+8613800000032", "+8613800000021", calls_per_second=5, max_concurrent=5
    )
    ops, channels = RecordingOps(), ChannelRegistry()
    dialer = CampaignDialer(ops, channels, "hotline", EventBus(), NoFlows(), NoAgents())  # type: ignore[arg-type]
    await dialer.tick(NOW)
    originated = [op for op in ops.ops if isinstance(op, Originate)]
    assert sorted(op.endpoint for op in originated) == sorted(
        f"Local/{p}@to-pstn/n" for p in (PERSON, "+8613800000032", "+8613800000021")
    )
    by_phone = {op.endpoint.split("/")[1].split("@")[0]: op.channel_id for op in originated}

    def event(kind: str, channel_id: str, **extra: Any) -> Any:
        return parse_event({"type": kind, "channel": {"id": channel_id}, **extra})

    # Busy: this half ends with cause 0, the far half (;2) says 17.
    busy = by_phone["+8613800000032"]
    channels.notify_observers(event("ChannelDestroyed", busy + ";2", cause=17))
    channels.notify_observers(event("ChannelDestroyed", busy, cause=0))
    # A person: answered, AMD says HUMAN, the message plays, then the end.
    person = by_phone[PERSON]
    await dialer.answered(event("StasisStart", person, args=["campaign", "1"]))
    assert ContinueInDialplan(person, "hotline-campaign", "amd") in ops.ops
    await dialer.detected(
        event("StasisStart", person, args=["campaign-amd", person, "HUMAN", "HUMAN-800-800"])
    )
    assert any(isinstance(op, PlayMedia) and op.channel_id == person for op in ops.ops)
    channels.notify_observers(event("ChannelDestroyed", person, cause=16))
    # A machine: hung up on.
    machine = by_phone["+8613800000021"]
    await dialer.answered(event("StasisStart", machine, args=["campaign", "3"]))
    await dialer.detected(
        event("StasisStart", machine, args=["campaign-amd", machine, "MACHINE", "MAXWORDS-3-2"])
    )
    assert HangUp(machine) in ops.ops
    channels.notify_observers(event("ChannelDestroyed", machine, cause=16))
    for _ in range(50):
        if not dialer.calls:
            break
        await asyncio.sleep(0.05)
    outcomes = {a.phone: a.outcome for a in await CampaignAttempt.all()}
    assert outcomes == {PERSON: "human", "+8613800000032": "busy", "+8613800000021": "machine"}
    machine_row = await CampaignAttempt.get(phone="+8613800000021")
    assert (machine_row.amd_status, machine_row.amd_cause) == ("MACHINE", "MAXWORDS-3-2")
    assert channels.observers == {} and len(channels) == 0


async def test_given_a_full_trunk_then_the_call_spends_no_attempt_and_the_campaign_stops_filling_it(
    ui: UiClient,
) -> None:
    refused_phone, person, waiting = PERSON, "+8613800000030", "+8613800000040"
    campaign = await _running_with(
        refused_phone, person, waiting, max_attempts=1, max_concurrent=2, calls_per_second=5
    )
    ops, channels = RecordingOps(), ChannelRegistry()
    dialer = CampaignDialer(ops, channels, "hotline", EventBus(), NoFlows(), NoAgents())  # type: ignore[arg-type]
    await dialer.tick(NOW)
    originated = {
        op.endpoint.split("/")[1].split("@")[0]: op.channel_id
        for op in ops.ops
        if isinstance(op, Originate)
    }
    assert len(originated) == 2
    refused = originated[refused_phone]

    # [hotline-trunk-line] refused the far half: cause 34 and the trunk named.
    full = {"id": refused + ";2", "channelvars": {"HOTLINE_TRUNK_FULL": "carrier-a"}}
    channels.notify_observers(
        parse_event({"type": "ChannelDestroyed", "channel": full, "cause": 34})
    )
    channels.notify_observers(
        parse_event({"type": "ChannelDestroyed", "channel": {"id": refused}, "cause": 0})
    )
    for _ in range(50):
        if refused not in dialer.calls:
            break
        await asyncio.sleep(0.05)

    row = await CampaignAttempt.get(campaign=campaign, phone=refused_phone)
    assert (row.outcome, row.detail, row.hangup_cause) == ("trunk_busy", "trunk carrier-a full", 34)
    contact = await CampaignContact.get(campaign=campaign, phone=refused_phone)
    # One attempt allowed, none spent: the contact is due again shortly.
    assert contact.state == store.PENDING and contact.next_attempt_at is not None
    assert timedelta(0) < contact.next_attempt_at - datetime.now(UTC) <= policy.TRUNK_BUSY_RETRY
    # A line is free in the campaign's caps, but the trunk was full just now.
    await CampaignContact.filter(campaign=campaign, phone__in=[refused_phone, waiting]).update(
        next_attempt_at=NOW
    )
    placed = len([op for op in ops.ops if isinstance(op, Originate)])
    await dialer.tick(NOW)
    assert len([op for op in ops.ops if isinstance(op, Originate)]) == placed
    await dialer.stop()


async def test_given_a_paused_campaign_then_its_settings_change_and_a_running_one_refuses(
    ui: UiClient,
) -> None:
    created = await _campaign()
    tenant, actor = await home_tenant_id(), await _actor()
    changed = await services.update(tenant, actor, created["id"], {"max_attempts": 5})
    assert (changed["max_attempts"], changed["name"]) == (5, "Reminders")
    with pytest.raises(InvalidRequest) as refused:
        await services.update(tenant, actor, created["id"], {"ring_timeout_s": 3})
    assert refused.value.details == {"field": "ring_timeout_s"}
    await services.control(tenant, actor, created["id"], "start")
    with pytest.raises(InvalidRequest, match="pause the campaign"):
        await services.update(tenant, actor, created["id"], {"max_attempts": 2})
    audit = await AuditEntry.filter(action="campaign_updated").first()
    assert audit is not None and audit.after["changed"] == {"max_attempts": 5}


async def _drained(dialer: CampaignDialer) -> None:
    for _ in range(50):
        if not dialer.calls:
            return
        await asyncio.sleep(0.05)


def _event(kind: str, channel_id: str, **extra: Any) -> Any:
    return parse_event({"type": kind, "channel": {"id": channel_id}, **extra})


async def test_given_a_machine_to_leave_a_message_then_it_plays_after_the_greeting(
    ui: UiClient,
) -> None:
    await _running_with(
        "+8613800000021", machine_action="leave_message", machine_message_prompt="prompt:notice"
    )
    ops, channels = RecordingOps(), ChannelRegistry()
    dialer = CampaignDialer(ops, channels, "hotline", EventBus(), NoFlows(), NoAgents())  # type: ignore[arg-type]
    await dialer.tick(NOW)
    (call_id,) = list(dialer.calls)
    await dialer.answered(_event("StasisStart", call_id, args=["campaign", "1"]))
    await dialer.detected(
        _event("StasisStart", call_id, args=["campaign-amd", call_id, "MACHINE", "LONGGREETING"])
    )
    assert ContinueInDialplan(call_id, "hotline-campaign", "after-greeting") in ops.ops
    await dialer.greeting_over(_event("StasisStart", call_id, args=["campaign-beep", call_id]))
    (played,) = [op for op in ops.ops if isinstance(op, PlayMedia)]
    assert played.media == ("sound:hotline/notice",)
    await dialer.calls[call_id].on_channel_event(
        _event("PlaybackFinished", call_id, playback={"id": played.playback_id})
    )
    assert HangUp(call_id) in ops.ops
    channels.notify_observers(_event("ChannelDestroyed", call_id, cause=16))
    await _drained(dialer)
    contact = await CampaignContact.filter(phone="+8613800000021", source="api").get()
    assert (contact.state, contact.final_reason) == ("done", "machine: message left")


async def test_given_an_agent_campaign_then_its_pacer_dials_for_free_agents_and_abandons_otherwise(
    ui: UiClient,
) -> None:
    await _running_with(PERSON, kind="progressive", queue="support", amd_enabled=False)

    class TwoReady:
        def snapshot(self, queue: str) -> QueueSnapshot:
            return QueueSnapshot(frozenset({"1001", "1002"}), {}, 0)

    ops, channels = RecordingOps(), ChannelRegistry()
    dialer = CampaignDialer(ops, channels, "hotline", EventBus(), NoFlows(), TwoReady())  # type: ignore[arg-type]
    await dialer.tick(NOW)
    (call_id,) = list(dialer.calls)  # one contact, though two agents are free
    campaign_id = dialer.calls[call_id].campaign.id
    figures = dialer.pacing_figures(campaign_id)
    assert figures is not None and figures["pacing"] == "progressive"
    assert figures["agents_ready"] == 2 and figures["occupancy_now_pct"] == 0.0
    assert dialer.pacing_figures(999) is None
    # Answered, but no queue takes the call: abandoned, with the short message.
    await dialer.answered(_event("StasisStart", call_id, args=["campaign", "1"]))
    (played,) = [op for op in ops.ops if isinstance(op, PlayMedia)]
    assert played.media == ("sound:im-sorry", "sound:all-circuits-busy-now")
    channels.notify_observers(_event("ChannelDestroyed", call_id, cause=16))
    await _drained(dialer)
    (attempt,) = await CampaignAttempt.filter(phone=PERSON, campaign_id=campaign_id)
    assert attempt.outcome == core.ABANDONED


async def test_given_calls_out_when_hotline_stops_or_asterisk_lost_them_then_each_settles(
    ui: UiClient,
) -> None:
    await _running_with(PERSON, "+8613800000032", calls_per_second=5, max_concurrent=5)
    ops, channels = RecordingOps(), ChannelRegistry()
    dialer = CampaignDialer(ops, channels, "hotline", EventBus(), NoFlows(), NoAgents())  # type: ignore[arg-type]
    await dialer.tick(NOW)
    _, kept = sorted(dialer.calls)
    await dialer.recover({kept})  # Asterisk restarted: it has only one of them
    assert set(dialer.calls) == {kept} and dialer.enabled
    await dialer.stop()
    assert HangUp(kept) in ops.ops and not dialer.calls
    details = sorted(a.detail for a in await CampaignAttempt.filter(state="ended"))
    assert details == ["lost with Asterisk", "stopped"]
