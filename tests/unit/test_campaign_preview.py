"""Preview campaigns without Asterisk: the desk's next contact, and the
dialer's agent-first call (a recording executor in place of ARI): the
agent's phone, then the contact into the agent's bridge, the attempt
settled with the agent, and the agent ready again; refusals name the field."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ari_apps.ari.events import parse_event
from ari_apps.campaigns import services
from ari_apps.campaigns.preview import PAUSE_REASON, STASIS_KIND
from ari_apps.campaigns.stasis import CampaignDialer
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import AddToBridge, CreateBridge, DestroyBridge, HangUp, Originate
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import InvalidRequest
from hotline.models import AuditEntry, User
from hotline.models_campaigns import Campaign, CampaignAttempt, CampaignContact
from hotline.seed import DEMO_QUEUE
from hotline.tenancy import home_tenant_id
from tests.unit.test_campaigns import NoAgents, NoFlows, RecordingOps
from tests.unit.ui_support import UiClient

PHONE = "+8613800000010"


class Holds:
    def __init__(self, state: str = "ready") -> None:
        self.state = state
        self.log: list[tuple[str, str]] = []

    def agent_state(self, extension: str) -> str | None:
        return self.state if extension == "1001" else None

    async def hold(self, extension: str, reason: str) -> bool:
        self.log.append(("hold", reason))
        was_ready = self.state == "ready"
        self.state = "not_ready"
        return was_ready

    async def release(self, extension: str, reason: str, was_ready: bool) -> None:
        self.log.append(("release", reason))
        if was_ready:
            self.state = "ready"


async def _actor() -> Actor:
    return Actor("agent1001", "10.0.0.8", await home_tenant_id())


async def _preview_campaign(state: str = "start", kind: str = "preview") -> Campaign:
    tenant, actor = await home_tenant_id(), await _actor()
    created = await services.create(
        tenant, actor, {"name": "Renewals", "kind": kind, "queue": DEMO_QUEUE}
    )
    await services.add_contacts(
        tenant,
        actor,
        created["id"],
        [{"phone": PHONE, "name": "Wang Fang", "fields": {"account": "778899"}}],
    )
    if state:
        await services.control(tenant, actor, created["id"], state)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await CampaignContact.filter(campaign_id=created["id"]).update(next_attempt_at=past)
    return await Campaign.get(id=created["id"])


def _dialer(
    holds: Holds | None = None,
) -> tuple[CampaignDialer, RecordingOps, ChannelRegistry, Holds]:
    """The dialer on a recording executor, with agents to hold."""
    ops, channels, holds = RecordingOps(), ChannelRegistry(), holds or Holds()
    dialer = CampaignDialer(
        ops,  # type: ignore[arg-type]
        channels,
        "hotline",
        EventBus(),
        NoFlows(),
        NoAgents(),
        holds=holds,
    )
    return dialer, ops, channels, holds


def _event(kind: str, channel_id: str, **extra: Any) -> Any:
    return parse_event({"type": kind, "channel": {"id": channel_id}, **extra})


async def test_given_a_running_preview_campaign_then_its_agents_see_the_next_contact(
    ui: UiClient,
) -> None:
    campaign = await _preview_campaign()

    (panel,) = await services.previews_for(await home_tenant_id(), [DEMO_QUEUE])

    assert panel["id"] == campaign.id and panel["next"]["phone"] == PHONE
    assert panel["next"]["fields"] == {"account": "778899"}
    assert await services.previews_for(await home_tenant_id(), ["billing"]) == []


async def test_given_a_preview_call_then_agent_first_then_the_contact_joins_them(
    ui: UiClient,
) -> None:
    campaign = await _preview_campaign()
    contact = await CampaignContact.get(campaign_id=campaign.id)
    dialer, ops, channels, holds = _dialer()

    placed = await dialer.preview_call(
        await home_tenant_id(), campaign.id, contact.id, "1001", await _actor()
    )

    (agent_leg,) = [op for op in ops.ops if isinstance(op, Originate)]
    assert agent_leg.endpoint == "PJSIP/1001" and agent_leg.app_args[0] == STASIS_KIND
    assert holds.log == [("hold", PAUSE_REASON)]
    assert placed["phone"] == PHONE
    assert not await CampaignAttempt.exists(), "nothing is written before the agent answers"
    assert await AuditEntry.exists(action="campaign_preview_call", username="agent1001")

    await dialer.preview_agent_answered(
        _event("StasisStart", agent_leg.channel_id, args=list(agent_leg.app_args))
    )
    bridge = next(op.bridge_id for op in ops.ops if isinstance(op, CreateBridge))
    assert AddToBridge(bridge, agent_leg.channel_id) in ops.ops
    contact_leg = [op for op in ops.ops if isinstance(op, Originate)][-1]
    assert contact_leg.endpoint == f"Local/{PHONE}@to-pstn/n"
    attempt = await CampaignAttempt.get(contact_id=contact.id)

    await dialer.answered(_event("StasisStart", contact_leg.channel_id, args=["campaign", "1"]))
    assert AddToBridge(bridge, contact_leg.channel_id) in ops.ops

    channels.notify_observers(_event("ChannelDestroyed", contact_leg.channel_id, cause=16))
    for _ in range(50):
        if not dialer.previews:
            break
        await asyncio.sleep(0.05)
    await attempt.refresh_from_db()
    assert (attempt.outcome, attempt.agent) == ("human", "1001")
    assert HangUp(agent_leg.channel_id) in ops.ops and DestroyBridge(bridge) in ops.ops
    assert holds.log[-1] == ("release", PAUSE_REASON) and holds.state == "ready"
    assert len(channels) == 0 and channels.observers == {}


async def test_given_the_agent_does_not_answer_then_the_contact_is_not_called(
    ui: UiClient,
) -> None:
    campaign = await _preview_campaign()
    contact = await CampaignContact.get(campaign_id=campaign.id)
    dialer, ops, channels, holds = _dialer()
    await dialer.preview_call(
        await home_tenant_id(), campaign.id, contact.id, "1001", await _actor()
    )
    (agent_leg,) = [op for op in ops.ops if isinstance(op, Originate)]

    await channels.dispatch(_event("ChannelDestroyed", agent_leg.channel_id, cause=19))

    assert not dialer.previews and holds.state == "ready"
    assert not await CampaignAttempt.exists()
    await contact.refresh_from_db()
    assert (contact.state, contact.attempts) == ("pending", 0)


@pytest.mark.parametrize(
    ("campaign_state", "kind", "agent_state", "field"),
    [
        ("", "preview", "ready", "campaign"),  # a draft
        ("start", "progressive", "ready", "campaign"),  # the pacer dials those
        ("start", "preview", "on_call", "agent"),
        ("start", "preview", None, "agent"),  # not an agent
    ],
)
async def test_given_a_call_that_cannot_be_made_then_it_is_refused_naming_the_field(
    ui: UiClient, campaign_state: str, kind: str, agent_state: str | None, field: str
) -> None:
    campaign = await _preview_campaign(campaign_state, kind)
    contact = await CampaignContact.get(campaign_id=campaign.id)
    agent = "1001" if agent_state is not None else "4242"
    dialer, _, _, holds = _dialer(Holds(agent_state or "ready"))

    with pytest.raises(InvalidRequest) as refused:
        await dialer.preview_call(
            await home_tenant_id(), campaign.id, contact.id, agent, await _actor()
        )

    assert refused.value.details == {"field": field}
    assert holds.log == [], "nobody was put on hold"


# -- the desk -------------------------------------------------------------------------------
async def _desk_agent(ui: UiClient) -> None:
    ui.center.agents["1001"]["queues"] = [DEMO_QUEUE]
    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("agent")


async def test_given_an_agent_of_the_campaigns_queue_then_the_desk_shows_the_contact_to_call(
    ui: UiClient,
) -> None:
    campaign = await _preview_campaign()
    contact = await CampaignContact.get(campaign_id=campaign.id)
    await _desk_agent(ui)

    text = (await ui.get("/desk")).text

    assert 'data-testid="desk-preview"' in text
    assert f'data-testid="desk-preview-phone">{PHONE}<' in text
    assert 'data-testid="desk-preview-field-account">778899<' in text

    answer = await ui.post(
        f"/desk/preview/{campaign.id}/call",
        {"contact_id": str(contact.id)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert 'data-testid="desk-preview-done"' in answer.text
    assert [(c[1], c[2], c[3]) for c in ui.center.previews_called] == [
        (campaign.id, contact.id, "1001")
    ]


async def test_given_an_agent_of_another_queue_then_the_desk_has_no_preview(
    ui: UiClient,
) -> None:
    await _preview_campaign()
    ui.center.agents["1001"]["queues"] = ["billing"]
    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("agent")

    assert 'data-testid="desk-preview"' not in (await ui.get("/desk")).text
