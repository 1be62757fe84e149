"""The callback dialer with Asterisk stood in for: which legs it rings in
which order, what it bridges, and that every way out tears down both legs,
stores where the callback stands and frees the agent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ari_apps.ari.events import parse_event
from ari_apps.callbacks import core, services
from ari_apps.callbacks.stasis import CallbackDialer
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import (
    AddToBridge,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    PlayMedia,
    StopMedia,
)
from hotline import outbound_guard
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import InvalidRequest
from hotline.models import AuditEntry
from hotline.models_callbacks import Callback
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id

RULES = outbound_guard.rules_or_defaults(None)


class FakeOps:
    def __init__(self) -> None:
        self.ran: list[Any] = []

    async def run(self, op: Any) -> None:
        self.ran.append(op)

    async def run_best_effort(self, op: Any) -> None:
        self.ran.append(op)

    def of(self, kind: type) -> list[Any]:
        return [op for op in self.ran if isinstance(op, kind)]


class Agents:
    """The ACD's agent states as the dialer sees and changes them."""

    def __init__(self, state: str = "ready") -> None:
        self.state = state
        self.reason: str | None = None

    def agent_state(self, extension: str) -> str | None:
        return self.state

    def paused_for_callback(self, extension: str) -> bool:
        return (self.state, self.reason) == ("not_ready", "callback")

    async def hold_for_callback(self, extension: str) -> bool:
        was_ready = self.state == "ready"
        self.state, self.reason = "not_ready", "callback"
        return was_ready

    async def release_after_callback(self, extension: str, was_ready: bool) -> None:
        if was_ready and self.paused_for_callback(extension):
            self.state, self.reason = "ready", None


async def _setup(
    state: str = "ready",
) -> tuple[CallbackDialer, FakeOps, ChannelRegistry, Agents, int]:
    ops, registry, agents = FakeOps(), ChannelRegistry(), Agents(state)
    dialer = CallbackDialer(ops, registry, "hotline", EventBus(), agents, RULES)  # type: ignore[arg-type]
    tenant = await home_tenant_id()
    row = await services.schedule(
        tenant,
        Actor("agent1001", "10.0.0.7", tenant),
        RULES,
        number="5550777",
        agent="1001",
        due_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    )
    return dialer, ops, registry, agents, int(row["id"])


def _start(kind: str, channel_id: str, callback_id: int) -> Any:
    return parse_event(
        {"type": "StasisStart", "args": [kind, str(callback_id)], "channel": {"id": channel_id}}
    )


def _gone(channel_id: str) -> Any:
    return parse_event({"type": "ChannelDestroyed", "channel": {"id": channel_id}})


async def _state(callback_id: int) -> tuple[str, int, str]:
    row = await Callback.get(id=callback_id)
    return row.state, row.attempts, row.last_result


ACTOR = Actor("agent1001", "10.0.0.7", None)


async def test_given_a_callback_placed_then_the_agent_rings_first_then_the_caller_then_both_talk(
    seeded: Settings,
) -> None:
    dialer, ops, registry, agents, cid = await _setup()
    placed = await dialer.place(await home_tenant_id(), cid, None, ACTOR)
    assert placed["state"] == core.RINGING_AGENT
    (ring,) = ops.of(Originate)
    assert (ring.endpoint, ring.app_args) == ("PJSIP/1001", ("callback-agent", str(cid)))
    assert registry.owner(ring.channel_id) is not None, "owned before it can end"
    assert (agents.state, agents.reason) == ("not_ready", "callback")
    assert await AuditEntry.filter(action="callback_placed", object_id=str(cid)).exists()

    await dialer.agent_answered(_start("callback-agent", ring.channel_id, cid))
    bridge = ops.of(CreateBridge)[0].bridge_id
    assert [(a.bridge_id, a.channel_id) for a in ops.of(AddToBridge)] == [(bridge, ring.channel_id)]
    assert ops.of(PlayMedia)[0].media == ("tone:ring",), "the agent hears the caller's phone ring"
    dial = ops.of(Originate)[1]
    assert (dial.endpoint, dial.app_args) == (
        "Local/5550777@to-pstn/n",
        ("callback-customer", str(cid)),
    )
    assert (await _state(cid))[0] == core.DIALING

    await dialer.customer_answered(_start("callback-customer", dial.channel_id, cid))
    assert ops.of(StopMedia) and ops.of(AddToBridge)[-1].channel_id == dial.channel_id
    assert (await _state(cid))[0] == core.CONNECTED

    await registry.dispatch(_gone(dial.channel_id))
    assert await _state(cid) == (core.DONE, 0, "completed")
    assert [h.channel_id for h in ops.of(HangUp)] == [ring.channel_id], "the agent's leg ends too"
    assert ops.of(DestroyBridge) and len(registry) == 0
    assert agents.state == "ready", "ready again, as before"
    assert dialer.placing == {}


async def test_given_the_agent_does_not_answer_then_it_stays_due_and_no_attempt_counts(
    seeded: Settings,
) -> None:
    dialer, ops, registry, agents, cid = await _setup()
    await dialer.place(await home_tenant_id(), cid, None, ACTOR)
    await registry.dispatch(_gone(ops.of(Originate)[0].channel_id))
    assert await _state(cid) == (core.SCHEDULED, 0, "agent_not_reached")
    assert agents.state == "ready" and len(registry) == 0


async def test_given_the_caller_is_not_reached_then_it_is_due_again_later_with_one_attempt(
    seeded: Settings,
) -> None:
    dialer, ops, registry, agents, cid = await _setup(state="not_ready")
    due = (await Callback.get(id=cid)).due_at
    await dialer.place(await home_tenant_id(), cid, None, ACTOR)
    ring = ops.of(Originate)[0]
    await dialer.agent_answered(_start("callback-agent", ring.channel_id, cid))
    await registry.dispatch(_gone(ops.of(Originate)[1].channel_id))
    state, attempts, result = await _state(cid)
    assert (state, attempts, result) == (core.SCHEDULED, 1, "customer_not_reached")
    assert (await Callback.get(id=cid)).due_at > due
    # Paused before (not ready), so the callback leaves them as they were.
    assert agents.state == "not_ready" and len(registry) == 0
    assert await AuditEntry.filter(action="callback_ended", object_id=str(cid)).exists()


async def test_given_an_agent_on_a_call_or_a_cancelled_callback_then_placing_is_refused(
    seeded: Settings,
) -> None:
    dialer, ops, _, agents, cid = await _setup(state="on_call")
    with pytest.raises(InvalidRequest) as busy:
        await dialer.place(await home_tenant_id(), cid, None, ACTOR)
    assert busy.value.details == {"field": "agent"}
    agents.state = "ready"
    await services.cancel(await home_tenant_id(), cid, ACTOR)
    with pytest.raises(InvalidRequest) as cancelled:
        await dialer.place(await home_tenant_id(), cid, None, ACTOR)
    assert cancelled.value.details == {"field": "callback"}
    assert ops.ran == [] and agents.state == "ready"


async def test_given_a_stray_start_then_it_is_hung_up(seeded: Settings) -> None:
    dialer, ops, _, _, cid = await _setup()
    await dialer.agent_answered(_start("callback-agent", "hl-cba-x", cid))
    await dialer.customer_answered(_start("callback-customer", "hl-cbc-x", 999))
    assert [h.channel_id for h in ops.of(HangUp)] == ["hl-cba-x", "hl-cbc-x"]


async def test_given_hotline_stops_mid_call_then_the_callback_is_done_and_legs_are_down(
    seeded: Settings,
) -> None:
    dialer, ops, registry, agents, cid = await _setup()
    await dialer.place(await home_tenant_id(), cid, None, ACTOR)
    ring = ops.of(Originate)[0]
    await dialer.agent_answered(_start("callback-agent", ring.channel_id, cid))
    dial = ops.of(Originate)[1]
    await dialer.customer_answered(_start("callback-customer", dial.channel_id, cid))
    await dialer.stop_all()
    assert (await _state(cid))[0] == core.DONE
    assert {h.channel_id for h in ops.of(HangUp)} == {ring.channel_id, dial.channel_id}
    assert len(registry) == 0 and agents.state == "ready"
