"""Monitoring: the pure core's table and attachments, the service's ARI
operations for each mode and every way a session ends (against a fake
executor and the real channel registry), and the wallboard's and API's
thin layer (against the stand-in center).  The real-call test with tones is
tests/integration/test_monitoring.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.acd.conversations import Conversation
from ari_apps.ari.errors import AriNotFound
from ari_apps.ari.events import parse_event
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import (
    AddToBridge,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    RemoveFromBridge,
    Snoop,
)
from ari_apps.monitoring import core
from ari_apps.monitoring import services as monitoring_services
from ari_apps.monitoring.services import MonitorService
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models import AuditEntry, User
from hotline.settings import Settings
from tests.unit.ui_support import UiClient

# -- the core ---------------------------------------------------------------------------


def test_given_each_mode_then_its_attachment_is_what_asterisk_needs() -> None:
    listen, whisper, barge = (core.attachment_for(m) for m in core.MODES)
    # Listen: hears the agent and what the agent hears; says nothing.
    assert (listen.snoop_spy, listen.snoop_whisper) == ("both", "none")
    # Whisper: speaks into what the agent hears ("out"), never to the caller.
    assert (whisper.snoop_spy, whisper.snoop_whisper) == ("both", "out")
    assert barge.joins_conversation and not listen.joins_conversation
    with pytest.raises(core.UnknownMode):
        core.attachment_for("spy")


def _reachable(start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in core.TRANSITIONS[todo.pop()].values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_given_the_table_then_every_state_is_reachable_and_can_end() -> None:
    assert set(core.TRANSITIONS) == set(core.STATES)
    assert _reachable(core.RINGING) == set(core.STATES)
    for state in core.STATES:
        assert core.ENDED in _reachable(state), f"{state} can never end"
    assert core.TRANSITIONS[core.ENDED] == {}
    for moves in core.TRANSITIONS.values():
        assert set(moves) <= set(core.EVENTS) and set(moves.values()) <= set(core.STATES)


@given(st.lists(st.sampled_from(core.EVENTS), max_size=30))
def test_given_any_events_then_a_session_only_moves_by_the_table(events: list[str]) -> None:
    state = core.RINGING
    for event in events:
        if core.takes(state, event):
            state = core.next_state(state, event)
            assert state in core.STATES
        else:
            with pytest.raises(core.InvalidTransition):
                core.next_state(state, event)
    # Whatever happened, a stop ends a live session, and an ended one stays ended.
    if state != core.ENDED:
        assert core.next_state(state, core.STOPPED) == core.ENDED
    assert not core.takes(core.ENDED, core.STOPPED)


@given(st.text(max_size=12).filter(lambda s: s not in core.STATES), st.sampled_from(core.EVENTS))
def test_given_an_unknown_state_then_no_event_moves_it(state: str, event: str) -> None:
    with pytest.raises(core.InvalidTransition):
        core.next_state(state, event)


# -- the service --------------------------------------------------------------------------
CONVERSATION = Conversation(
    "caller-1;2", "caller-1;2", "hl-agent-1001-1", "hl-q-caller-1;2", "support", "1001", "5550100"
)
ACTOR = Actor("supervisor", "10.0.0.9", None)


class FakeBridges:
    """Asterisk as monitoring asks it whether a channel has left a bridge:
    the bridge is gone (as after the supervisor's removal)."""

    async def get_bridge(self, bridge_id: str) -> dict[str, Any]:
        raise AriNotFound(404, "GET", f"/bridges/{bridge_id}", "Bridge not found")


class FakeOps:
    """Records operations; a snoop's StasisStart follows its request, as in Asterisk."""

    def __init__(self, *, snoop_starts: bool = True) -> None:
        self.ari = FakeBridges()
        self.ran: list[Any] = []
        self.snoop_starts = snoop_starts
        self.service: MonitorService | None = None

    async def run(self, op: Any) -> None:
        self.ran.append(op)
        if isinstance(op, Snoop) and self.snoop_starts and self.service is not None:
            event = parse_event(
                {
                    "type": "StasisStart",
                    "args": op.app_args.split(","),
                    "channel": {"id": op.snoop_id, "name": "Snoop/x"},
                }
            )
            asyncio.get_running_loop().call_soon(self.service.snoop_started, event)

    async def run_best_effort(self, op: Any) -> None:
        self.ran.append(op)

    def of(self, kind: type) -> list[Any]:
        return [op for op in self.ran if isinstance(op, kind)]


async def _service(ops: FakeOps, talking: bool = True) -> tuple[MonitorService, ChannelRegistry]:
    registry = ChannelRegistry()
    service = MonitorService(ops, registry, "hotline", EventBus(), new_token=lambda: "t")  # type: ignore[arg-type]
    ops.service = service
    if talking:
        await service.conversation_started(CONVERSATION)
    return service, registry


def _stasis_start(channel_id: str, session_id: str) -> Any:
    return parse_event(
        {
            "type": "StasisStart",
            "args": ["monitor", session_id],
            "channel": {"id": channel_id, "name": "PJSIP/1009-0001"},
        }
    )


async def _answered(service: MonitorService, session_id: str) -> None:
    await service.supervisor_answered(_stasis_start(f"hl-mon-{session_id}", session_id))


async def test_given_an_agent_on_a_call_when_listening_then_the_supervisor_hears_through_a_snoop(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, registry = await _service(ops)
    session = await service.start("1001", "1009", "listen", ACTOR)
    sid = session["session_id"]
    (ring,) = ops.of(Originate)
    assert (ring.endpoint, ring.app_args) == ("PJSIP/1009", ("monitor", sid))
    assert registry.owner(f"hl-mon-{sid}") is not None, "owned before it can end"
    started = await AuditEntry.get(action="monitor_started")
    assert (started.username, started.ip, started.object_id) == ("supervisor", "10.0.0.9", sid)
    assert started.after == {
        "agent": "1001",
        "supervisor": "1009",
        "mode": "listen",
        "call_id": "caller-1;2",
    }

    await _answered(service, sid)
    (snoop,) = ops.of(Snoop)
    assert (snoop.channel_id, snoop.spy, snoop.whisper) == ("hl-agent-1001-1", "both", "none")
    bridge = ops.of(CreateBridge)[0].bridge_id
    assert bridge.startswith(f"hl-monb-{sid}-")
    assert [(a.bridge_id, a.channel_id) for a in ops.of(AddToBridge)] == [
        (bridge, f"hl-mon-{sid}"),
        (bridge, snoop.snoop_id),
    ]
    assert service.session_list()[0]["state"] == core.ACTIVE
    assert registry.owner(snoop.snoop_id) is not None


async def test_given_whisper_then_the_snoop_speaks_to_the_agent_only(seeded: Settings) -> None:
    ops = FakeOps()
    service, _ = await _service(ops)
    sid = (await service.start("1001", "1009", "whisper", ACTOR))["session_id"]
    await _answered(service, sid)
    (snoop,) = ops.of(Snoop)
    assert (snoop.spy, snoop.whisper) == ("both", "out")


async def test_given_barge_then_the_supervisor_joins_the_conversation_bridge(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, _ = await _service(ops)
    sid = (await service.start("1001", "1009", "barge", ACTOR))["session_id"]
    await _answered(service, sid)
    assert ops.of(Snoop) == [] and ops.of(CreateBridge) == []
    assert [(a.bridge_id, a.channel_id) for a in ops.of(AddToBridge)] == [
        ("hl-q-caller-1;2", f"hl-mon-{sid}")
    ]


async def test_given_a_live_session_when_the_mode_changes_then_the_old_attachment_goes(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, registry = await _service(ops)
    sid = (await service.start("1001", "1009", "listen", ACTOR))["session_id"]
    await _answered(service, sid)
    (snoop,) = ops.of(Snoop)
    bridge = ops.of(CreateBridge)[0].bridge_id
    ops.ran.clear()
    changed = await service.change_mode(sid, "barge", Actor("boss", "10.0.0.7", None))
    assert changed["mode"] == "barge" and changed["state"] == core.ACTIVE
    # Out of its own bridge (and seen out) before it joins the conversation.
    assert ops.ran == [
        HangUp(snoop.snoop_id),
        RemoveFromBridge(bridge, f"hl-mon-{sid}"),
        DestroyBridge(bridge),
        AddToBridge("hl-q-caller-1;2", f"hl-mon-{sid}"),
    ]
    assert registry.owner(snoop.snoop_id) is None
    entry = await AuditEntry.get(action="monitor_mode_changed")
    assert (entry.username, entry.after["mode"]) == ("boss", "barge")

    ops.ran.clear()
    await service.change_mode(sid, "whisper", ACTOR)
    assert ops.ran[0] == RemoveFromBridge("hl-q-caller-1;2", f"hl-mon-{sid}")
    assert ops.of(Snoop)[0].whisper == "out"
    # A bridge of its own again, under a new id (Asterisk may still hold the old).
    assert ops.of(CreateBridge)[0].bridge_id not in (bridge, "")


async def test_given_listen_when_switching_to_whisper_then_only_the_snoop_is_swapped(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, _ = await _service(ops)
    sid = (await service.start("1001", "1009", "listen", ACTOR))["session_id"]
    await _answered(service, sid)
    old_snoop = ops.of(Snoop)[0].snoop_id
    bridge = ops.of(CreateBridge)[0].bridge_id
    ops.ran.clear()
    await service.change_mode(sid, "whisper", ACTOR)
    (new_snoop,) = ops.of(Snoop)
    assert ops.ran == [HangUp(old_snoop), new_snoop, AddToBridge(bridge, new_snoop.snoop_id)]
    assert new_snoop.whisper == "out"


async def test_given_the_conversation_ends_then_the_supervisor_is_hung_up_and_it_is_audited(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, registry = await _service(ops)
    sid = (await service.start("1001", "1009", "listen", ACTOR))["session_id"]
    await _answered(service, sid)
    snoop_id = ops.of(Snoop)[0].snoop_id
    await service.conversation_ended(CONVERSATION.call_id)
    hung_up = {op.channel_id for op in ops.of(HangUp)}
    assert hung_up == {snoop_id, f"hl-mon-{sid}"}
    assert [op.bridge_id for op in ops.of(DestroyBridge)] == [ops.of(CreateBridge)[0].bridge_id]
    assert service.sessions == {} and len(registry) == 0
    stopped = await AuditEntry.get(action="monitor_stopped")
    assert (stopped.username, stopped.after["why"]) == ("supervisor", "conversation_ended")


async def test_given_the_supervisor_hangs_up_then_the_session_ends_without_hanging_up_again(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, registry = await _service(ops)
    sid = (await service.start("1001", "1009", "whisper", ACTOR))["session_id"]
    await _answered(service, sid)
    snoop_id = ops.of(Snoop)[0].snoop_id
    await registry.dispatch(
        parse_event({"type": "ChannelDestroyed", "channel": {"id": f"hl-mon-{sid}"}})
    )
    assert [op.channel_id for op in ops.of(HangUp)] == [snoop_id]
    assert [op.bridge_id for op in ops.of(DestroyBridge)] == [ops.of(CreateBridge)[0].bridge_id]
    assert service.sessions == {}
    stopped = await AuditEntry.get(action="monitor_stopped")
    assert stopped.after["why"] == "supervisor_hung_up"


async def test_given_the_phone_is_never_answered_then_the_session_ends_as_not_answered(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, registry = await _service(ops)
    sid = (await service.start("1001", "1009", "listen", ACTOR))["session_id"]
    await registry.dispatch(
        parse_event({"type": "ChannelDestroyed", "channel": {"id": f"hl-mon-{sid}"}})
    )
    assert service.sessions == {} and ops.of(Snoop) == []
    assert (await AuditEntry.get(action="monitor_stopped")).after["why"] == "not_answered"


async def test_given_the_snoop_never_starts_then_the_session_ends_and_nothing_is_left(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring_services, "SNOOP_START_TIMEOUT_S", 0.05)
    ops = FakeOps(snoop_starts=False)
    service, registry = await _service(ops)
    sid = (await service.start("1001", "1009", "listen", ACTOR))["session_id"]
    await _answered(service, sid)
    snoop_id = ops.of(Snoop)[0].snoop_id
    assert {op.channel_id for op in ops.of(HangUp)} == {snoop_id, f"hl-mon-{sid}"}
    assert [op.bridge_id for op in ops.of(DestroyBridge)] == [ops.of(CreateBridge)[0].bridge_id]
    assert service.sessions == {} and len(registry) == 0
    assert (await AuditEntry.get(action="monitor_stopped")).after["why"] == "attach_failed"


async def test_given_a_stop_while_ringing_then_a_late_answer_is_hung_up(seeded: Settings) -> None:
    ops = FakeOps()
    service, _ = await _service(ops)
    sid = (await service.start("1001", "1009", "listen", ACTOR))["session_id"]
    await service.stop(sid, Actor("boss", "10.0.0.7", None))
    await _answered(service, sid)
    assert ops.of(Snoop) == []
    assert [op.channel_id for op in ops.of(HangUp)] == [f"hl-mon-{sid}", f"hl-mon-{sid}"]
    stopped = await AuditEntry.get(action="monitor_stopped")
    assert (stopped.username, stopped.ip, stopped.after["why"]) == ("boss", "10.0.0.7", "stopped")
    with pytest.raises(NotFound):
        await service.stop(sid, ACTOR)


@pytest.mark.parametrize(
    ("agent", "supervisor", "mode", "field"),
    [
        ("1002", "1009", "listen", "agent"),  # not on a call
        ("1001", "1001", "listen", "agent"),  # their own phone
        ("1001", "", "listen", "supervisor"),  # no phone to ring
        ("1001", "1009", "spy", "mode"),
    ],
)
async def test_given_a_bad_start_then_it_is_refused_naming_the_field_and_nothing_rings(
    seeded: Settings, agent: str, supervisor: str, mode: str, field: str
) -> None:
    ops = FakeOps()
    service, registry = await _service(ops)
    with pytest.raises(InvalidRequest) as refused:
        await service.start(agent, supervisor, mode, ACTOR)
    assert refused.value.details == {"field": field}
    assert ops.ran == [] and len(registry) == 0
    assert not await AuditEntry.filter(object_type="monitoring").exists()


async def test_given_a_phone_already_monitoring_then_a_second_session_is_refused(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, _ = await _service(ops)
    await service.start("1001", "1009", "listen", ACTOR)
    with pytest.raises(InvalidRequest, match="already monitoring"):
        await service.start("1001", "1009", "barge", ACTOR)


async def test_given_asterisk_refuses_the_ring_then_no_session_is_left(seeded: Settings) -> None:
    class RefusingOps(FakeOps):
        async def run(self, op: Any) -> None:
            raise AriNotFound(404, "POST", "/channels", "Endpoint not found")

    ops = RefusingOps()
    service, registry = await _service(ops)
    with pytest.raises(InvalidRequest, match="cannot be rung"):
        await service.start("1001", "1009", "listen", ACTOR)
    assert service.sessions == {} and len(registry) == 0


async def test_given_a_talking_agent_when_released_then_the_caller_is_hung_up_and_it_is_audited(
    seeded: Settings,
) -> None:
    ops = FakeOps()
    service, _ = await _service(ops)
    released = await service.release("1001", Actor("boss", "10.0.0.7", None))
    assert released["call_id"] == CONVERSATION.call_id
    assert ops.ran == [HangUp(CONVERSATION.caller_channel_id)]
    entry = await AuditEntry.get(action="call_force_released")
    assert (entry.username, entry.ip, entry.object_id) == ("boss", "10.0.0.7", "caller-1;2")
    with pytest.raises(InvalidRequest) as refused:
        await service.release("1002", ACTOR)
    assert refused.value.details == {"field": "agent"}


# -- the wallboard and the API (stand-in center) ----------------------------------------------
async def _supervisor_with_phone(ui: UiClient, extension: str | None = "1009") -> None:
    await ui.login("supervisor")
    await User.filter(username="supervisor").update(phone_extension=extension)
    await ui.login("supervisor")


async def test_given_a_supervisor_with_a_phone_when_starting_then_their_phone_rings_audited(
    ui: UiClient,
) -> None:
    ui.center.talking.add("1001")
    ui.center.agents["1001"]["state"] = "on_call"
    await _supervisor_with_phone(ui)
    page = await ui.get("/wallboard")
    assert 'data-testid="wallboard-monitor"' in page.text
    assert ui.last.context["monitor_agents"] == ["1001"]
    response = await ui.post(
        "/wallboard/monitor", {"agent": "1001", "mode": "whisper"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'data-testid="wallboard-monitor-session"' in response.text
    action, session_id, actor = ui.center.monitor_actions[-1]
    assert action == "start"
    session = ui.center.monitor_sessions[session_id]
    # The supervisor's own phone, never one picked in the form.
    assert (session["supervisor"], session["mode"]) == ("1009", "whisper")
    assert (actor.username, actor.source) == ("supervisor", "ui") and actor.ip

    stop = await ui.post(
        f"/wallboard/monitor/{session_id}/stop", {}, headers={"HX-Request": "true"}
    )
    assert stop.status_code == 200 and ui.center.monitor_sessions == {}


async def test_given_a_supervisor_without_a_phone_then_the_panel_says_so_and_nothing_rings(
    ui: UiClient,
) -> None:
    ui.center.talking.add("1001")
    await _supervisor_with_phone(ui, None)
    page = await ui.get("/wallboard")
    assert 'data-testid="wallboard-monitor-no-phone"' in page.text
    response = await ui.post("/wallboard/monitor", {"agent": "1001", "mode": "listen"})
    assert response.status_code == 400
    assert "supervisor:" in response.text
    assert ui.center.monitor_actions == []


async def test_given_an_agent_then_monitoring_is_neither_shown_nor_allowed(ui: UiClient) -> None:
    ui.center.talking.add("1002")
    await ui.login("agent")
    page = await ui.get("/wallboard")
    assert 'data-testid="wallboard-monitor"' not in page.text
    response = await ui.post("/wallboard/monitor", {"agent": "1002", "mode": "listen"})
    assert response.status_code == 403
    assert ui.center.monitor_actions == []


async def test_given_a_supervisor_when_ending_an_agents_call_then_it_is_done(ui: UiClient) -> None:
    ui.center.agents["1001"]["state"] = "on_call"
    await _supervisor_with_phone(ui)
    await ui.get("/wallboard")
    response = await ui.post(
        "/wallboard/monitor/release", {"agent": "1001"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    action, agent, actor = ui.center.monitor_actions[-1]
    assert (action, agent, actor.username) == ("release", "1001", "supervisor")
