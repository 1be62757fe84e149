"""``make bench-acd``: how long the pure ACD core takes to route, at size.

500 callers wait across 20 queues; 200 agents, each a member of 3 queues,
are logged in but not ready.  Each round one agent becomes ready: the core
picks the caller that agent should get (across its queues, by priority and
wait) and offers the call.  That ``Acd.handle(AgentReady)`` is the routing
decision measured.  The offer is then answered and the call ended, the agent
made not ready again, and a new caller joins, so every round decides among
500 waiting callers.  No I/O: this is the decision alone, which runs under
the ACD's lock while other calls wait (target: p99 < 2 ms).

Run: ``python -m tests.bench.acd_core [--rounds N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from itertools import count

from ari_apps.acd import Acd
from ari_apps.acd.commands import OfferCall
from ari_apps.acd.config import AgentConfig, QueueConfig
from ari_apps.acd.events import (
    AgentDeviceChanged,
    AgentLoggedIn,
    AgentNotReady,
    AgentReady,
    CallEnded,
    CallerArrived,
    OfferAnswered,
)

QUEUES = 20
AGENTS = 200
QUEUES_PER_AGENT = 3
WAITING = 500
TARGET_P99_MS = 2.0


def build(rng: random.Random) -> tuple[Acd, list[str], list[str]]:
    queues = [f"q{index:02d}" for index in range(QUEUES)]
    agents = [f"a{index:03d}" for index in range(AGENTS)]
    acd = Acd(
        [QueueConfig(name, ring_timeout_s=15) for name in queues],
        [
            AgentConfig(agent, f"1{index:03d}", queues=tuple(rng.sample(queues, QUEUES_PER_AGENT)))
            for index, agent in enumerate(agents)
        ],
        rng=random.Random(1),
    )
    for agent in agents:
        acd.handle(AgentLoggedIn(0.0, agent, ready=False))
        acd.handle(AgentDeviceChanged(0.0, agent, registered=True))
    return acd, queues, agents


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(rounds: int) -> dict[str, float]:
    rng = random.Random(0)
    acd, queues, agents = build(rng)
    call_ids = count()
    now = 1.0

    def arrive() -> None:
        acd.handle(
            CallerArrived(now, f"c{next(call_ids)}", rng.choice(queues), priority=rng.randint(0, 2))
        )

    for _ in range(WAITING):
        arrive()
        now += 0.01
    decisions: list[float] = []
    for _ in range(rounds):
        agent = rng.choice(agents)
        now += 0.5
        started = time.perf_counter()
        commands = acd.handle(AgentReady(now, agent))
        decisions.append((time.perf_counter() - started) * 1000)
        offers = [c for c in commands if isinstance(c, OfferCall)]
        if len(offers) != 1:
            raise AssertionError(f"agent {agent} got {len(offers)} offers: {commands}")
        call_id = offers[0].call_id
        acd.handle(OfferAnswered(now + 0.1, call_id, agent))
        acd.handle(CallEnded(now + 0.2, call_id, agent))
        acd.handle(AgentNotReady(now + 0.2, agent, "bench"))
        arrive()
    return {
        "p50_ms": statistics.median(decisions),
        "p99_ms": percentile(decisions, 0.99),
        "max_ms": max(decisions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args()
    result = run(args.rounds)
    print(
        f"ACD routing decision: {WAITING} waiting x {AGENTS} agents x {QUEUES} queues,"
        f" {args.rounds} decisions"
    )
    print(f"{'':10}{'measured':>10}{'target':>10}")
    print(f"{'p50 ms':10}{result['p50_ms']:>10.3f}{'':>10}")
    print(f"{'p99 ms':10}{result['p99_ms']:>10.3f}{TARGET_P99_MS:>10.3f}")
    print(f"{'max ms':10}{result['max_ms']:>10.3f}{'':>10}")
    verdict = "met" if result["p99_ms"] < TARGET_P99_MS else "MISSED"
    print(f"target p99 < {TARGET_P99_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
