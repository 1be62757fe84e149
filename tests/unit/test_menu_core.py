"""The shared menu core (ari_apps/ivr/menu_core.py): its rules as invariants.

The flow engine's menu and collect nodes, the fax-on-demand node and the
voicemail phone menu all run on it; their own tests pin what each menu does
with a key.  Here hypothesis drives the core alone with random operations.
"""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ari_apps.ivr.commands import CancelTimer, Play, StartTimer, StopPlayback
from ari_apps.ivr.menu_core import Attempts, DigitEntry, PromptWait

ROOT = Path(__file__).resolve().parents[2]
KEYS = st.sampled_from(list("0123456789*#ABCD"))

prompt_operations = st.lists(
    st.one_of(
        st.tuples(st.just("play"), st.integers(0, 5)),
        st.tuples(st.just("wait"), st.integers(0, 5)),
        st.tuples(st.just("quiet"), st.just(0)),
        st.tuples(st.just("prompt_done"), st.integers(0, 5)),
        st.tuples(st.just("timer_fired"), st.integers(0, 5)),
        st.tuples(st.just("forget"), st.just(0)),
    ),
    max_size=40,
)


@given(prompt_operations)
def test_prompt_wait_keeps_one_prompt_and_one_timer_and_ignores_stale_ends(
    operations: list[tuple[str, int]],
) -> None:
    prompt = PromptWait()
    for operation, number in operations:
        live = (prompt.playback_id, prompt.timer_id)
        if operation == "play":
            # A menu stops its prompt before the next (rule 1); the core keeps the newest.
            prompt.quiet()
            prompt.playing(Play(f"pb-{number}", ("sound:x",)))
            assert prompt.playback_id == f"pb-{number}" and prompt.timer_id is None
        elif operation == "wait":
            prompt.waiting(StartTimer(f"tm-{number}", 5.0))
            assert prompt.timer_id == f"tm-{number}"
        elif operation == "quiet":
            stops = prompt.quiet()
            expected: list[StopPlayback | CancelTimer] = []
            if live[0] is not None:
                expected.append(StopPlayback(live[0]))
            if live[1] is not None:
                expected.append(CancelTimer(live[1]))
            assert stops == expected  # exactly what ran, each once (barge-in, rule 2)
            assert prompt.playback_id is None and prompt.timer_id is None
        elif operation == "prompt_done":
            ended = prompt.prompt_done(f"pb-{number}")
            assert ended == (live[0] == f"pb-{number}")  # stale ends are ignored (rule 4)
            assert prompt.playback_id == (None if ended else live[0])
            assert prompt.timer_id == live[1]
        elif operation == "timer_fired":
            fired = prompt.timer_fired(f"tm-{number}")
            assert fired == (live[1] == f"tm-{number}")
            assert prompt.timer_id == (None if fired else live[1])
            assert prompt.playback_id == live[0]
        else:
            prompt.forget()
            assert prompt.quiet() == []


@given(
    st.integers(1, 8),
    st.one_of(st.none(), st.just("#")),
    st.booleans(),
    st.lists(KEYS, max_size=60),
)
def test_digit_entry_never_grows_past_its_limit_and_never_keeps_its_terminator(
    max_length: int, terminator: str | None, ends_when_full: bool, keys: list[str]
) -> None:
    entry = DigitEntry(max_length, terminator, ends_when_full)
    for key in keys:
        before = entry.digits
        complete = entry.press(key)
        assert len(entry.digits) <= max_length  # a DTMF flood cannot grow it (rule 5)
        if key == terminator:
            assert complete and entry.digits == before
        else:
            kept = before + key if len(before) < max_length else before
            assert entry.digits == kept
            assert complete == (ends_when_full and len(kept) == max_length)
        if complete:
            assert entry.take() == (before if key == terminator else kept)
            assert entry.digits == ""


@given(st.integers(1, 10), st.integers(0, 30))
def test_attempts_are_exhausted_exactly_at_the_limit(limit: int, failures: int) -> None:
    attempts = Attempts(limit)
    answers = [attempts.fail() for _ in range(failures)]
    assert answers[: limit - 1] == [False] * min(failures, limit - 1)
    assert all(answers[limit - 1 :])
    attempts.reset()
    assert attempts.failed == 0 and (attempts.fail() == (limit == 1))


def test_every_dtmf_menu_runs_on_the_shared_menu_core() -> None:
    """One menu engine: the flow nodes, fax on demand and the voicemail menu."""
    menus = ["ari_apps/ivr/node_input.py", "fax/nodes.py", "vm/access_core.py"]
    for menu in menus:
        tree = ast.parse((ROOT / menu).read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module is not None
        }
        assert "ari_apps.ivr.menu_core" in imported, menu
        # No menu keeps its own playback/timer bookkeeping beside the core's.
        source = (ROOT / menu).read_text()
        assert "StopPlayback(self." not in source and "CancelTimer(self." not in source, menu
