"""`make bench`: Hotline against a pure-dialplan + app_queue baseline, same box, same run.

Both halves serve the same call: answer, greeting (hello-world), a menu,
the caller presses 1, "one moment please", a queue, an auto-answering agent
playing 440 Hz.  Callers are Local channels whose caller side sits in the
bench's own ARI app; tests/bench/caller.py says what is timed and how.

    .venv/bin/python -m tests.bench.run_bench                 # both halves, then the floor
    .venv/bin/python -m tests.bench.run_bench --only native   # baseline only

After the two halves, the floor (tests/bench/floor_app.py: the same calls
and ARI requests from an app with no features) runs the steps Hotline
passed, so that Hotline's own CPU per call is printed beside what those
calls cost any Python ARI app on this box.

The report ends with ``capacity_ratio=<hotline/native>``,
``p99_extra_ms=<hotline p99 - native p99>`` of dial-to-first-audio, what
that measured, and ``hotline_cpu_ms_per_call`` with its target and the
floor.  Benchmarks print numbers; the exit status only says whether the
run worked.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import secrets
import sys
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from hotline.cli import start_asterisk
from hotline.settings import Settings, load_settings
from tests.bench import bench_config
from tests.bench.agents import delete_bench_endpoints
from tests.bench.ari import AriRequestError, BenchAri
from tests.bench.halves import (
    FLOOR_AGENT_BASE,
    NATIVE_AGENT_BASE,
    BenchOptions,
    agent_extensions,
    run_floor,
    run_hotline,
    run_native,
)
from tests.bench.stats import (
    StepResult,
    capacity,
    capacity_ratio,
    format_table,
    p99_extra_ms,
    summarise,
)

BENCH_APP = "hotline-bench"  # also named in asterisk/bench/hotline-bench.conf
# Up to 300 so that the baseline's own limit is found on a 2-core box: a ratio
# against a baseline that passed every step would only be an upper bound.
# Finer near where both halves have found their limit on 2 cores (200-250),
# so that a capacity ratio is not decided by one coarse step.
DEFAULT_STEPS = "25,50,75,100,130,160,180,200,215,230,250,275,300"
# Hotline's own CPU per call (issue 13's target; 8.4 ms when it was set).
HOTLINE_CPU_TARGET_MS = 4.0
DEFAULT_BUDGET_S = 26 * 60  # native and Hotline about 6 min each, the floor 5


def parse_args(argv: Sequence[str] | None = None) -> BenchOptions:
    parser = argparse.ArgumentParser(prog="run_bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        choices=["native", "hotline", "floor"],
        help="run one half only; floor: the fewest-moves ARI app (tests/bench/floor_app.py)",
    )
    parser.add_argument(
        "--steps", default=DEFAULT_STEPS, help=f"concurrent callers per step ({DEFAULT_STEPS})"
    )
    parser.add_argument("--step-s", type=float, default=15.0, help="seconds of new calls a step")
    parser.add_argument("--call-s", type=float, default=6.0, help="caller hangs up after (s)")
    parser.add_argument(
        "--budget-s", type=float, default=DEFAULT_BUDGET_S, help="start no step past this"
    )
    parser.add_argument(
        "--keep-failed", type=Path, metavar="DIR", help="save failed calls' recordings here"
    )
    parser.add_argument(
        "--callers",
        choices=["ari", "sip"],
        default="ari",
        help="ari: Local channels in Asterisk; sip: SIPp over UDP/RTP via the demo trunk",
    )
    args = parser.parse_args(argv)
    try:
        steps = tuple(sorted({int(value) for value in args.steps.split(",") if value.strip()}))
    except ValueError:
        parser.error("--steps takes comma-separated integers")
    if not steps or steps[0] < 1:
        parser.error("--steps needs positive integers")
    return BenchOptions(
        only=args.only,
        steps=steps,
        step_s=args.step_s,
        call_s=args.call_s,
        budget_s=args.budget_s,
        keep_failed=args.keep_failed,
        callers=args.callers,
    )


async def remove_leftovers(settings: Settings, ari: BenchAri, options: BenchOptions) -> None:
    """Undo what an interrupted earlier run may have left in Asterisk."""
    for channel in await ari.request("GET", "/channels"):
        if str(channel.get("id", "")).startswith("bench-"):
            await ari.request("DELETE", f"/channels/{channel['id']}", accept_missing=True)
    for recording in await ari.request("GET", "/recordings/stored"):
        if str(recording.get("name", "")).startswith("bench-"):
            await ari.request(
                "DELETE", f"/recordings/stored/{recording['name']}", accept_missing=True
            )
    for base in (NATIVE_AGENT_BASE, FLOOR_AGENT_BASE):
        await delete_bench_endpoints(ari, agent_extensions(base, options.steps))
    bench_config.remove_queue(settings)


async def bench(settings: Settings, options: BenchOptions) -> dict[str, list[StepResult]]:
    deadline = time.monotonic() + options.budget_s
    ari = BenchAri(settings.ari_url, settings.ari_user, settings.ari_password, BENCH_APP)
    results: dict[str, list[StepResult]] = {}
    try:
        await ari.connect_events()
        await remove_leftovers(settings, ari, options)
        bench_config.check_dialplan(settings)
        if options.only in (None, "native"):
            results["native"] = await _half(
                "native", run_native(settings, ari, options, deadline, secrets.token_hex(12))
            )
        if options.only in (None, "hotline"):
            results["hotline"] = await _half(
                "hotline", run_hotline(settings, ari, options, deadline)
            )
        if options.only in (None, "floor"):
            floor_options = options
            if "hotline" in results:
                # Only the loads Hotline's figure is made of: the floor is a
                # CPU comparison, not a third capacity.
                floor_options = dataclasses.replace(
                    options, steps=floor_steps(options.steps, results["hotline"])
                )
            results["floor"] = await _half(
                "floor",
                run_floor(settings, ari, floor_options, deadline, secrets.token_hex(12)),
            )
        left = [
            c["id"] for c in await ari.request("GET", "/channels") if c["id"].startswith("bench-")
        ]
        if left:
            print(f"warning: {len(left)} bench channels still up: {left[:5]}")
    finally:
        await ari.close()
    return results


async def _half(name: str, run: Coroutine[Any, Any, list[StepResult]]) -> list[StepResult]:
    """Run one half; a half that cannot run reports no capacity, not a traceback."""
    try:
        return await run
    except Exception as error:  # the other half and the report still matter
        print(f"{name}: could not run: {type(error).__name__}: {error}", flush=True)
        return []


def floor_steps(steps: tuple[int, ...], hotline: list[StepResult]) -> tuple[int, ...]:
    """The steps up to Hotline's capacity (its first step when it passed none)."""
    reached = capacity(hotline)
    chosen = tuple(step for step in steps if step <= reached)
    return chosen or steps[:1]


def print_report(results: dict[str, list[StepResult]], options: BenchOptions) -> None:
    halves = {name: steps for name, steps in results.items() if name != "floor"}
    reached = [capacity(steps) for steps in halves.values()]
    # Latency and CPU are compared over the load levels both halves passed.
    common = min(reached) if reached else 0
    summaries = {name: summarise(name, steps, common) for name, steps in halves.items()}
    if "floor" in results:
        # The floor only says what the same calls cost a featureless app:
        # over the steps Hotline's own figure covers (all it ran if alone).
        floor_upto = common if halves else max(options.steps)
        summaries["floor"] = summarise("floor", results["floor"], floor_upto)
    print()
    print(format_table(list(summaries.values())))
    for summary in summaries.values():
        if summary.capacity == max(options.steps):
            print(f"note: {summary.name} passed the largest step; its capacity is at least that")
            if summary.name == "native":
                print("note: so capacity_ratio below is an upper bound, not a measurement")
    native = summaries.get("native")
    hotline = summaries.get("hotline")
    ratio = extra = "n/a"
    if native is not None and hotline is not None:
        ratio = f"{capacity_ratio(hotline, native):.2f}"
        extra_ms = p99_extra_ms(hotline, native)
        extra = "n/a" if extra_ms is None else f"{extra_ms:.1f}"
    print(f"capacity_ratio={ratio}")
    print(f"p99_extra_ms={extra}")
    measured = "dial_to_answer" if options.callers == "sip" else "dial_to_first_audio"
    print(f"p99_extra_measures={measured} callers={options.callers}")
    cpu = hotline.hotline_cpu_ms_per_call if hotline is not None else None
    shown = "n/a" if cpu is None else f"{cpu:.1f}"
    floor = summaries.get("floor")
    floor_cpu = floor.hotline_cpu_ms_per_call if floor is not None else None
    floor_shown = "" if floor_cpu is None else f", floor {floor_cpu:.1f}"
    print(f"hotline_cpu_ms_per_call={shown} (target <= {HOTLINE_CPU_TARGET_MS:.1f}{floor_shown})")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    settings = load_settings()
    started = time.monotonic()
    start_asterisk(settings)
    try:
        results = asyncio.run(bench(settings, options))
    except KeyboardInterrupt:
        print("bench interrupted", file=sys.stderr)
        return 130
    except (bench_config.BaselineNotLoaded, AriRequestError, aiohttp.ClientError) as error:
        print(f"bench could not start: {error}", file=sys.stderr)
        return 1
    print(f"\nbench finished in {(time.monotonic() - started) / 60:.1f} min")
    print_report(results, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
