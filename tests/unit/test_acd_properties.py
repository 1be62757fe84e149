"""Property tests of the ACD invariants.

A stateful machine drives random event sequences and checks every command
against a model built only from the commands themselves:

* an agent is never offered two calls at once, and is only offered while
  reported ready with a registered phone;
* FIFO within a priority: when a caller is offered, no caller of the same
  queue and priority who ranks earlier (joined earlier) is left waiting
  un-offered;
* every caller that enters leaves with exactly one final CallerLeft, with
  CallerQueued/CallerLeft strictly alternating per queue visit, also when
  callers bring their own max wait and queues are removed live.

A simulation checks that nobody starves while an agent keeps answering and
that, with reliable agents, calls are answered in arrival order per priority.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ari_apps.acd import (
    OUTCOMES,
    Acd,
    AgentDeviceChanged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotLoggedInError,
    AgentNotReady,
    AgentPauseToggled,
    AgentReady,
    AgentStateChanged,
    CallEnded,
    CallerAbandoned,
    CallerArrived,
    CallerLeft,
    CallerOptions,
    CallerQueued,
    CancelOffer,
    Command,
    ConnectCall,
    Event,
    OfferAnswered,
    OfferCall,
    OfferFailed,
    OverflowTarget,
    QueueConfig,
    QueueInUseError,
    QueueRemoved,
    Tick,
    UnknownQueueError,
)
from ari_apps.acd.commands import Announce
from ari_apps.acd.events import CallerChoseCallback, KeptPlaceAnswered, KeptPlaceUnreached
from ari_apps.acd.strategies import STRATEGIES
from tests.unit.test_acd_helpers import T0, agent

AGENT_IDS = ("a1", "a2", "a3", "a4")
QUEUE_NAMES = ("sales", "support", "vip")
VIP_NUMBER = "+100"


def build_queues(strategies: list[str]) -> list[QueueConfig]:
    return [
        QueueConfig(
            "sales",
            strategy=strategies[0],
            ring_timeout_s=15,
            wrapup_s=5,
            max_wait_s=120,
            overflow=OverflowTarget("queue", "support"),
            announce_position_every_s=30,
            announce_ewt=True,
            max_misses_before_not_ready=2,
            vip_caller_ids=frozenset({VIP_NUMBER}),
            vip_priority=5,
        ),
        QueueConfig(
            "support",
            strategy=strategies[1],
            ring_timeout_s=20,
            max_wait_s=300,
            overflow=OverflowTarget("voicemail", "support-vm"),
            leave_empty=True,
            required_skills={"tech": 2},
        ),
        QueueConfig(
            "vip",
            strategy=strategies[2],
            ring_timeout_s=10,
            join_empty=False,
            wrapup_s=10,
        ),
    ]


AGENTS = [
    agent("a1", queues=("sales", "support"), skills={"tech": 3}),
    agent("a2", queues=("sales",)),
    agent("a3", queues=("support", "vip"), skills={"tech": 2}),
    agent("a4", queues=("sales", "support", "vip"), skills={"tech": 1}),
]


@dataclass
class Model:
    """What the commands so far say about the world."""

    # Caller -> (joined_at, arrival index), fixed at arrival.
    rank: dict[str, tuple[float, int]] = field(default_factory=dict)
    # Caller -> (queue, priority) while queued.
    queued: dict[str, tuple[str, int]] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)
    offers: dict[str, str] = field(default_factory=dict)  # agent -> call
    agent_state: dict[str, str] = field(default_factory=dict)
    registered: dict[str, bool] = field(default_factory=dict)
    connected: dict[str, str] = field(default_factory=dict)  # call -> agent
    # Kept places (virtual hold) whose caller has not been reached yet.
    kept: set[str] = field(default_factory=set)

    def ringing_calls(self) -> set[str]:
        return set(self.offers.values())

    def apply(self, commands: list[Command]) -> None:
        for command in commands:
            match command:
                case OfferCall() if self.offers.get(command.agent_id) == command.call_id:
                    # The reserved agent of a kept place rung once its caller is back.
                    assert command.call_id in self.kept and not command.kept_place
                    self.kept.discard(command.call_id)
                case OfferCall():
                    self._check_offer(command)
                    assert command.kept_place == (command.call_id in self.kept)
                    if command.kept_place:
                        assert command.call_id not in self.ringing_calls(), "a place reserves one"
                    self.offers[command.agent_id] = command.call_id
                case Announce():
                    assert command.call_id not in self.kept, "nobody on the line to tell"
                case CancelOffer():
                    assert self.offers.pop(command.agent_id) == command.call_id
                case ConnectCall():
                    assert self.offers.pop(command.agent_id) == command.call_id
                    self.connected[command.call_id] = command.agent_id
                case AgentStateChanged():
                    self.agent_state[command.agent_id] = command.state
                case CallerQueued():
                    assert command.call_id not in self.queued
                    assert command.call_id not in self.final
                    self.queued[command.call_id] = (command.queue, command.priority)
                case CallerLeft():
                    self._check_left(command)
        # Nobody rings for a caller who has left.
        assert self.ringing_calls() <= set(self.queued)

    def _check_offer(self, offer: OfferCall) -> None:
        assert offer.agent_id not in self.offers, "agent offered two calls at once"
        assert self.registered.get(offer.agent_id, False), "offered while unregistered"
        assert self.agent_state.get(offer.agent_id) == "ready", "offered while not ready"
        assert offer.call_id in self.queued
        queue, priority = self.queued[offer.call_id]
        assert queue == offer.queue
        ringing = self.ringing_calls()
        for other, (other_queue, other_priority) in self.queued.items():
            same_group = other_queue == queue and other_priority == priority
            if same_group and other not in ringing and other != offer.call_id:
                assert self.rank[other] > self.rank[offer.call_id], "FIFO broken"

    def _check_left(self, left: CallerLeft) -> None:
        assert left.outcome in OUTCOMES
        if left.call_id in self.kept:
            # A kept place waits for an agent: no max wait, no leave-empty.
            assert left.outcome in ("callback_unreached", "abandoned") or (
                left.reason == "queue_removed"
            ), left
            if left.is_final:
                self.kept.discard(left.call_id)
        assert left.call_id not in self.final, "caller left twice"
        if left.call_id in self.queued:
            assert self.queued.pop(left.call_id)[0] == left.queue
        else:
            assert (left.outcome, left.reason) == ("rejected", "join_empty")
        if left.is_final:
            self.final[left.call_id] = left.outcome
        else:
            assert left.outcome == "overflowed"


class AcdMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.model = Model()
        self.acd = Acd()
        self.arrivals = 0
        self.removed: set[str] = set()

    @initialize(
        strategies=st.lists(st.sampled_from(sorted(STRATEGIES)), min_size=3, max_size=3),
        seed=st.integers(0, 1000),
    )
    def configure(self, strategies: list[str], seed: int) -> None:
        self.acd = Acd(build_queues(strategies), AGENTS, random.Random(seed))

    def send(self, event: Event) -> None:
        self.model.apply(self.acd.handle(event))

    @rule(
        queue=st.sampled_from(QUEUE_NAMES),
        priority=st.integers(0, 1),
        vip=st.booleans(),
        waited=st.sampled_from([None, 0.0, 40.0, 200.0]),
        own_max_wait=st.sampled_from([None, 30.0, 150.0]),
        kept_place=st.booleans(),
    )
    def caller_arrives(
        self,
        queue: str,
        priority: int,
        vip: bool,
        waited: float | None,
        own_max_wait: float | None,
        kept_place: bool,
    ) -> None:
        call_id = f"c{self.arrivals}"
        joined_at = None if waited is None else self.now - waited
        caller_id = VIP_NUMBER if vip else "+200"
        event = CallerArrived(
            self.now,
            call_id,
            queue,
            priority,
            caller_id,
            joined_at,
            options=CallerOptions(max_wait_s=own_max_wait),
            kept_place=kept_place,
        )
        if queue in self.removed:
            try:
                self.send(event)
            except UnknownQueueError:
                return
            raise AssertionError("a removed queue took a caller")
        self.model.rank[call_id] = (joined_at if joined_at is not None else self.now, self.arrivals)
        self.arrivals += 1
        if kept_place:
            self.model.kept.add(call_id)
        self.send(event)

    @precondition(lambda self: bool(set(self.model.queued) - self.model.kept))
    @rule(data=st.data())
    def caller_chooses_callback(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(set(self.model.queued) - self.model.kept)))
        self.send(CallerChoseCallback(self.now, call_id))
        assert self.model.final[call_id] == "callback"

    @precondition(lambda self: bool(self.model.kept & self.model.ringing_calls()))
    @rule(data=st.data(), reached=st.booleans())
    def kept_place_called_back(self, data: st.DataObject, reached: bool) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.model.kept & self.model.ringing_calls())))
        if reached:
            self.send(KeptPlaceAnswered(self.now, call_id))
            assert call_id not in self.model.kept, "the reserved agent is rung"
        else:
            agent_id = next(a for a, c in self.model.offers.items() if c == call_id)
            self.send(KeptPlaceUnreached(self.now, call_id))
            assert self.model.final[call_id] == "callback_unreached"
            assert self.acd.agent_status(agent_id).state in ("ready", "ringing")

    @rule(name=st.sampled_from(QUEUE_NAMES))
    def queue_removed(self, name: str) -> None:
        overflowed_into = name == "support" and "sales" not in self.removed
        try:
            self.send(QueueRemoved(self.now, name))
        except UnknownQueueError:
            assert name in self.removed
            return
        except QueueInUseError:
            assert overflowed_into
            return
        assert not overflowed_into and name not in self.removed
        self.removed.add(name)
        assert name not in self.acd.queue_names()
        assert not any(queue == name for queue, _ in self.model.queued.values())

    @precondition(lambda self: bool(self.model.queued or self.model.connected))
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        calls = sorted(set(self.model.queued) | set(self.model.connected))
        call_id = data.draw(st.sampled_from(calls))
        if call_id in self.model.connected:
            del self.model.connected[call_id]
        self.send(CallerAbandoned(self.now, call_id))

    @rule(agent_id=st.sampled_from(AGENT_IDS), registered=st.booleans())
    def phone_registration(self, agent_id: str, registered: bool) -> None:
        self.model.registered[agent_id] = registered
        self.send(AgentDeviceChanged(self.now, agent_id, registered))

    @rule(agent_id=st.sampled_from(AGENT_IDS), ready=st.booleans())
    def login(self, agent_id: str, ready: bool) -> None:
        self.send(AgentLoggedIn(self.now, agent_id, ready))

    @rule(agent_id=st.sampled_from(AGENT_IDS))
    def logout(self, agent_id: str) -> None:
        self.send(AgentLoggedOut(self.now, agent_id))

    @rule(
        agent_id=st.sampled_from(AGENT_IDS),
        kind=st.sampled_from(["ready", "not_ready", "toggle"]),
    )
    def agent_button(self, agent_id: str, kind: str) -> None:
        event: Event
        if kind == "ready":
            event = AgentReady(self.now, agent_id)
        elif kind == "not_ready":
            event = AgentNotReady(self.now, agent_id, "break")
        else:
            event = AgentPauseToggled(self.now, agent_id)
        try:
            self.send(event)
        except AgentNotLoggedInError:
            assert self.model.agent_state.get(agent_id, "logged_out") == "logged_out"

    @precondition(lambda self: any(c not in self.model.kept for c in self.model.offers.values()))
    @rule(data=st.data(), answer=st.booleans())
    def agent_phone_reacts(self, data: st.DataObject, answer: bool) -> None:
        # A kept place's agent is reserved, not rung, until its caller is back.
        rung = sorted(a for a, c in self.model.offers.items() if c not in self.model.kept)
        agent_id = data.draw(st.sampled_from(rung))
        call_id = self.model.offers[agent_id]
        if answer:
            self.send(OfferAnswered(self.now, call_id, agent_id))
        else:
            del self.model.offers[agent_id]  # the adapter reports, the core cancels nothing
            self.send(OfferFailed(self.now, call_id, agent_id, "busy"))

    @precondition(lambda self: bool(self.model.connected))
    @rule(data=st.data())
    def call_ends(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.model.connected)))
        agent_id = self.model.connected.pop(call_id)
        self.send(CallEnded(self.now, call_id, agent_id))

    @rule(seconds=st.sampled_from([0.5, 3.0, 12.0, 45.0, 130.0]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        self.send(Tick(self.now))

    @precondition(lambda self: self.acd.next_deadline() is not None)
    @rule()
    def tick_at_next_deadline(self) -> None:
        deadline = self.acd.next_deadline()
        assert deadline is not None
        self.now = max(self.now, deadline)
        self.send(Tick(self.now))
        assert (self.acd.next_deadline() or float("inf")) > self.now

    @invariant()
    def core_agrees_with_model(self) -> None:
        ringing = self.model.ringing_calls()
        for call_id in self.model.queued:
            expected = "ringing" if call_id in ringing else "waiting"
            assert self.acd.call_state(call_id) == expected
        for call_id in self.model.final:
            if call_id not in self.model.connected:
                assert self.acd.call_state(call_id) in (None, "connected")
        for agent_id in AGENT_IDS:
            status = self.acd.agent_status(agent_id)
            assert status.state == self.model.agent_state.get(agent_id, "logged_out")
            assert status.offered_call_id == self.model.offers.get(agent_id)
        # The index the deadlines read instead of every agent is never stale.
        in_wrap_up = {a for a in AGENT_IDS if self.model.agent_state.get(a) == "wrap_up"}
        assert self.acd._state.wrapping_up == in_wrap_up
        # So is the heap of wrap-up ends that the next deadline is read from.
        state = self.acd._state
        ends = [state.agents[a].wrapup_ends_at for a in in_wrap_up]
        expected_end = min((end for end in ends if end is not None), default=None)
        assert state.earliest_wrap_up_end() == expected_end

    def teardown(self) -> None:
        for call_id in sorted(self.model.queued):
            self.send(CallerAbandoned(self.now, call_id))
        # Every caller that arrived has left exactly once (checked on the way).
        assert set(self.model.final) == set(self.model.rank)
        assert not self.model.offers


AcdMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAcdInvariants = AcdMachine.TestCase
