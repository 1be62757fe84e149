"""The outbound dialer's pacing: how many calls to dial now, as a pure object.

``Pacer(config).handle(event) -> tuple[Command, ...]``.  No I/O, no clock, no
randomness: time comes in as ``event.now`` (float seconds, any epoch; a
``now`` earlier than one already seen counts as the latest seen), and the
same events always give the same commands.  The dialer service feeds it what
Asterisk and the ACD report and places the calls it asks for.

Who counts what
---------------
The pacer counts a call from the ``Dial`` it emits: after ``Dial(3)`` three
more calls are ringing, and the caller must place them (or report the ones it
could not place, ``CallsNotPlaced``: no contact left, originate refused;
the pacer asks for them again on a later event, within ``calls_per_second``).
Every placed call then goes through the phases of ``CALL_STEPS``::

    ringing --HumanAnswered--> waiting_for_agent --CallConnected--> connected
    ringing --MachineAnswered--> machine --MachineCallEnded--> (gone)
    ringing --CallNotAnswered--> (gone)        (busy, no answer, failed)
    waiting_for_agent --CallAbandoned--> (gone)  (no agent within 2 s)
    connected --CallEnded--> (gone; the agent is in wrap-up)

A step whose phase holds no call is stale (the service and the pacer race)
and changes no count, so no count is ever negative.  A call still ringing
``LOST_AFTER_S`` past its ring timeout was never reported and is dropped.
Agents: ``AgentReady`` (logged in and free: after login, unpause or wrap-up),
``AgentAway`` (paused, logged out, or busy with something that is not this
campaign), ``CallConnected``/``CallEnded`` (talking, then wrap-up).  Send a
``Tick`` every second or so, and at ``next_deadline()``.

Caps (never exceeded by a Dial): lines in use (every phase above) at most
``max_concurrent`` and ``trunk_max_concurrent``; dials at most
``calls_per_second``, a token bucket on ``now`` holding one second's worth.

Modes
-----
``progressive``: ``ratio`` calls ringing per free agent (ready agents less
the answered calls waiting for one).  At 1:1 an answer always finds its agent.

``predictive``: the dial level (calls ringing per free or soon-free agent)
adapts so that abandons stay under ``abandon_cap_pct`` of live answers while
agents idle as little as possible.  VICIdial's adaptive modes move the level
in steps by the drop rate since midnight: a morning burst of abandons gags
the afternoon, a calm morning lets the afternoon run hot, and the steps ignore
what is ringing and who is about to be free.  Here instead, on every event:

1. estimate online, with decayed counts: the answer rate and the ring time by
   second of ringing, for live answers and for the rest (so a call ringing
   for 20 s counts as the unlikely answer it has become, not the 20 % a fresh
   one is), and the mean talk and wrap-up times;
2. count the agents who will be there for those answers: the free ones (less
   the answers already waiting), each agent in wrap-up weighted by the chance
   that an answer rings long enough for its wrap-up to end (at most 2 s
   before), and each agent talking by the chance that talk and wrap-up end
   within the expected ring time of an answer (exponential talk times);
3. dial the most calls for which the expected overflow (live answers beyond
   those agents, a normal approximation of answers minus agents) stays under
   a fraction ``aggressiveness`` of the expected live answers;
4. tune ``aggressiveness`` from the outcomes: up a little on each connected
   live answer, down by a quarter on each abandon.  Its balance point is an
   abandon rate of ``abandon_target_pct`` (by default 70 % of the cap), the
   controller's aim under the cap whatever the team size or answer rate.

Two safety margins keep lockouts rare.  The answer rate planned with is the
estimate plus two standard errors (wary at the start, when the estimate rests
on its prior, and hardly different after a few hundred rings).  And when the
rolling window can take fewer than GUARD_HEADROOM more abandons before it
breaches, ``aggressiveness`` is scaled down with the square of that headroom
(to a hundredth when none is left), so the pacer backs off before the window
breaches, not after.

The rolling window is the last ``window_answers`` live answers; once it holds
``min_window_answers``, an abandon that puts it over the cap locks the
campaign out: 1:1 progressive for ``lockout_s`` (0: never).  The compliance
figure (30 days or per day, from stored attempts, computed elsewhere) comes
in as ``ComplianceFigure``: at or over the cap, 1:1 progressive until a
figure under it.  Progressive mode obeys both too.

``make bench-dialer`` (tests/bench/dialer.py) simulates agents and the PSTN
and compares this with the best fixed dial level found by hindsight.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Final

PROGRESSIVE: Final = "progressive"
PREDICTIVE: Final = "predictive"
MODES: Final = (PROGRESSIVE, PREDICTIVE)

# What the pacer is doing now (PacingFigures.pacing).
LOCKED_OUT: Final = "locked_out"  # the rolling abandon rate went over the cap
COMPLIANCE_HOLD: Final = "compliance_hold"  # the long-window figure is at/over the cap
FALLBACK_RATIO: Final = 1.0  # calls per free agent while locked out or on hold

MIN_RING_TIMEOUT_S: Final = 15.0
CONNECT_WITHIN_S: Final = 2.0  # a live answer not connected by then is abandoned
LOST_AFTER_S: Final = 60.0  # past the ring timeout: a ringing call never reported

# Estimation memory (in samples) and the priors the first samples replace.
RING_MEMORY: Final = 500  # resolved rings
DURATION_MEMORY: Final = 50  # talks and wrap-ups
PRIOR_ANSWER_RATE: Final = 0.25
PRIOR_LIVE_RING_S: Final = 10.0
PRIOR_TALK_S: Final = 120.0
PRIOR_WRAPUP_S: Final = 10.0
UNCERTAINTY_Z: Final = 2.0  # standard errors added to the answer rate

# The controller (step 4 of predictive).
INITIAL_AGGRESSIVENESS: Final = 0.05
MIN_AGGRESSIVENESS: Final = 0.001
MAX_AGGRESSIVENESS: Final = 0.5
DOWN_ON_ABANDON: Final = 0.25
GUARD_HEADROOM: Final = 6.0  # abandons left before the window breaches
MIN_GUARD: Final = 0.01
DEFAULT_TARGET_SHARE_OF_CAP: Final = 0.7


class InvalidPacingConfig(ValueError):
    """A PacingConfig field is out of range; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"pacing config: {field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class PacingConfig:
    mode: str = PREDICTIVE
    ratio: float = 1.0  # progressive: calls ringing per free agent
    abandon_cap_pct: float = 3.0  # of live answers
    abandon_target_pct: float | None = None  # predictive's aim; None: 70 % of the cap
    max_concurrent: int = 30  # lines this campaign may hold, all phases
    trunk_max_concurrent: int | None = None  # the trunk's share left to this campaign
    calls_per_second: float = 5.0
    ring_timeout_s: float = 25.0
    lockout_s: float = 300.0  # 0: a breach never locks out
    min_dial_level: float = 1.0
    max_dial_level: float = 10.0
    window_answers: int = 500  # the rolling window, in live answers
    min_window_answers: int = 100  # fewer and the window cannot breach

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem is not None:
            raise InvalidPacingConfig(*problem)

    def _problem(self) -> tuple[str, str] | None:
        checks: tuple[tuple[str, bool, str], ...] = (
            ("mode", self.mode in MODES, f"must be one of {', '.join(MODES)}"),
            ("ratio", 0.1 <= self.ratio <= 20.0, "must be between 0.1 and 20"),
            ("abandon_cap_pct", 0.0 < self.abandon_cap_pct <= 100.0, "must be in (0, 100]"),
            (
                "abandon_target_pct",
                self.abandon_target_pct is None
                or 0.0 < self.abandon_target_pct <= self.abandon_cap_pct,
                "must be above 0 and at most abandon_cap_pct",
            ),
            ("max_concurrent", self.max_concurrent >= 1, "must be at least 1"),
            (
                "trunk_max_concurrent",
                self.trunk_max_concurrent is None or self.trunk_max_concurrent >= 1,
                "must be at least 1",
            ),
            ("calls_per_second", self.calls_per_second > 0.0, "must be above 0"),
            (
                "ring_timeout_s",
                MIN_RING_TIMEOUT_S <= self.ring_timeout_s <= 300.0,
                f"must be at least {MIN_RING_TIMEOUT_S:g} s (and at most 300 s),"
                f" got {self.ring_timeout_s:g}",
            ),
            ("lockout_s", self.lockout_s >= 0.0, "must not be negative"),
            ("min_dial_level", 0.1 <= self.min_dial_level <= 20.0, "must be between 0.1 and 20"),
            (
                "max_dial_level",
                self.min_dial_level <= self.max_dial_level <= 20.0,
                "must be between min_dial_level and 20",
            ),
            ("window_answers", self.window_answers >= 10, "must be at least 10"),
            (
                "min_window_answers",
                1 <= self.min_window_answers <= self.window_answers,
                "must be between 1 and window_answers",
            ),
        )
        for field_name, ok, reason in checks:
            if not ok:
                return field_name, reason
        return None

    @property
    def line_cap(self) -> int:
        if self.trunk_max_concurrent is None:
            return self.max_concurrent
        return min(self.max_concurrent, self.trunk_max_concurrent)

    @property
    def target_pct(self) -> float:
        if self.abandon_target_pct is not None:
            return self.abandon_target_pct
        return self.abandon_cap_pct * DEFAULT_TARGET_SHARE_OF_CAP


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class AgentReady:
    now: float
    agent_id: str


@dataclass(frozen=True)
class AgentAway:
    now: float
    agent_id: str


@dataclass(frozen=True)
class CallsNotPlaced:
    now: float
    count: int

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("CallsNotPlaced.count must not be negative")


@dataclass(frozen=True)
class CallNotAnswered:
    """Busy, no answer, refused or failed after ``ring_s`` of ringing."""

    now: float
    ring_s: float


@dataclass(frozen=True)
class MachineAnswered:
    now: float
    ring_s: float


@dataclass(frozen=True)
class MachineCallEnded:
    now: float


@dataclass(frozen=True)
class HumanAnswered:
    now: float
    ring_s: float


@dataclass(frozen=True)
class CallConnected:
    now: float
    agent_id: str


@dataclass(frozen=True)
class CallAbandoned:
    now: float


@dataclass(frozen=True)
class CallEnded:
    """The connected call hung up; the agent is in wrap-up."""

    now: float
    agent_id: str


@dataclass(frozen=True)
class ComplianceFigure:
    """The campaign's abandon % over the regulator's window (from stored attempts)."""

    now: float
    abandon_pct: float


@dataclass(frozen=True)
class Tick:
    now: float


Event = (
    AgentReady
    | AgentAway
    | CallsNotPlaced
    | CallNotAnswered
    | MachineAnswered
    | MachineCallEnded
    | HumanAnswered
    | CallConnected
    | CallAbandoned
    | CallEnded
    | ComplianceFigure
    | Tick
)


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Dial:
    """Place ``count`` more calls now, each ringing at most ``ring_timeout_s``."""

    count: int
    ring_timeout_s: float


@dataclass(frozen=True)
class LockedOut:
    """The rolling abandon rate went over the cap: 1:1 progressive until ``until``."""

    until: float
    rolling_abandon_pct: float


Command = Dial | LockedOut


@dataclass(frozen=True)
class PacingFigures:
    """For the live page; rates in %, times in seconds."""

    pacing: str  # progressive, predictive, locked_out or compliance_hold
    dial_level: float
    aggressiveness: float
    rolling_abandon_pct: float
    rolling_live_answers: int
    estimated_answer_pct: float
    estimated_talk_wrap_s: float
    estimated_ring_to_answer_s: float
    estimated_ring_to_no_answer_s: float
    locked_out_until: float | None
    compliance_abandon_pct: float | None
    agents_ready: int
    agents_talking: int
    agents_wrapping_up: int
    ringing: int
    waiting_for_agent: int
    connected: int
    machine: int
    live_answered: int  # since the pacer started; the caller stores attempts
    abandoned: int


# ------------------------------------------------------------ call phases

RINGING: Final = "ringing"
WAITING_FOR_AGENT: Final = "waiting_for_agent"
CONNECTED: Final = "connected"
MACHINE: Final = "machine"
PHASES: Final = (RINGING, WAITING_FOR_AGENT, CONNECTED, MACHINE)

# event type -> (phase a call leaves, phase it enters or None when it ends).
CALL_STEPS: Final[dict[type[object], tuple[str, str | None]]] = {
    CallNotAnswered: (RINGING, None),
    MachineAnswered: (RINGING, MACHINE),
    MachineCallEnded: (MACHINE, None),
    HumanAnswered: (RINGING, WAITING_FOR_AGENT),
    CallConnected: (WAITING_FOR_AGENT, CONNECTED),
    CallAbandoned: (WAITING_FOR_AGENT, None),
    CallEnded: (CONNECTED, None),
}


# -------------------------------------------------------------- estimators


class _Mean:
    """An exponentially weighted mean that starts from a prior worth one sample."""

    def __init__(self, prior: float, memory: int) -> None:
        self.value = prior
        self._alpha = 1.0 / memory
        self._samples = 1

    def add(self, sample: float) -> None:
        self._samples += 1
        weight = max(self._alpha, 1.0 / self._samples)
        self.value += weight * (sample - self.value)


class _RingStats:
    """Decayed counts of ended rings by whole second of ringing, live answers
    apart from the rest: the answer rate, the mean ring times, and the chance
    that a call still ringing after ``age`` seconds becomes a live answer.

    The priors weigh ``PRIOR_WEIGHT`` rings: live answers spread evenly over
    twice PRIOR_LIVE_RING_S, the rest half fast (busy) half at the timeout.
    """

    PRIOR_WEIGHT: Final = 20.0

    def __init__(self, ring_timeout_s: float) -> None:
        self.buckets = math.ceil(ring_timeout_s) + 1
        self._live = [0.0] * self.buckets
        self._other = [0.0] * self.buckets
        self._unit = 1.0
        self._growth = 1.0 / (1.0 - 1.0 / RING_MEMORY)
        live_weight = self.PRIOR_WEIGHT * PRIOR_ANSWER_RATE
        spread = int(2 * PRIOR_LIVE_RING_S)
        for second in range(spread):
            self._live[self.bucket(second)] += live_weight / spread
        other_weight = self.PRIOR_WEIGHT - live_weight
        self._other[self.bucket(3.0)] += other_weight / 2
        self._other[self.buckets - 1] += other_weight / 2
        self._cached: tuple[list[float], list[float]] | None = None

    def bucket(self, ring_s: float) -> int:
        return min(self.buckets - 1, max(0, int(ring_s)))

    def add(self, live: bool, ring_s: float) -> None:
        self._unit *= self._growth
        if self._unit > 1e9:
            self._live = [w / self._unit for w in self._live]
            self._other = [w / self._unit for w in self._other]
            self._unit = 1.0
        counts = self._live if live else self._other
        counts[self.bucket(ring_s)] += self._unit
        self._cached = None

    def live_given_age(self) -> list[float]:
        """[age in whole seconds] -> chance that a call ringing that long
        becomes a live answer; [0] is the answer rate."""
        return self._tables()[0]

    def live_ring_at_least(self) -> list[float]:
        """[whole seconds] -> chance that a live answer rings at least that long."""
        return self._tables()[1]

    def _tables(self) -> tuple[list[float], list[float]]:
        if self._cached is None:
            given_age = [0.0] * self.buckets
            at_least = [0.0] * self.buckets
            live_tail = other_tail = 0.0
            for second in range(self.buckets - 1, -1, -1):
                live_tail += self._live[second]
                other_tail += self._other[second]
                total = live_tail + other_tail
                given_age[second] = live_tail / total if total > 0 else 0.0
                at_least[second] = live_tail
            all_live = at_least[0]
            at_least = [tail / all_live if all_live > 0 else 1.0 for tail in at_least]
            self._cached = given_age, at_least
        return self._cached

    @property
    def answer_rate(self) -> float:
        return self.live_given_age()[0]

    @property
    def samples(self) -> float:
        """How many rings the decayed counts weigh (the prior included)."""
        return (sum(self._live) + sum(self._other)) / self._unit

    def answer_rate_high(self) -> float:
        """The answer rate plus UNCERTAINTY_Z standard errors: the rate
        predictive plans with, wary while the estimate rests on few rings."""
        rate = self.answer_rate
        return min(1.0, rate + UNCERTAINTY_Z * math.sqrt(rate * (1.0 - rate) / self.samples))

    @property
    def mean_live_ring_s(self) -> float:
        return _histogram_mean(self._live)

    @property
    def mean_other_ring_s(self) -> float:
        return _histogram_mean(self._other)


def _histogram_mean(counts: list[float]) -> float:
    total = sum(counts)
    if total <= 0:
        return 0.0
    return sum((second + 0.5) * weight for second, weight in enumerate(counts)) / total


def expected_excess(mean: float, variance: float) -> float:
    """E[max(0, D)] for D normal with this mean and variance."""
    if variance <= 1e-12:
        return max(0.0, mean)
    sd = math.sqrt(variance)
    z = mean / sd
    density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    below = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return sd * density + mean * below


# ------------------------------------------------------------------ pacer


class Pacer:
    """One campaign's pacing (see the module docstring for the rules)."""

    def __init__(self, config: PacingConfig, compliance_abandon_pct: float | None = None) -> None:
        self.config = config
        self._now: float | None = None
        self._tokens = self._bucket_size
        self._short_of_tokens = False
        # Calls ringing, by the whole second they were dialled (increasing).
        self._ringing_since: dict[int, int] = {}
        self._phases = dict.fromkeys(PHASES, 0)
        self._ready: dict[str, float] = {}
        self._talking: dict[str, float] = {}
        self._wrapping: dict[str, float] = {}
        self._ring = _RingStats(config.ring_timeout_s)
        self._talk = _Mean(PRIOR_TALK_S, DURATION_MEMORY)
        self._wrap = _Mean(PRIOR_WRAPUP_S, DURATION_MEMORY)
        self._window: deque[bool] = deque(maxlen=config.window_answers)
        self._window_abandoned = 0
        self._live_answered = 0
        self._abandoned = 0
        self._aggressiveness = INITIAL_AGGRESSIVENESS
        target = config.target_pct / 100.0
        # Balance: (1 - target) * log(1 + up) + target * log(1 - down) = 0.
        self._up = math.exp(-math.log(1.0 - DOWN_ON_ABANDON) * target / (1.0 - target)) - 1.0
        self._locked_out_until: float | None = None
        self._compliance_pct = compliance_abandon_pct
        self._dial_level = self._first_level()

    # ------------------------------------------------------------- events

    def handle(self, event: Event) -> tuple[Command, ...]:
        """Apply one event, then decide; returns the commands, in order."""
        now = event.now if self._now is None else max(self._now, event.now)
        self._advance(now)
        out: list[Command] = []
        self._apply(event, now, out)
        dial = self._decide(now)
        if dial > 0:
            out.append(Dial(dial, self.config.ring_timeout_s))
        return tuple(out)

    def next_deadline(self) -> float | None:
        """When a Tick could change the decision (None: only events will)."""
        if self._now is None:
            return None
        now = self._now
        times: list[float] = []
        if self._locked_out_until is not None:
            times.append(self._locked_out_until)
        if self._short_of_tokens:
            times.append(now + (1.0 - self._tokens) / self.config.calls_per_second)
        if self._pacing() == PREDICTIVE:
            # A wrap-up agent counts for more each whole second its end nears.
            for since in self._wrapping.values():
                remaining = since + self._wrap.value - now - CONNECT_WITHIN_S
                if remaining > 0:
                    times.append(now + (remaining - math.floor(remaining) or 1.0))
        if self._ringing_since:
            oldest = next(iter(self._ringing_since))
            times.append(oldest + 1 + self.config.ring_timeout_s + LOST_AFTER_S)
        return min(times) if times else None

    def figures(self) -> PacingFigures:
        phases = self._phases
        return PacingFigures(
            pacing=self._pacing(),
            dial_level=self._dial_level,
            aggressiveness=self._aggressiveness,
            rolling_abandon_pct=self._rolling_pct(),
            rolling_live_answers=len(self._window),
            estimated_answer_pct=100.0 * self._ring.answer_rate,
            estimated_talk_wrap_s=self._talk.value + self._wrap.value,
            estimated_ring_to_answer_s=self._ring.mean_live_ring_s,
            estimated_ring_to_no_answer_s=self._ring.mean_other_ring_s,
            locked_out_until=self._locked_out_until,
            compliance_abandon_pct=self._compliance_pct,
            agents_ready=len(self._ready),
            agents_talking=len(self._talking),
            agents_wrapping_up=len(self._wrapping),
            ringing=phases[RINGING],
            waiting_for_agent=phases[WAITING_FOR_AGENT],
            connected=phases[CONNECTED],
            machine=phases[MACHINE],
            live_answered=self._live_answered,
            abandoned=self._abandoned,
        )

    @property
    def lines_in_use(self) -> int:
        return sum(self._phases.values())

    # ------------------------------------------------------------ helpers

    @property
    def _bucket_size(self) -> float:
        return max(1.0, self.config.calls_per_second)

    def _advance(self, now: float) -> None:
        if self._now is not None:
            elapsed = now - self._now
            self._tokens = min(
                self._bucket_size, self._tokens + elapsed * self.config.calls_per_second
            )
        self._now = now
        if self._locked_out_until is not None and now >= self._locked_out_until:
            self._locked_out_until = None
        lost_before = now - self.config.ring_timeout_s - LOST_AFTER_S
        while self._ringing_since:
            second, count = next(iter(self._ringing_since.items()))
            if second + 1 > lost_before:
                break
            del self._ringing_since[second]
            self._phases[RINGING] -= count

    def _apply(self, event: Event, now: float, out: list[Command]) -> None:
        moved = self._step_call(event)
        match event:
            case CallNotAnswered() | MachineAnswered() | HumanAnswered():
                if moved:
                    self._ring_ended(isinstance(event, HumanAnswered), event.ring_s, now)
            case AgentReady(agent_id=agent_id):
                self._agent_ready(agent_id, now)
            case AgentAway(agent_id=agent_id):
                self._forget_agent(agent_id)
            case CallConnected(agent_id=agent_id):
                self._forget_agent(agent_id)
                self._talking[agent_id] = now
                if moved:
                    self._live_outcome(False, now, out)
            case CallAbandoned():
                if moved:
                    self._live_outcome(True, now, out)
            case CallEnded(agent_id=agent_id):
                since = self._talking.pop(agent_id, None)
                if since is not None:
                    self._talk.add(now - since)
                    self._wrapping[agent_id] = now
            case CallsNotPlaced(count=count):
                self._unplace(count)
            case ComplianceFigure(abandon_pct=pct):
                self._compliance_pct = pct
            case MachineCallEnded() | Tick():
                pass

    def _step_call(self, event: Event) -> bool:
        """Move one call along CALL_STEPS; False when the event is stale."""
        step = CALL_STEPS.get(type(event))
        if step is None or self._phases[step[0]] == 0:
            return False
        leaves, enters = step
        self._phases[leaves] -= 1
        if enters is not None:
            self._phases[enters] += 1
        return True

    def _ring_ended(self, live: bool, ring_s: float, now: float) -> None:
        ring_s = max(0.0, ring_s)
        self._ring.add(live, ring_s)
        # Take the call off the second it was most likely dialled in.
        dialled = math.floor(now - ring_s)
        nearest = min(self._ringing_since, key=lambda second: abs(second - dialled))
        self._ringing_since[nearest] -= 1
        if self._ringing_since[nearest] == 0:
            del self._ringing_since[nearest]

    def _unplace(self, count: int) -> None:
        count = min(count, self._phases[RINGING])
        self._phases[RINGING] -= count
        for second in reversed(list(self._ringing_since)):
            if count == 0:
                break
            taken = min(count, self._ringing_since[second])
            count -= taken
            self._ringing_since[second] -= taken
            if self._ringing_since[second] == 0:
                del self._ringing_since[second]

    def _agent_ready(self, agent_id: str, now: float) -> None:
        since = self._wrapping.get(agent_id)
        if since is not None:
            self._wrap.add(now - since)
        self._forget_agent(agent_id)
        self._ready[agent_id] = now

    def _forget_agent(self, agent_id: str) -> None:
        self._ready.pop(agent_id, None)
        self._talking.pop(agent_id, None)
        self._wrapping.pop(agent_id, None)

    def _live_outcome(self, abandoned: bool, now: float, out: list[Command]) -> None:
        self._live_answered += 1
        if len(self._window) == self._window.maxlen and self._window[0]:
            self._window_abandoned -= 1
        self._window.append(abandoned)
        if abandoned:
            self._abandoned += 1
            self._window_abandoned += 1
        if self._pacing() == PREDICTIVE:
            if abandoned:
                self._aggressiveness *= 1.0 - DOWN_ON_ABANDON
            else:
                self._aggressiveness *= 1.0 + self._up
            self._aggressiveness = min(
                MAX_AGGRESSIVENESS, max(MIN_AGGRESSIVENESS, self._aggressiveness)
            )
        locks = self.config.lockout_s > 0 and self._locked_out_until is None
        if abandoned and locks and self._breached():
            self._locked_out_until = now + self.config.lockout_s
            out.append(LockedOut(self._locked_out_until, self._rolling_pct()))

    def _breached(self) -> bool:
        window = len(self._window)
        if window < self.config.min_window_answers:
            return False
        return self._window_abandoned * 100.0 > self.config.abandon_cap_pct * window

    def _headroom(self) -> float:
        """Abandons the rolling window can still take before it breaches (it
        counts at least min_window_answers live answers)."""
        window = max(len(self._window), self.config.min_window_answers)
        return self.config.abandon_cap_pct * window / 100.0 - self._window_abandoned

    def _guard(self) -> float:
        """What aggressiveness is multiplied by: 1 with GUARD_HEADROOM abandons
        of headroom or more, then falling with the square of the headroom."""
        share = min(1.0, max(0.0, self._headroom() / GUARD_HEADROOM))
        return max(MIN_GUARD, share * share)

    def _rolling_pct(self) -> float:
        if not self._window:
            return 0.0
        return 100.0 * self._window_abandoned / len(self._window)

    def _pacing(self) -> str:
        if self._locked_out_until is not None:
            return LOCKED_OUT
        if self._compliance_pct is not None and self._compliance_pct >= (
            self.config.abandon_cap_pct
        ):
            return COMPLIANCE_HOLD
        return self.config.mode

    def _first_level(self) -> float:
        config = self.config
        return config.ratio if config.mode == PROGRESSIVE else config.min_dial_level

    # ----------------------------------------------------------- decision

    def _free_agents(self) -> int:
        return max(0, len(self._ready) - self._phases[WAITING_FOR_AGENT])

    def _decide(self, now: float) -> int:
        pacing = self._pacing()
        if pacing == PREDICTIVE:
            target = self._predictive_target(now)
        else:
            ratio = self.config.ratio if pacing == PROGRESSIVE else FALLBACK_RATIO
            self._dial_level = ratio
            target = math.floor(ratio * self._free_agents() + 1e-9)
        wanted = target - self._phases[RINGING]
        room = self.config.line_cap - self.lines_in_use
        tokens = math.floor(self._tokens + 1e-9)
        dial = max(0, min(wanted, room, tokens))
        self._short_of_tokens = wanted > dial and tokens == dial and room > dial
        if dial > 0:
            self._tokens -= dial
            self._phases[RINGING] += dial
            second = math.floor(now)
            self._ringing_since[second] = self._ringing_since.get(second, 0) + dial
        return dial

    def _horizon_s(self) -> float:
        """How soon an agent must be free to take the answer of a call dialled now."""
        return self._ring.mean_live_ring_s + CONNECT_WITHIN_S

    def _predictive_target(self, now: float) -> int:
        """How many calls should be ringing (steps 1-3 of the module docstring)."""
        config = self.config
        horizon = self._horizon_s()
        talk, wrap = max(1.0, self._talk.value), self._wrap.value
        finish_in_time = 1.0 - math.exp(-max(0.0, horizon - wrap) / talk)
        # An agent whose wrap-up ends in r s takes an answer that rings >= r - 2 s.
        rings_long_enough = self._ring.live_ring_at_least()
        soon = 0.0
        soon_variance = 0.0
        for since in self._wrapping.values():
            remaining = since + wrap - now - CONNECT_WITHIN_S
            chance = 1.0 if remaining <= 0 else rings_long_enough[self._ring.bucket(remaining)]
            soon += chance
            soon_variance += chance * (1.0 - chance)
        agents = self._free_agents() + soon + len(self._talking) * finish_in_time
        agents -= max(0, self._phases[WAITING_FOR_AGENT] - len(self._ready))
        if agents <= 0:
            self._dial_level = min(
                config.max_dial_level, max(config.min_dial_level, self._dial_level)
            )
            return 0
        agents_variance = soon_variance + len(self._talking) * finish_in_time * (
            1.0 - finish_in_time
        )
        live_by_age = self._ring.live_given_age()
        wary = self._ring.answer_rate_high() / max(1e-9, live_by_age[0])
        answers = answers_variance = 0.0
        for second, count in self._ringing_since.items():
            chance = min(1.0, wary * live_by_age[self._ring.bucket(now - second - 0.5)])
            answers += count * chance
            answers_variance += count * chance * (1.0 - chance)
        fresh = min(1.0, wary * live_by_age[0])
        aggressiveness = self._aggressiveness * self._guard()

        def within(extra: int) -> bool:
            mean = answers + fresh * extra
            variance = answers_variance + fresh * (1.0 - fresh) * extra + agents_variance
            return expected_excess(mean - agents, variance) <= aggressiveness * mean

        ringing = self._phases[RINGING]
        low, high = 0, math.floor(config.max_dial_level * agents) - ringing
        while low < high:
            middle = (low + high + 1) // 2
            if within(middle):
                low = middle
            else:
                high = middle - 1
        level = (ringing + low) / agents
        level = min(config.max_dial_level, max(config.min_dial_level, level))
        self._dial_level = level
        return math.floor(level * agents + 1e-9)
