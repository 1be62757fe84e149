"""Simulated traffic: nobody starves, and reliable agents answer in arrival order."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from ari_apps.acd import (
    Acd,
    CallEnded,
    CallerArrived,
    CallerLeft,
    CallerQueued,
    Command,
    ConnectCall,
    Event,
    OfferAnswered,
    OfferCall,
    OfferFailed,
    QueueConfig,
    Tick,
)
from tests.unit.test_acd_helpers import T0, agent, bring_online

Arrival = tuple[float, str, int]  # gap before arrival, queue, priority


@dataclass
class Simulation:
    acd: Acd
    flaky_agents: frozenset[str]
    rng: random.Random
    talk_times: list[int]
    events: list[tuple[float, int, Event]] = field(default_factory=list)
    sequence: itertools.count[int] = field(default_factory=itertools.count)
    final: dict[str, str] = field(default_factory=dict)
    group: dict[str, tuple[str, int]] = field(default_factory=dict)
    connected_order: list[str] = field(default_factory=list)

    def schedule(self, at: float, event: Event) -> None:
        heapq.heappush(self.events, (at, next(self.sequence), event))

    def run(self, max_steps: int = 5_000) -> None:
        for _ in range(max_steps):
            deadline = self.acd.next_deadline()
            next_event_at = self.events[0][0] if self.events else None
            if deadline is None and next_event_at is None:
                return
            if next_event_at is not None and (deadline is None or next_event_at <= deadline):
                now, _, event = heapq.heappop(self.events)
            else:
                assert deadline is not None
                now, event = deadline, Tick(deadline)
            self.react(now, self.acd.handle(event))
        raise AssertionError("simulation did not settle")

    def react(self, now: float, commands: Sequence[Command]) -> None:
        for command in commands:
            match command:
                case OfferCall(call_id=call_id, agent_id=agent_id):
                    if agent_id in self.flaky_agents and self.rng.random() < 0.6:
                        self.schedule(now + 2, OfferFailed(now + 2, call_id, agent_id))
                    else:
                        self.schedule(now + 1, OfferAnswered(now + 1, call_id, agent_id))
                case ConnectCall(call_id=call_id, agent_id=agent_id):
                    self.connected_order.append(call_id)
                    ends = now + self.talk_times[len(self.connected_order) % len(self.talk_times)]
                    self.schedule(ends, CallEnded(ends, call_id, agent_id))
                case CallerQueued(call_id=call_id, queue=queue, priority=priority):
                    self.group[call_id] = (queue, priority)
                case CallerLeft() if command.is_final:
                    assert command.call_id not in self.final
                    self.final[command.call_id] = command.outcome


def build(flaky: bool, seed: int, talk_times: list[int]) -> Simulation:
    queues = [
        QueueConfig("sales", strategy="longest-idle", wrapup_s=5, max_wait_s=900),
        QueueConfig("support", strategy="round-robin", ring_timeout_s=10),
    ]
    steady = ["steady1", "steady2"]
    flaky_ids = ["flaky1", "flaky2"] if flaky else []
    agents = [agent(a, queues=("sales", "support")) for a in steady + flaky_ids]
    acd = Acd(queues, agents, random.Random(seed))
    for agent_id in steady + flaky_ids:
        bring_online(acd, agent_id, T0)
    return Simulation(acd, frozenset(flaky_ids), random.Random(seed), talk_times)


arrivals_strategy = st.lists(
    st.tuples(
        st.sampled_from([0.0, 1.0, 5.0, 20.0, 90.0]),
        st.sampled_from(["sales", "support"]),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=30,
)
talk_strategy = st.lists(st.integers(5, 400), min_size=1, max_size=5)


def schedule_arrivals(sim: Simulation, arrivals: list[Arrival]) -> list[str]:
    at = T0
    call_ids = []
    for index, (gap, queue, priority) in enumerate(arrivals):
        at += gap
        call_id = f"c{index:03d}"
        call_ids.append(call_id)
        sim.schedule(at, CallerArrived(at, call_id, queue, priority))
    return call_ids


@settings(max_examples=60, deadline=None)
@given(
    arrivals=arrivals_strategy,
    talk_times=talk_strategy,
    flaky=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_given_agents_keep_answering_then_every_caller_is_answered_or_times_out(
    arrivals: list[Arrival], talk_times: list[int], flaky: bool, seed: int
) -> None:
    sim = build(flaky, seed, talk_times)
    call_ids = schedule_arrivals(sim, arrivals)
    sim.run()
    assert set(sim.final) == set(call_ids)
    for call_id, outcome in sim.final.items():
        queue = sim.group[call_id][0]
        allowed = {"answered", "timed_out"} if queue == "sales" else {"answered"}
        assert outcome in allowed, (call_id, outcome)
    # Nothing is left behind in the core.
    assert all(sim.acd.call_state(c) is None for c in call_ids)


@settings(max_examples=60, deadline=None)
@given(arrivals=arrivals_strategy, talk_times=talk_strategy, seed=st.integers(0, 10_000))
def test_given_reliable_agents_then_answer_order_is_arrival_order_within_priority(
    arrivals: list[Arrival], talk_times: list[int], seed: int
) -> None:
    sim = build(flaky=False, seed=seed, talk_times=talk_times)
    schedule_arrivals(sim, arrivals)
    sim.run()
    answered_by_group: dict[tuple[str, int], list[str]] = {}
    for call_id in sim.connected_order:
        answered_by_group.setdefault(sim.group[call_id], []).append(call_id)
    for answered in answered_by_group.values():
        # Call ids are numbered in arrival order.
        assert answered == sorted(answered)
