"""``make bench-dialer``: the predictive pacer against the best fixed dial level.

A discrete-event simulation (one event heap, a seeded ``random.Random``) of
agents and the PSTN drives the real ``Pacer`` of ``ari_apps.campaigns.pacing``
through the events the dialer service would send it:

* every dialled call rings; with probability ``answer_rate`` a person answers
  after a lognormal ring (median 7 s), else it ends unanswered: a quarter
  busy or failed after 1-5 s, the rest at the 25 s ring timeout;
* a live answer goes to the agent free longest; with none free it waits, and
  is abandoned if no agent is free within 2 s (an agent ending wrap-up in
  that time takes it);
* talk time is lognormal (mean 120 s), then 10 s of wrap-up;
* agents are all logged in for the whole run and never not ready; the pacer
  gets a Tick every second and at its ``next_deadline()``.

Call k's outcome and the k-th conversation's length are the same draws in
every run of a scenario (common random numbers), so the pacers compare on the
same callees.  The baseline is a fixed dial level: the pacer in progressive
mode at that ratio (calls ringing per free agent), no lockout.  The best fixed
level is the one with the highest occupancy at no more than 3 % abandons over
the grid 1.0..10.0 step 0.1, by bisection on the abandon rate (which rises with
the level) and then the five levels above the boundary, in case of noise.

Figures per scenario: ``abandon_pct`` = abandoned / live answers;
``occupancy_pct`` = (talk + wrap-up) / logged-in time over all agents;
``idle_s`` = mean idle seconds per agent over the run.  One line each:

    dialer agents=N answer_rate=P abandon_pct=X occupancy_pct=Y best_fixed_occupancy_pct=Z ...

Run: ``python -m tests.bench.dialer [--seed S] [--hours H] [--jobs J]``.
It prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Final

from ari_apps.campaigns.pacing import (
    PREDICTIVE,
    PROGRESSIVE,
    AgentReady,
    CallAbandoned,
    CallConnected,
    CallEnded,
    CallNotAnswered,
    Dial,
    Event,
    HumanAnswered,
    LockedOut,
    Pacer,
    PacingConfig,
    Tick,
)

ABANDON_CAP_PCT: Final = 3.0
RING_TIMEOUT_S: Final = 25.0
CONNECT_WITHIN_S: Final = 2.0
TALK_MEAN_S: Final = 120.0
TALK_SIGMA: Final = 0.8
WRAPUP_S: Final = 10.0
LIVE_RING_MEDIAN_S: Final = 7.0
LIVE_RING_SIGMA: Final = 0.5
BUSY_SHARE: Final = 0.25
TICK_S: Final = 1.0
LEVELS: Final = tuple(round(1.0 + 0.1 * step, 1) for step in range(91))
LOOK_ABOVE: Final = 5
TARGET_SHARE_OF_BEST: Final = 0.9

# Heap entry kinds.
TICK: Final = 0
RING_END: Final = 1
GIVE_UP: Final = 2
TALK_END: Final = 3
WRAP_END: Final = 4


@dataclass(frozen=True)
class Scenario:
    agents: int
    answer_rate: float
    hours: float
    seed: int

    def config(self, **changes: object) -> PacingConfig:
        """The campaign's caps: loose enough never to be what limits a pacer."""
        base = PacingConfig(
            mode=PREDICTIVE,
            abandon_cap_pct=ABANDON_CAP_PCT,
            max_concurrent=10 * self.agents,
            calls_per_second=max(5.0, self.agents / 2),
            ring_timeout_s=RING_TIMEOUT_S,
        )
        return replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Result:
    live: int
    abandoned: int
    busy_s: float
    logged_in_s: float
    agents: int
    lockouts: int

    @property
    def abandon_pct(self) -> float:
        return 100.0 * self.abandoned / self.live if self.live else 0.0

    @property
    def occupancy_pct(self) -> float:
        return 100.0 * self.busy_s / self.logged_in_s

    @property
    def idle_s(self) -> float:
        return (self.logged_in_s - self.busy_s) / self.agents


class Draws:
    """The i-th draw is the same in every run of a scenario."""

    def __init__(self, scenario: Scenario) -> None:
        key = f"{scenario.seed}:{scenario.agents}:{scenario.answer_rate}"
        self._calls_rng = random.Random(f"{key}:calls")
        self._talks_rng = random.Random(f"{key}:talks")
        self._answer_rate = scenario.answer_rate
        self._calls: list[tuple[bool, float]] = []
        self._talks: list[float] = []

    def call(self, index: int) -> tuple[bool, float]:
        """(a person answers, seconds of ringing) of the index-th dialled call."""
        rng = self._calls_rng
        while len(self._calls) <= index:
            if rng.random() < self._answer_rate:
                ring = rng.lognormvariate(math.log(LIVE_RING_MEDIAN_S), LIVE_RING_SIGMA)
                self._calls.append((True, min(ring, RING_TIMEOUT_S - 0.5)))
            elif rng.random() < BUSY_SHARE:
                self._calls.append((False, rng.uniform(1.0, 5.0)))
            else:
                self._calls.append((False, RING_TIMEOUT_S))
        return self._calls[index]

    def talk(self, index: int) -> float:
        mu = math.log(TALK_MEAN_S) - TALK_SIGMA**2 / 2
        while len(self._talks) <= index:
            self._talks.append(self._talks_rng.lognormvariate(mu, TALK_SIGMA))
        return self._talks[index]


def simulate(scenario: Scenario, config: PacingConfig, draws: Draws) -> Result:
    end = scenario.hours * 3600.0
    pacer = Pacer(config)
    names = [f"agent{index}" for index in range(scenario.agents)]
    heap: list[tuple[float, int, int, int]] = []
    sequence = 0
    dialled = connects = live = abandoned = lockouts = 0
    busy_s = 0.0
    free: deque[int] = deque()
    waiting: dict[int, float] = {}  # call -> answered at, oldest first
    extra_tick_at = math.inf

    def push(at: float, kind: int, ident: int) -> None:
        nonlocal sequence
        sequence += 1
        heapq.heappush(heap, (at, sequence, kind, ident))

    def send(event: Event) -> None:
        nonlocal dialled, lockouts, extra_tick_at
        for command in pacer.handle(event):
            if isinstance(command, Dial):
                for _ in range(command.count):
                    push(event.now + draws.call(dialled)[1], RING_END, dialled)
                    dialled += 1
            elif isinstance(command, LockedOut):
                lockouts += 1
        deadline = pacer.next_deadline()
        if deadline is not None and event.now < deadline < extra_tick_at:
            extra_tick_at = deadline
            push(deadline, TICK, 1)

    def connect(now: float, agent: int) -> None:
        nonlocal connects, live, busy_s
        live += 1
        send(CallConnected(now, names[agent]))
        talk = draws.talk(connects)
        connects += 1
        busy_s += min(end, now + talk + WRAPUP_S) - now
        push(now + talk, TALK_END, agent)

    for agent in range(scenario.agents):
        free.append(agent)
        send(AgentReady(0.0, names[agent]))
    push(TICK_S, TICK, 0)
    while heap:
        now, _, kind, ident = heapq.heappop(heap)
        if now > end:
            break
        if kind == TICK:
            if ident == 0:
                push(now + TICK_S, TICK, 0)
            elif now >= extra_tick_at:
                extra_tick_at = math.inf
            send(Tick(now))
        elif kind == RING_END:
            answered, ring_s = draws.call(ident)
            if not answered:
                send(CallNotAnswered(now, ring_s))
                continue
            send(HumanAnswered(now, ring_s))
            if free:
                connect(now, free.popleft())
            else:
                waiting[ident] = now
                push(now + CONNECT_WITHIN_S, GIVE_UP, ident)
        elif kind == GIVE_UP:
            if waiting.pop(ident, None) is not None:
                live += 1
                abandoned += 1
                send(CallAbandoned(now))
        elif kind == TALK_END:
            send(CallEnded(now, names[ident]))
            push(now + WRAPUP_S, WRAP_END, ident)
        else:  # WRAP_END
            send(AgentReady(now, names[ident]))
            if waiting:
                call = next(iter(waiting))
                del waiting[call]
                connect(now, ident)
            else:
                free.append(ident)
    return Result(live, abandoned, busy_s, end * scenario.agents, scenario.agents, lockouts)


@dataclass(frozen=True)
class Row:
    scenario: Scenario
    adaptive: Result
    best_level: float | None
    best: Result | None

    def line(self) -> str:
        best_occupancy = self.best.occupancy_pct if self.best is not None else 0.0
        ratio = self.adaptive.occupancy_pct / best_occupancy if best_occupancy else math.inf
        met = ratio >= TARGET_SHARE_OF_BEST and self.adaptive.abandon_pct <= ABANDON_CAP_PCT
        fields = [
            f"agents={self.scenario.agents}",
            f"answer_rate={self.scenario.answer_rate:.2f}",
            f"abandon_pct={self.adaptive.abandon_pct:.1f}",
            f"occupancy_pct={self.adaptive.occupancy_pct:.1f}",
            f"best_fixed_occupancy_pct={best_occupancy:.1f}",
            f"best_fixed_level={self.best_level or 0.0:.1f}",
            f"best_fixed_abandon_pct={self.best.abandon_pct if self.best else 0.0:.1f}",
            f"ratio_to_best={ratio:.3f}",
            f"idle_s={self.adaptive.idle_s:.0f}",
            f"best_fixed_idle_s={self.best.idle_s if self.best else 0.0:.0f}",
            f"lockouts={self.adaptive.lockouts}",
            f"target={'met' if met else 'missed'}",
        ]
        return "dialer " + " ".join(fields)


def best_fixed(scenario: Scenario, draws: Draws) -> tuple[float | None, Result | None]:
    """The fixed level with the highest occupancy at <= the abandon cap."""
    tried: dict[int, Result] = {}

    def run(step: int) -> Result:
        if step not in tried:
            config = scenario.config(mode=PROGRESSIVE, ratio=LEVELS[step], lockout_s=0.0)
            tried[step] = simulate(scenario, config, draws)
        return tried[step]

    def feasible(step: int) -> bool:
        return run(step).abandon_pct <= ABANDON_CAP_PCT

    low, high = -1, len(LEVELS) - 1  # low: highest step known feasible
    while low < high:
        middle = (low + high + 1) // 2
        if feasible(middle):
            low = middle
        else:
            high = middle - 1
    for step in range(max(0, low + 1), min(len(LEVELS), low + 1 + LOOK_ABOVE)):
        run(step)
    candidates = [step for step, result in tried.items() if result.abandon_pct <= ABANDON_CAP_PCT]
    if not candidates:
        return None, None
    step = max(candidates, key=lambda s: (tried[s].occupancy_pct, -s))
    return LEVELS[step], tried[step]


def run_scenario(scenario: Scenario) -> Row:
    draws = Draws(scenario)
    adaptive = simulate(scenario, scenario.config(), draws)
    level, best = best_fixed(scenario, draws)
    return Row(scenario, adaptive, level, best)


def scenarios(
    agents: Sequence[int], answer_rates: Sequence[float], hours: float, seed: int
) -> list[Scenario]:
    return [Scenario(n, rate, hours, seed) for n in agents for rate in answer_rates]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--answer-rates", type=float, nargs="+", default=[0.20, 0.35])
    parser.add_argument("--jobs", type=int, default=2, help="processes (1: none)")
    args = parser.parse_args()
    todo = scenarios(args.agents, args.answer_rates, args.hours, args.seed)
    if args.jobs <= 1:
        rows = [run_scenario(scenario) for scenario in todo]
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(run_scenario, todo))
    for row in rows:
        print(row.line(), flush=True)


if __name__ == "__main__":
    main()
