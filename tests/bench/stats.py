"""Pure bookkeeping for the benchmark: outcomes, steps, summaries, the report.

No I/O here, so the arithmetic that ends up in the two final lines can be
tested without Asterisk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# A step passes while at most this share of its calls failed.  With fewer
# than 1000 calls in a step that means: not a single failure.
MAX_FAILED_SHARE = 0.001
# A step losing more than this share of its calls is past the limit at once.
OVERLOADED_FAILED_SHARE = 0.01


@dataclass(frozen=True)
class CallOutcome:
    call_id: str
    failure: str  # "" for a successful call, else a short reason
    dial_to_answer_ms: float | None = None
    answer_to_audio_ms: float | None = None
    tone_after_answer_s: float | None = None

    @property
    def ok(self) -> bool:
        return not self.failure

    @property
    def dial_to_audio_ms(self) -> float | None:
        """What the caller lives through: dialling until the first sound."""
        if self.dial_to_answer_ms is None or self.answer_to_audio_ms is None:
            return None
        return self.dial_to_answer_ms + self.answer_to_audio_ms


@dataclass(frozen=True)
class StepResult:
    concurrency: int
    outcomes: tuple[CallOutcome, ...]
    asterisk_cpu_s: float
    hotline_cpu_s: float | None  # None when no Hotline process was running
    wall_s: float

    @property
    def calls(self) -> int:
        return len(self.outcomes)

    @property
    def failures(self) -> int:
        return sum(1 for outcome in self.outcomes if not outcome.ok)

    @property
    def successes(self) -> int:
        return self.calls - self.failures

    @property
    def passed(self) -> bool:
        return self.calls > 0 and self.failures <= MAX_FAILED_SHARE * self.calls

    def failure_reasons(self) -> dict[str, int]:
        reasons: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.failure:
                reasons[outcome.failure] = reasons.get(outcome.failure, 0) + 1
        return reasons


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with ``share`` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def capacity(steps: Sequence[StepResult]) -> int:
    """Highest step that passed with at most 0.1 % of all calls up to it failed.

    A step of a few hundred calls cannot show 0.1 %: one failed call is
    already 0.3 %.  Rare single failures (seen on both halves, far below
    0.1 % over a run) then ended a ramp at a low step by chance.  Counting every call
    placed up to a step judges the same 0.1 % over enough calls; the step
    itself must still have passed, so a step that lost calls never counts.
    """
    best = 0
    calls = failures = 0
    for step in sorted(steps, key=lambda s: s.concurrency):
        calls += step.calls
        failures += step.failures
        if step.passed and failures <= MAX_FAILED_SHARE * calls:
            best = step.concurrency
    return best


def ramp_is_over(steps: Sequence[StepResult]) -> bool:
    """Stop raising the load: an overloaded step, or two failing steps in a row.

    One failing step with a failure or two may be chance (see ``capacity``),
    so the ramp goes on once; a second failing step, or a step that lost
    more than 1 % of its calls, means the limit is reached.
    """
    if not steps or steps[-1].passed:
        return False
    last = steps[-1]
    if last.failures > OVERLOADED_FAILED_SHARE * last.calls:
        return True
    return len(steps) >= 2 and not steps[-2].passed


@dataclass(frozen=True)
class HalfSummary:
    name: str
    capacity: int
    compared_upto: int  # steps with concurrency <= this feed the numbers below
    calls: int
    failures: int
    audio_p50_ms: float | None  # answer -> first audio
    audio_p99_ms: float | None
    answer_p99_ms: float | None  # dial -> answer
    first_sound_p50_ms: float | None  # dial -> first audio
    first_sound_p99_ms: float | None
    asterisk_cpu_ms_per_call: float | None
    hotline_cpu_ms_per_call: float | None


def summarise(name: str, steps: Sequence[StepResult], compared_upto: int) -> HalfSummary:
    """Latency and CPU over the steps both halves ran at (<= ``compared_upto``).

    Comparing at the same load levels keeps a half that reached higher (and
    slower) steps from looking worse than one that stopped early.  When a half
    passed no step at all its first step is used, so the numbers still say
    something.
    """
    chosen = [s for s in steps if s.concurrency <= compared_upto]
    if not chosen and steps:
        chosen = [min(steps, key=lambda s: s.concurrency)]
    outcomes = [o for s in chosen for o in s.outcomes]
    audio = [o.answer_to_audio_ms for o in outcomes if o.answer_to_audio_ms is not None]
    answer = [o.dial_to_answer_ms for o in outcomes if o.dial_to_answer_ms is not None]
    sound = [ms for ms in (o.dial_to_audio_ms for o in outcomes) if ms is not None]
    successes = sum(s.successes for s in chosen)
    hotline_cpu = [s.hotline_cpu_s for s in chosen if s.hotline_cpu_s is not None]
    return HalfSummary(
        name=name,
        capacity=capacity(steps),
        compared_upto=max((s.concurrency for s in chosen), default=0),
        calls=len(outcomes),
        failures=sum(s.failures for s in chosen),
        audio_p50_ms=percentile(audio, 0.50),
        audio_p99_ms=percentile(audio, 0.99),
        answer_p99_ms=percentile(answer, 0.99),
        first_sound_p50_ms=percentile(sound, 0.50),
        first_sound_p99_ms=percentile(sound, 0.99),
        asterisk_cpu_ms_per_call=_per_call(sum(s.asterisk_cpu_s for s in chosen), successes),
        hotline_cpu_ms_per_call=(_per_call(sum(hotline_cpu), successes) if hotline_cpu else None),
    )


def _per_call(cpu_s: float, calls: int) -> float | None:
    return cpu_s * 1000 / calls if calls else None


def capacity_ratio(hotline: HalfSummary, native: HalfSummary) -> float:
    if native.capacity == 0:
        return 0.0 if hotline.capacity == 0 else math.inf
    return hotline.capacity / native.capacity


def p99_extra_ms(hotline: HalfSummary, native: HalfSummary) -> float | None:
    """Extra p99 latency until the caller hears the greeting, dial to first audio.

    Answer-to-audio alone would flatter a service that answers late: Hotline
    answers only once its app has handled StasisStart, the dialplan at once.
    """
    if hotline.first_sound_p99_ms is not None and native.first_sound_p99_ms is not None:
        return hotline.first_sound_p99_ms - native.first_sound_p99_ms
    if (
        hotline.first_sound_p99_ms is None
        and native.first_sound_p99_ms is None
        and hotline.answer_p99_ms is not None
        and native.answer_p99_ms is not None
    ):
        # Real-SIP callers (SIPp) hear no first audio: dial to answer it is.
        return hotline.answer_p99_ms - native.answer_p99_ms
    return None


def _cell(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value}{unit}"
    return f"{value:.1f}{unit}"


def format_step(half: str, step: StepResult) -> str:
    reasons = ", ".join(f"{k}={v}" for k, v in sorted(step.failure_reasons().items()))
    audio = [o.answer_to_audio_ms for o in step.outcomes if o.answer_to_audio_ms is not None]
    answer = [o.dial_to_answer_ms for o in step.outcomes if o.dial_to_answer_ms is not None]
    sound = [ms for ms in (o.dial_to_audio_ms for o in step.outcomes) if ms is not None]
    # /proc counts CPU in 10 ms ticks: two decimals, so that an A/B of a few
    # per cent on a 6 s step is not lost to rounding.
    hotline_cpu = "" if step.hotline_cpu_s is None else f" hotline_cpu={step.hotline_cpu_s:.2f}s"
    return (
        f"  {half:<7} concurrency={step.concurrency:<3} calls={step.calls:<4} "
        f"failed={step.failures:<3} {'pass' if step.passed else 'FAIL'}  "
        f"dial->answer p99={_cell(percentile(answer, 0.99), 'ms')} "
        f"answer->audio p99={_cell(percentile(audio, 0.99), 'ms')} "
        f"dial->audio p99={_cell(percentile(sound, 0.99), 'ms')}  "
        f"asterisk_cpu={step.asterisk_cpu_s:.2f}s{hotline_cpu}"
        + (f"  [{reasons}]" if reasons else "")
    )


def format_table(halves: Sequence[HalfSummary]) -> str:
    rows = [
        ("max concurrent calls (<=0.1% failed)", [_cell(h.capacity) for h in halves]),
        ("latency compared over steps up to", [_cell(h.compared_upto) for h in halves]),
        ("calls / failed in those steps", [f"{h.calls} / {h.failures}" for h in halves]),
        ("answer -> first audio p50", [_cell(h.audio_p50_ms, " ms") for h in halves]),
        ("answer -> first audio p99", [_cell(h.audio_p99_ms, " ms") for h in halves]),
        ("dial -> answer p99", [_cell(h.answer_p99_ms, " ms") for h in halves]),
        ("dial -> first audio p50", [_cell(h.first_sound_p50_ms, " ms") for h in halves]),
        ("dial -> first audio p99", [_cell(h.first_sound_p99_ms, " ms") for h in halves]),
        ("Asterisk CPU per call", [_cell(h.asterisk_cpu_ms_per_call, " ms") for h in halves]),
        # The app's own process: Hotline's, or the floor app's in its column.
        ("Hotline CPU per call", [_cell(h.hotline_cpu_ms_per_call, " ms") for h in halves]),
    ]
    label_width = max(len(label) for label, _ in rows)
    lines = [f"{'':<{label_width}}  " + "".join(f"{h.name:>16}" for h in halves)]
    for label, cells in rows:
        lines.append(f"{label:<{label_width}}  " + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)
