"""Property tests: whatever the adapter sends, the session stays sane."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ari_apps.ivr import (
    DtmfReceived,
    EnterQueue,
    Event,
    FlowDefinition,
    FlowDefinitionError,
    FlowSession,
    Hangup,
    HttpLookupCompleted,
    PlaybackFinished,
    QueueExited,
    TimerExpired,
    validate_flow,
)
from ari_apps.ivr.commands import RunCallService
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.ivr.templates import MAX_VARIABLE_CHARS

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAX_COMMANDS_PER_EVENT = 300  # 50 transitions at most, each a handful of commands

KITCHEN_SINK: dict[str, Any] = {
    "start": "hours",
    "nodes": {
        "hours": {
            "kind": "time_condition",
            "timezone": "Europe/Paris",
            "hours": [{"days": "mon-fri", "from": "08:00", "to": "18:00"}],
            "open": "welcome",
            "closed": "welcome",
        },
        "welcome": {
            "kind": "play",
            "media": ["sound:hello-world"],
            "next": "menu",
            "interruptible": True,
        },
        "menu": {
            "kind": "menu",
            "prompt": ["sound:vm-press"],
            "options": {"1": "ask", "2": "lookup", "3": "q", "4": "xfer", "5": "grow", "0": "menu"},
            "timeout_s": 3,
            "max_attempts": 3,
            "on_exhausted": "bye",
        },
        "ask": {
            "kind": "collect",
            "variable": "acct",
            "prompt": ["sound:dir-usingkeypad"],
            "max_length": 8,
            "next": "lookup",
            "on_invalid": "menu",
        },
        "lookup": {
            "kind": "http_lookup",
            "url": "https://crm.example/a/${acct}",
            "assign": {"balance": "balance"},
            "next": "say",
            "on_failure": "menu",
        },
        "say": {"kind": "play", "media": ["number:${balance}"], "next": "menu"},
        "q": {"kind": "queue", "queue": "support", "on_overflow": "menu"},
        "xfer": {"kind": "transfer", "target": "${acct}", "on_failure": "menu"},
        "grow": {"kind": "set_variable", "set": {"x": "${x}${x}1"}, "next": "menu"},
        "bye": {"kind": "hangup", "media": ["sound:goodbye"]},
    },
}

FLOWS = {
    "demo": FlowDefinition.from_json(MAIN_MENU),
    "kitchen_sink": FlowDefinition.from_json(KITCHEN_SINK),
}

# Symbolic events: ids are resolved against the live session when sent, so
# the stream mixes current ids with stale and foreign ones.
actions = st.one_of(
    st.tuples(st.just("dtmf"), st.sampled_from([*"0123456789*#ABCD", "x", ""])),
    st.tuples(st.just("dtmf_flood"), st.integers(1, 40)),
    st.tuples(st.just("finish_awaited"), st.integers(0, 3)),
    st.tuples(st.just("stale_playback"), st.integers(0, 60)),
    st.tuples(st.just("stale_timer"), st.integers(0, 60)),
    st.tuples(
        st.just("queue"), st.sampled_from(["answered", "abandoned", "overflow", "timed_out", "?"])
    ),
    st.tuples(st.just("http"), st.sampled_from([200, 404, None])),
)


def resolve(action: tuple[str, Any], session: FlowSession) -> list[Event]:
    kind, arg = action
    awaited = sorted(session.awaited_ids)
    if kind == "dtmf":
        return [DtmfReceived(arg)]
    if kind == "dtmf_flood":
        return [DtmfReceived(str(n % 10)) for n in range(arg)]
    if kind == "finish_awaited" and awaited:
        target = awaited[arg % len(awaited)]
        if "-pb-" in target:
            return [PlaybackFinished(target)]
        if "-tm-" in target:
            return [TimerExpired(target)]
        return [HttpLookupCompleted(target, 200, '{"balance": 42}', None)]
    if kind == "stale_playback":
        return [PlaybackFinished(f"call-pb-{arg}")]
    if kind == "stale_timer":
        return [TimerExpired(f"call-tm-{arg}")]
    if kind == "queue":
        return [QueueExited(arg, "menu" if arg == "overflow" else None)]
    if kind == "http":
        request = next((i for i in awaited if "-rq-" in i), "call-rq-0")
        return [HttpLookupCompleted(request, arg, "{}", None)]
    return []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flow_name=st.sampled_from(sorted(FLOWS)),
    script=st.lists(actions, max_size=40),
)
def test_given_any_event_sequence_when_handled_then_session_stays_bounded_and_quiet_after_end(
    flow_name: str, script: list[tuple[str, Any]]
) -> None:
    session = FlowSession(FLOWS[flow_name], "call", {"caller_id": "100"})
    now = START
    assert len(session.start(now)) <= MAX_COMMANDS_PER_EVENT

    for action in script:
        for event in resolve(action, session):
            now += timedelta(seconds=1)
            was_finished = session.finished
            commands = session.handle(event, now)

            assert len(commands) <= MAX_COMMANDS_PER_EVENT
            if was_finished:
                assert commands == []
            assert len(session.awaited_ids) <= 3
            assert all(len(value) <= MAX_VARIABLE_CHARS for value in session.variables.values())


def drain(session: FlowSession, now: datetime, max_steps: int) -> list[Any]:
    """Let every playback end and every timer fire, as a silent caller would."""
    emitted: list[Any] = []
    for _ in range(max_steps):
        awaited = sorted(session.awaited_ids)
        if session.finished or not awaited:
            break
        target = awaited[0]
        event: Event = PlaybackFinished(target) if "-pb-" in target else TimerExpired(target)
        emitted += session.handle(event, now)
    return emitted


@settings(max_examples=150, deadline=None)
@given(script=st.lists(actions, max_size=30))
def test_given_demo_call_in_any_state_when_caller_goes_silent_then_it_ends_in_hangup_or_queue(
    script: list[tuple[str, Any]],
) -> None:
    session = FlowSession(FLOWS["demo"], "call")
    history = list(session.start(START))
    for action in script:
        for event in resolve(action, session):
            history += session.handle(event, START)

    # Menu: 3 attempts x (prompt + timer), plus greeting/hold/goodbye playbacks;
    # fax-on-demand's own 3 attempts x (prompt + timer) may come first.
    history += drain(session, START, max_steps=24)

    entered_queue = session.current_node == "support_queue" and not session.finished
    # Voicemail and fax lend the channel to a call service, which bounds the
    # time itself (greeting + max_length_s, a look-up); the flow only waits.
    in_voicemail = session.current_node in ("voicemail", "fax_on_demand") and (
        not session.finished and isinstance(history[-1], RunCallService)
    )
    if entered_queue:
        assert isinstance(history[-1], EnterQueue)
    elif in_voicemail:
        assert isinstance(history[-1], RunCallService)
    else:
        assert session.finished
        assert isinstance(history[-1], Hangup) or session.current_node == "support_queue"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    node_id=st.sampled_from(sorted(KITCHEN_SINK["nodes"])),
    field=st.sampled_from(
        [
            "kind",
            "media",
            "next",
            "options",
            "prompt",
            "hours",
            "holidays",
            "timezone",
            "assign",
            "url",
            "priority",
            "terminator",
            "pattern",
            "max_attempts",
            "set",
            "x",
        ]
    ),
    value=json_values,
)
def test_given_corrupted_node_field_when_validated_or_parsed_then_only_domain_outcomes(
    node_id: str, field: str, value: Any
) -> None:
    document = copy.deepcopy(KITCHEN_SINK)
    document["nodes"][node_id][field] = value

    issues = validate_flow(document)
    structural = {
        "invalid_flow",
        "unknown_kind",
        "invalid_config",
        "dangling_edge",
        "missing_start",
    }
    try:
        FlowDefinition.from_json(json.dumps(document))
    except FlowDefinitionError as error:
        assert error.node_id in (node_id, None)
        assert any(issue.code == error.code for issue in issues)
    else:
        # What the engine accepts, the validator must not call unparsable.
        assert not [issue for issue in issues if issue.code in structural]
