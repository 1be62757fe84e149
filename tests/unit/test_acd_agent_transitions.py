"""The ACD's agent states are a table (ari_apps/acd/records.py,
``AGENT_TRANSITIONS``), and ``AgentRecord.become`` moves only along it.

Invariants: no transition from or to an unknown state; every state is
reachable from logged_out and can be left; logout is reachable from every
state.  The ACD's hypothesis tests (test_acd_properties.py, test_acd_simulation.py) run
with the table enforced, so any move the core makes outside it fails them.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.acd.commands import AGENT_LOGGED_OUT, AGENT_STATES
from ari_apps.acd.config import AgentConfig
from ari_apps.acd.records import AGENT_TRANSITIONS, AgentRecord, IllegalAgentTransition

STATES = frozenset(AGENT_STATES)


def reachable_from(start: str) -> set[str]:
    seen, frontier = {start}, [start]
    while frontier:
        for target in AGENT_TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def test_the_table_knows_every_state_and_only_them() -> None:
    assert set(AGENT_TRANSITIONS) == STATES
    for source, targets in AGENT_TRANSITIONS.items():
        assert targets <= STATES, source


def test_every_state_is_reachable_from_logged_out() -> None:
    assert reachable_from(AGENT_LOGGED_OUT) == STATES


@pytest.mark.parametrize("state", sorted(STATES))
def test_every_state_can_be_left_and_leads_back_to_logged_out(state: str) -> None:
    assert AGENT_TRANSITIONS[state] - {state}
    assert AGENT_LOGGED_OUT in reachable_from(state)


def agent_in(state: str) -> AgentRecord:
    agent = AgentRecord(AgentConfig("a1", "1001", queues=("q",)))
    agent.state = state
    agent.reason = None
    return agent


@given(st.sampled_from(sorted(STATES)), st.sampled_from(sorted(STATES)), st.text(max_size=5))
def test_become_moves_exactly_along_the_table(current: str, wanted: str, reason: str) -> None:
    agent = agent_in(current)
    if wanted == current and reason == "":
        reason = "other"  # the same state and reason is no move at all
    if wanted in AGENT_TRANSITIONS[current]:
        changed = agent.become(wanted, reason, 5.0)
        assert changed is not None and agent.state == wanted
    else:
        with pytest.raises(IllegalAgentTransition):
            agent.become(wanted, reason, 5.0)
        assert (agent.state, agent.reason, agent.state_since) == (current, None, 0.0)


@given(st.text(min_size=1, max_size=12).filter(lambda s: s not in STATES))
def test_no_transition_from_an_unknown_state(unknown: str) -> None:
    agent = agent_in(unknown)
    for wanted in STATES:
        with pytest.raises(IllegalAgentTransition):
            agent.become(wanted, None, 5.0)
