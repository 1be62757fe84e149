"""Familiar agent (OP-04): a returning caller is kept for the agent who last
served them for the queue's ``familiar_agent_s``, while that agent is logged
in and serves the queue; then anyone may take them."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from ari_apps.acd import (
    Acd,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    CallerArrived,
    Command,
    OfferCall,
    Tick,
)
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue

WINDOW_S = 20.0


def _acd(window_s: float = WINDOW_S) -> Acd:
    """Agents a and b ready in "sales"; b has been idle longer, so without the
    familiar agent longest-idle offers to b first."""
    acd = Acd([queue(familiar_agent_s=window_s)], [agent("a"), agent("b")])
    bring_online(acd, "b", T0)
    bring_online(acd, "a", T0 + 5)
    return acd


def _offers(commands: Sequence[Command]) -> list[tuple[str, str]]:
    return [(o.call_id, o.agent_id) for o in of_type(commands, OfferCall)]


def test_given_a_returning_caller_then_their_last_agent_is_offered_first() -> None:
    acd = _acd()
    commands = acd.handle(CallerArrived(T0 + 10, "c1", "sales", familiar_agent="a"))
    assert _offers(commands) == [("c1", "a")]


def test_given_the_feature_off_then_the_strategy_decides_as_before() -> None:
    acd = _acd(window_s=0)
    commands = acd.handle(CallerArrived(T0 + 10, "c1", "sales", familiar_agent="a"))
    assert _offers(commands) == [("c1", "b")]


def test_given_the_familiar_agent_busy_then_the_caller_waits_for_them_until_the_window_ends() -> (
    None
):
    acd = _acd()
    acd.handle(AgentNotReady(T0 + 6, "a", "break"))
    commands = acd.handle(CallerArrived(T0 + 10, "c1", "sales", familiar_agent="a"))
    assert _offers(commands) == [], "b must not take a's returning caller yet"
    # The next caller behind them is not held up.
    assert _offers(acd.handle(CallerArrived(T0 + 11, "c2", "sales"))) == [("c2", "b")]
    # The ACD asks to be woken when the window ends ...
    assert acd.next_deadline() == T0 + 10 + WINDOW_S
    # ... and a still earlier ready familiar agent takes them at once.
    assert _offers(acd.handle(AgentReady(T0 + 15, "a"))) == [("c1", "a")]


def test_given_the_window_over_then_anyone_takes_the_caller() -> None:
    acd = Acd([queue(familiar_agent_s=WINDOW_S)], [agent("a"), agent("b")])
    bring_online(acd, "a", T0)
    acd.handle(AgentNotReady(T0 + 1, "a", "break"))
    acd.handle(CallerArrived(T0 + 10, "c1", "sales", familiar_agent="a"))
    bring_online(acd, "b", T0 + 12)
    assert acd.call_state("c1") == "waiting"
    commands = acd.handle(Tick(T0 + 10 + WINDOW_S))
    assert _offers(commands) == [("c1", "b")]
    assert acd.next_deadline() != T0 + 10 + WINDOW_S, "no Tick asked for a window that is over"


def test_given_the_familiar_agent_logged_out_then_nobody_waits_for_them() -> None:
    acd = _acd()
    acd.handle(AgentLoggedOut(T0 + 6, "a"))
    commands = acd.handle(CallerArrived(T0 + 10, "c1", "sales", familiar_agent="a"))
    assert _offers(commands) == [("c1", "b")]


def test_given_a_familiar_agent_of_another_queue_then_nobody_waits_for_them() -> None:
    acd = Acd(
        [queue(familiar_agent_s=WINDOW_S), queue("support")],
        [agent("a", queues=("support",)), agent("b")],
    )
    bring_online(acd, "a", T0)
    bring_online(acd, "b", T0)
    commands = acd.handle(CallerArrived(T0 + 10, "c1", "sales", familiar_agent="a"))
    assert _offers(commands) == [("c1", "b")]


@given(
    st.sampled_from(["a", "b", "nobody"]),
    st.one_of(st.just(0.0), st.floats(0.5, 60)),
    st.lists(st.sampled_from(["a", "b"]), max_size=4),
)
def test_given_any_familiar_agent_then_no_free_agent_idles_past_the_window(
    familiar: str, window_s: float, paused: list[str]
) -> None:
    """Invariants: a caller is only ever offered to an agent who may serve
    them, and once the window is over a free agent never idles while they wait."""
    acd = Acd([queue(familiar_agent_s=window_s)], [agent("a"), agent("b")])
    bring_online(acd, "a", T0)
    bring_online(acd, "b", T0)
    for agent_id in paused:
        acd.handle(AgentNotReady(T0 + 1, agent_id, "break"))
    offers = _offers(acd.handle(CallerArrived(T0 + 2, "c1", "sales", familiar_agent=familiar)))
    free = {"a", "b"} - set(paused)
    if offers:
        (offer,) = offers
        assert offer[1] in free
        if window_s > 0 and familiar in free:
            assert offer[1] == familiar
    later = _offers(acd.handle(Tick(T0 + 2 + window_s + 0.001)))
    if free and not offers:
        assert len(later) == 1 and later[0][1] in free
