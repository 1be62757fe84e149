"""The dialer's pacing core (ari_apps/campaigns/pacing.py): examples of each
rule, then hypothesis invariants over random event sequences:

* no Dial ever takes the lines in use over max_concurrent or the trunk cap,
  nor the dials over calls_per_second (token bucket: one second's burst);
* no count is ever negative, whatever stale events come in;
* progressive never has more calls ringing after a Dial than free agents
  times the ratio; locked out or on compliance hold, never more than 1:1;
* predictive's dial level stays within [min_dial_level, max_dial_level];
* the same events give the same commands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ari_apps.campaigns import core
from ari_apps.campaigns.pacing import (
    COMPLIANCE_HOLD,
    LOCKED_OUT,
    LOST_AFTER_S,
    PREDICTIVE,
    PROGRESSIVE,
    AgentAway,
    AgentReady,
    CallAbandoned,
    CallConnected,
    CallEnded,
    CallNotAnswered,
    CallsNotPlaced,
    Command,
    ComplianceFigure,
    Dial,
    Event,
    HumanAnswered,
    InvalidPacingConfig,
    LockedOut,
    MachineAnswered,
    MachineCallEnded,
    Pacer,
    PacingConfig,
    Tick,
    expected_excess,
)

T0 = 1_700_000_000.0


def dialled(commands: Sequence[Command]) -> int:
    return sum(c.count for c in commands if isinstance(c, Dial))


def progressive(**changes: object) -> Pacer:
    config = dataclasses.replace(PacingConfig(mode=PROGRESSIVE), **changes)  # type: ignore[arg-type]
    return Pacer(config)


def ready(pacer: Pacer, *agents: str, now: float = T0) -> int:
    return sum(dialled(pacer.handle(AgentReady(now, agent))) for agent in agents)


# ------------------------------------------------------------------ config


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ring_timeout_s", 14.9),
        ("mode", "preview"),
        ("ratio", 0.0),
        ("abandon_cap_pct", 0.0),
        ("abandon_target_pct", 5.0),
        ("max_concurrent", 0),
        ("trunk_max_concurrent", 0),
        ("calls_per_second", 0.0),
        ("lockout_s", -1.0),
        ("min_dial_level", 0.0),
        ("max_dial_level", 0.5),
        ("window_answers", 5),
        ("min_window_answers", 0),
    ],
)
def test_invalid_config_names_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidPacingConfig) as raised:
        PacingConfig(**{field: value})  # type: ignore[arg-type]
    assert raised.value.field == field
    assert field in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_ring_timeout_of_15_s_is_the_least_accepted() -> None:
    assert PacingConfig(ring_timeout_s=15).ring_timeout_s == 15
    with pytest.raises(InvalidPacingConfig, match="ring_timeout_s: must be at least 15 s"):
        PacingConfig(ring_timeout_s=10)


# ------------------------------------------------------------- progressive


def test_progressive_dials_one_call_per_free_agent() -> None:
    pacer = progressive()
    assert ready(pacer, "a1") == 1
    assert dialled(pacer.handle(Tick(T0 + 1))) == 0
    assert ready(pacer, "a1", now=T0 + 1) == 0  # the same agent again
    assert ready(pacer, "a2", now=T0 + 1) == 1
    assert pacer.figures().ringing == 2


def test_progressive_ratio_rounds_down() -> None:
    pacer = progressive(ratio=2.5)
    assert ready(pacer, "a1", "a2") == 5
    assert pacer.figures().dial_level == 2.5


def test_an_answer_waiting_for_an_agent_takes_a_free_agent() -> None:
    pacer = progressive()
    ready(pacer, "a1")
    assert dialled(pacer.handle(HumanAnswered(T0 + 5, 5.0))) == 0
    assert pacer.figures().waiting_for_agent == 1
    pacer.handle(CallConnected(T0 + 5, "a1"))
    figures = pacer.figures()
    assert (figures.connected, figures.agents_talking, figures.agents_ready) == (1, 1, 0)
    pacer.handle(CallEnded(T0 + 65, "a1"))
    assert pacer.figures().agents_wrapping_up == 1
    assert dialled(pacer.handle(AgentReady(T0 + 75, "a1"))) == 1
    assert pacer.figures().estimated_talk_wrap_s < 120.0 + 10.0  # learnt 60 + 10


def test_an_unanswered_call_is_dialled_again() -> None:
    pacer = progressive()
    ready(pacer, "a1")
    assert dialled(pacer.handle(CallNotAnswered(T0 + 25, 25.0))) == 1


def test_calls_not_placed_are_not_counted() -> None:
    pacer = progressive(calls_per_second=1.0)
    ready(pacer, "a1")
    pacer.handle(CallsNotPlaced(T0, 1))
    assert pacer.figures().ringing == 0
    assert pacer.lines_in_use == 0


def test_a_machine_holds_its_line_until_it_ends() -> None:
    pacer = progressive(max_concurrent=1)
    ready(pacer, "a1", "a2")
    pacer.handle(MachineAnswered(T0 + 3, 3.0))
    assert pacer.figures().machine == 1
    assert dialled(pacer.handle(Tick(T0 + 4))) == 0  # the line is still up
    assert dialled(pacer.handle(MachineCallEnded(T0 + 20))) == 1


def test_stale_events_change_no_count() -> None:
    pacer = progressive()
    for event in (
        CallAbandoned(T0),
        CallEnded(T0, "a1"),
        HumanAnswered(T0, 3.0),
        MachineCallEnded(T0),
        CallConnected(T0, "a1"),
        CallsNotPlaced(T0, 4),
    ):
        pacer.handle(event)
    figures = pacer.figures()
    assert figures.ringing == figures.waiting_for_agent == figures.connected == 0
    assert figures.live_answered == figures.abandoned == 0


def test_an_agent_away_is_not_dialled_for() -> None:
    pacer = progressive()
    ready(pacer, "a1")
    pacer.handle(CallNotAnswered(T0 + 2, 2.0))  # redialled at once
    pacer.handle(AgentAway(T0 + 3, "a1"))
    pacer.handle(CallNotAnswered(T0 + 5, 3.0))
    assert pacer.figures().ringing == 0


def test_a_ringing_call_never_reported_is_dropped() -> None:
    pacer = progressive()
    ready(pacer, "a1")
    deadline = pacer.next_deadline()
    assert deadline is not None
    assert deadline <= T0 + 1 + 25 + LOST_AFTER_S
    assert dialled(pacer.handle(Tick(deadline + 1))) == 1  # dropped, then dialled anew


# -------------------------------------------------------------------- caps


def test_max_concurrent_and_the_trunk_cap_bound_the_dial() -> None:
    assert ready(progressive(ratio=3.0, max_concurrent=4, calls_per_second=50), "a1", "a2") == 4
    pacer = progressive(ratio=3.0, max_concurrent=9, trunk_max_concurrent=2, calls_per_second=50)
    assert ready(pacer, "a1", "a2") == 2


def test_calls_per_second_is_a_token_bucket_on_now() -> None:
    pacer = progressive(calls_per_second=2.0, max_concurrent=50)
    assert ready(pacer, *[f"a{n}" for n in range(10)]) == 2
    assert pacer.next_deadline() == pytest.approx(T0 + 0.5)
    assert dialled(pacer.handle(Tick(T0 + 0.5))) == 1
    assert dialled(pacer.handle(Tick(T0 + 0.6))) == 0
    assert dialled(pacer.handle(Tick(T0 + 10))) == 2  # the bucket holds one second


# -------------------------------------------------------------- predictive


def predictive(**changes: object) -> Pacer:
    base = PacingConfig(mode=PREDICTIVE, max_concurrent=200, calls_per_second=100)
    return Pacer(dataclasses.replace(base, **changes))  # type: ignore[arg-type]


def learn_answer_rate(pacer: Pacer, now: float, live_every: int, rings: int) -> float:
    """End ``rings`` rings, a second apart, of the calls dialled for agent "learner", one in
    ``live_every`` a person (connected, talked to and ended at once); then
    the learner leaves and what still rings is taken back."""
    pacer.handle(AgentReady(now, "learner"))
    for n in range(rings):
        now += 1.0  # the bucket of calls per second refills
        assert pacer.figures().ringing > 0
        if n % live_every == 0:
            pacer.handle(HumanAnswered(now, 6.0))
            pacer.handle(CallConnected(now, "learner"))
            pacer.handle(CallEnded(now, "learner"))
            pacer.handle(AgentReady(now, "learner"))
        else:
            pacer.handle(CallNotAnswered(now, 25.0))
    pacer.handle(AgentAway(now, "learner"))
    pacer.handle(CallsNotPlaced(now, pacer.figures().ringing))
    return pacer.figures().estimated_answer_pct


def test_predictive_dials_ahead_of_a_low_answer_rate() -> None:
    pacer = predictive()
    rate = learn_answer_rate(pacer, T0, live_every=5, rings=2000)
    assert 15 < rate < 25
    assert pacer.figures().ringing == 0
    count = ready(pacer, *[f"a{n}" for n in range(10)], now=T0 + 3000)
    assert count > 20  # well over 1:1 for ten free agents at 20 %
    assert 1.0 <= pacer.figures().dial_level <= 10.0


def test_predictive_dials_for_an_agent_about_to_end_wrap_up() -> None:
    pacer = predictive()
    count = ready(pacer, "a1")
    assert count >= 1
    pacer.handle(HumanAnswered(T0 + 5, 5.0))
    pacer.handle(CallConnected(T0 + 5, "a1"))
    for _ in range(count - 1):
        pacer.handle(CallNotAnswered(T0 + 6, 6.0))
    assert pacer.figures().ringing == 0  # nobody free, nobody soon free
    pacer.handle(CallEnded(T0 + 100, "a1"))
    assert dialled(pacer.handle(Tick(T0 + 101))) == 0  # too soon: 9 s of wrap-up left
    assert dialled(pacer.handle(Tick(T0 + 108))) >= 1  # wrap-up ends within the ring


def test_a_rolling_breach_locks_out_to_one_to_one() -> None:
    pacer = predictive(window_answers=10, min_window_answers=5, lockout_s=300)
    ready(pacer, *[f"a{n}" for n in range(5)])
    now = T0 + 5
    commands: list[Command] = []
    for n in range(3):
        pacer.handle(HumanAnswered(now, 5.0))
        commands += pacer.handle(CallConnected(now, f"a{n}"))
    for _ in range(2):
        pacer.handle(HumanAnswered(now, 5.0))
        commands += pacer.handle(CallAbandoned(now + 2))
    locks = [c for c in commands if isinstance(c, LockedOut)]
    assert len(locks) == 1
    assert locks[0].until == now + 2 + 300
    assert locks[0].rolling_abandon_pct == pytest.approx(40.0)
    figures = pacer.figures()
    assert figures.pacing == LOCKED_OUT
    assert figures.locked_out_until == now + 302
    assert figures.dial_level == 1.0
    assert figures.ringing <= figures.agents_ready
    pacer.handle(Tick(now + 302))
    assert pacer.figures().pacing == PREDICTIVE
    assert pacer.figures().locked_out_until is None


def test_lockout_zero_never_locks_out() -> None:
    pacer = predictive(window_answers=10, min_window_answers=1, lockout_s=0)
    ready(pacer, "a1")
    pacer.handle(HumanAnswered(T0 + 5, 5.0))
    commands = pacer.handle(CallAbandoned(T0 + 7))
    assert not any(isinstance(c, LockedOut) for c in commands)
    assert pacer.figures().pacing == PREDICTIVE
    assert pacer.figures().rolling_abandon_pct == 100.0


def test_the_compliance_figure_at_the_cap_holds_to_one_to_one() -> None:
    pacer = predictive()
    pacer.handle(ComplianceFigure(T0, 3.0))
    assert pacer.figures().pacing == COMPLIANCE_HOLD
    assert ready(pacer, "a1", "a2", "a3") == 3
    pacer.handle(ComplianceFigure(T0 + 1, 2.9))
    assert pacer.figures().pacing == PREDICTIVE
    held = Pacer(PacingConfig(mode=PREDICTIVE), compliance_abandon_pct=4.0)
    assert held.figures().pacing == COMPLIANCE_HOLD


def test_expected_excess() -> None:
    assert expected_excess(2.0, 0.0) == 2.0
    assert expected_excess(-2.0, 0.0) == 0.0
    assert expected_excess(0.0, 1.0) == pytest.approx(0.3989, abs=1e-4)
    assert expected_excess(-10.0, 1.0) < 1e-9


# -------------------------------------------------------------- invariants

AGENTS = ("a1", "a2", "a3", "a4")

configs = st.builds(
    PacingConfig,
    mode=st.sampled_from([PROGRESSIVE, PREDICTIVE]),
    ratio=st.sampled_from([1.0, 1.5, 3.0]),
    max_concurrent=st.integers(1, 12),
    trunk_max_concurrent=st.none() | st.integers(1, 12),
    calls_per_second=st.sampled_from([0.5, 1.0, 3.0, 20.0]),
    lockout_s=st.sampled_from([0.0, 30.0, 300.0]),
    min_dial_level=st.sampled_from([1.0, 1.5]),
    max_dial_level=st.sampled_from([2.0, 10.0]),
    window_answers=st.just(10),
    min_window_answers=st.integers(1, 10),
)
agent_ids = st.sampled_from(AGENTS)
ring_s = st.floats(0.0, 30.0)
steps = st.one_of(
    st.builds(lambda a: ("ready", a), agent_ids),
    st.builds(lambda a: ("away", a), agent_ids),
    st.builds(lambda r: ("human", r), ring_s),
    st.builds(lambda r: ("machine", r), ring_s),
    st.builds(lambda r: ("not_answered", r), ring_s),
    st.builds(lambda a: ("connected", a), agent_ids),
    st.builds(lambda a: ("ended", a), agent_ids),
    st.just(("abandoned", None)),
    st.just(("machine_ended", None)),
    st.builds(lambda n: ("not_placed", n), st.integers(0, 3)),
    st.builds(lambda p: ("compliance", p), st.sampled_from([0.0, 2.0, 3.0, 5.0])),
    st.just(("tick", None)),
)
timed_steps = st.lists(st.tuples(st.floats(0.0, 20.0), steps), max_size=120)


def to_event(now: float, step: tuple[str, object]) -> Event:
    kind, arg = step
    match kind, arg:
        case "ready", str(agent):
            return AgentReady(now, agent)
        case "away", str(agent):
            return AgentAway(now, agent)
        case "connected", str(agent):
            return CallConnected(now, agent)
        case "ended", str(agent):
            return CallEnded(now, agent)
        case "human", float(ring):
            return HumanAnswered(now, ring)
        case "machine", float(ring):
            return MachineAnswered(now, ring)
        case "not_answered", float(ring):
            return CallNotAnswered(now, ring)
        case "not_placed", int(count):
            return CallsNotPlaced(now, count)
        case "compliance", float(pct):
            return ComplianceFigure(now, pct)
        case "abandoned", _:
            return CallAbandoned(now)
        case "machine_ended", _:
            return MachineCallEnded(now)
    return Tick(now)


def run(config: PacingConfig, plan: list[tuple[float, tuple[str, object]]]) -> list[Command]:
    """Drive a pacer through ``plan``, checking the invariants after each event."""
    pacer = Pacer(config)
    now = T0
    outputs: list[Command] = []
    dials: list[tuple[float, int]] = []
    for gap, step in plan:
        now += gap
        commands = pacer.handle(to_event(now, step))
        outputs += commands
        figures = pacer.figures()
        counts = (
            figures.ringing,
            figures.waiting_for_agent,
            figures.connected,
            figures.machine,
            figures.agents_ready,
        )
        assert min(counts) >= 0
        assert pacer.lines_in_use <= config.max_concurrent
        if config.trunk_max_concurrent is not None:
            assert pacer.lines_in_use <= config.trunk_max_concurrent
        count = dialled(commands)
        if count:
            dials.append((now, count))
            free = max(0, figures.agents_ready - figures.waiting_for_agent)
            if figures.pacing == PROGRESSIVE:
                assert figures.ringing <= config.ratio * free + 1e-9
            elif figures.pacing in (LOCKED_OUT, COMPLIANCE_HOLD):
                assert figures.ringing <= free
        if figures.pacing == PREDICTIVE:
            assert config.min_dial_level <= figures.dial_level <= config.max_dial_level
        if figures.pacing == LOCKED_OUT:
            assert figures.locked_out_until is not None and figures.locked_out_until > now
    burst = max(1.0, config.calls_per_second)
    for start, _ in dials:
        for end, _ in dials:
            if end >= start:
                total = sum(n for at, n in dials if start <= at <= end)
                assert total <= burst + config.calls_per_second * (end - start) + 1e-6
    return outputs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs, timed_steps)
def test_invariants_hold_for_any_event_sequence(
    config: PacingConfig, plan: list[tuple[float, tuple[str, object]]]
) -> None:
    assert run(config, plan) == run(config, plan)  # and the same events, the same commands


@settings(max_examples=100, deadline=None)
@given(configs, st.lists(st.tuples(st.floats(0.0, 5.0), agent_ids), max_size=40))
def test_a_busy_world_never_breaks_the_caps(
    config: PacingConfig, readies: list[tuple[float, str]]
) -> None:
    """Agents keep coming ready while every call ends answered and abandoned:
    many dials, many breaches."""
    plan: list[tuple[float, tuple[str, object]]] = []
    for gap, agent in readies:
        plan += [(gap, ("ready", agent)), (0.5, ("human", 4.0)), (2.0, ("abandoned", None))]
    run(config, plan)


def test_the_bench_simulation_runs() -> None:
    from tests.bench.dialer import Draws, Scenario, simulate

    scenario = Scenario(agents=5, answer_rate=0.3, hours=0.25, seed=1)
    result = simulate(scenario, scenario.config(), Draws(scenario))
    assert result.live > 0
    assert 0.0 < result.occupancy_pct <= 100.0


def test_a_full_trunk_gets_one_probe_call_at_a_time_until_a_call_gets_a_line() -> None:
    gate = core.TrunkGate()
    assert gate.room(7, 0.0) == 7
    gate.placed(0.0)
    gate.refused(1.0)
    assert gate.room(7, 2.0) == 0  # too soon after the refusal
    assert gate.room(7, 1.0 + core.TRUNK_PROBE_EVERY_S) == 1
    gate.placed(6.5)
    assert gate.room(7, 7.0) == 0
    gate.got_line(0.0)  # placed before the refusal: says nothing of the trunk now
    assert gate.room(7, 12.0) == 1
    gate.got_line(6.5)  # the probe got a line
    assert gate.room(7, 12.0) == 7
    assert gate.room(0, 12.0) == 0
