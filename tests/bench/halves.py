"""The two halves of the benchmark, and the floor: set up agents, ramp the load, tear down.

Native agents are 3001.. (PJSIP endpoints created here through ARI), Hotline
agents are 2001.. (added to Hotline's database, provisioned by Hotline), the
floor's 4001.. (created here like the native ones), so none of them touches
the demo agents 1001/1002.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ari_apps.demo_call.phone import free_udp_port
from hotline.asterisk_config import BENCH_BASELINE_TRUNK_VALUE, DEMO_TRUNK_VALUE
from hotline.settings import Settings
from tests.bench import bench_config, hotline_side
from tests.bench.agents import (
    AgentPool,
    check_endpoints_free,
    create_endpoints,
    delete_bench_endpoints,
    delete_endpoints,
)
from tests.bench.ari import BenchAri
from tests.bench.caller import CallPlan
from tests.bench.floor_app import READY
from tests.bench.procs import asterisk_pid, cpu_seconds
from tests.bench.ramp import StepPlan, drain_calls, run_step
from tests.bench.sipp_callers import SippStep, run_sipp_step
from tests.bench.stats import StepResult, format_step, ramp_is_over

NATIVE_AGENT_BASE = 3001
HOTLINE_AGENT_BASE = 2001
# Agents per concurrent caller: an agent stays busy ~4 s per 6.5 s call
# cycle plus 3 s wrap-up, so a caller slot needs a bit more than one agent.
AGENT_HEADROOM = 1.25
WRAP_UP_S = 3.0  # both queues' wrap-up; idle time between steps
# SIPp's RTP: away from Asterisk's (10000-20000) and the agents' (40000-48000).
SIPP_MEDIA_PORT = 30000

CpuSampler = Callable[[], tuple[float, float | None]]


@dataclass(frozen=True)
class BenchOptions:
    only: str | None  # "native", "hotline" or None for both
    steps: tuple[int, ...]
    step_s: float
    call_s: float
    budget_s: float
    keep_failed: Path | None
    callers: str = "ari"  # "ari": Local channels; "sip": SIPp through the demo trunk

    def step_estimate_s(self) -> float:
        """A step's length: new calls, the last call, judging, wrap-up."""
        return self.step_s + self.call_s + WRAP_UP_S + 5


def agent_extensions(base: int, steps: tuple[int, ...]) -> list[str]:
    count = math.ceil(max(steps) * AGENT_HEADROOM) + 2
    return [str(base + index) for index in range(count)]


@dataclass(frozen=True)
class SipTarget:
    """Where a half's real-SIP callers go: a DID behind one of the demo trunks."""

    did: str
    trunk: str
    sip_port: int
    agent_log: Path
    workdir: Path


def agent_pool(settings: Settings, extensions: list[str], password: str, half: str) -> AgentPool:
    return AgentPool(
        extensions,
        password,
        settings.sip_host,
        settings.sip_port,
        settings.var_dir / "bench" / f"{half}-agents",
    )


def sip_target(settings: Settings, did: str, trunk: str, pool: AgentPool, half: str) -> SipTarget:
    """Where a half's SIPp callers go, and the agents' log that counts answers."""
    return SipTarget(
        did,
        trunk,
        settings.sip_port,
        pool.workdir / "baresip.log",
        settings.var_dir / "bench" / f"sipp-{half}",
    )


async def ramp(
    ari: BenchAri,
    half: str,
    endpoint: str,
    options: BenchOptions,
    cpu: CpuSampler,
    deadline: float,
    extensions: list[str],
    sip: SipTarget | None = None,
) -> list[StepResult]:
    """Raise the concurrency step by step until the limit is reached or time runs out."""
    results: list[StepResult] = []
    for concurrency in options.steps:
        if time.monotonic() + options.step_estimate_s() > deadline:
            print(f"  {half:<7} concurrency={concurrency}: skipped, time budget used up")
            break
        if options.callers == "sip" and sip is not None:
            sipp_step = SippStep(
                half=half,
                did=sip.did,
                trunk=sip.trunk,
                concurrency=concurrency,
                duration_s=options.step_s,
                call_s=options.call_s,
                sip_port=sip.sip_port,
                local_port=free_udp_port(),
                media_port=SIPP_MEDIA_PORT,
            )
            step = await run_sipp_step(sipp_step, sip.workdir, sip.agent_log, cpu)
        else:
            plan = StepPlan(
                half=half,
                concurrency=concurrency,
                duration_s=options.step_s,
                keep_failed_in=options.keep_failed,
                call=CallPlan(
                    endpoint=endpoint,
                    caller_context=bench_config.CALLER_CONTEXT,
                    call_s=options.call_s,
                ),
            )
            step = await run_step(ari, plan, cpu)
        results.append(step)
        print(format_step(half, step), flush=True)
        forced = await drain_calls(ari, f"bench-{half}-", extensions)
        if forced:
            print(f"  {half:<7} hung up {forced} channels still up 60 s after the step")
        if ramp_is_over(results):
            break
        # Every agent back from wrap-up before the next, bigger step.
        await asyncio.sleep(WRAP_UP_S)
    return results


async def run_native(
    settings: Settings,
    ari: BenchAri,
    options: BenchOptions,
    deadline: float,
    password: str,
) -> list[StepResult]:
    """The pure-dialplan baseline with its own agents and queue."""
    extensions = agent_extensions(NATIVE_AGENT_BASE, options.steps)
    pool = agent_pool(settings, extensions, password, "native")
    print(f"native: {len(extensions)} agents {extensions[0]}..{extensions[-1]}", flush=True)
    await check_endpoints_free(ari, extensions)
    try:
        await create_endpoints(ari, extensions, password)
        bench_config.install_queue(settings, extensions)
        pool.start()
        await pool.wait_registered(ari)

        def cpu() -> tuple[float, float | None]:
            # Hotline has no part in these calls; an idle Hotline's CPU
            # would only blur the baseline's column.
            return cpu_seconds(asterisk_pid(settings)) or 0.0, None

        sip = sip_target(
            settings, bench_config.NATIVE_DID, BENCH_BASELINE_TRUNK_VALUE, pool, "native"
        )
        return await ramp(
            ari, "native", bench_config.NATIVE_ENDPOINT, options, cpu, deadline, extensions, sip
        )
    finally:
        with contextlib.suppress(Exception):
            await drain_calls(ari, "bench-native-", extensions, timeout_s=10)
        pool.stop()
        bench_config.remove_queue(settings)
        with contextlib.suppress(Exception):
            await delete_bench_endpoints(ari, extensions)


async def run_hotline(
    settings: Settings, ari: BenchAri, options: BenchOptions, deadline: float
) -> list[StepResult]:
    """Hotline with bench agents; Hotline is left running only if it was before."""
    extensions = agent_extensions(HOTLINE_AGENT_BASE, options.steps)
    was_running = hotline_side.hotline_pid(settings) is not None
    pool = agent_pool(settings, extensions, settings.demo_sip_password, "hotline")
    print(f"hotline: {len(extensions)} agents {extensions[0]}..{extensions[-1]}", flush=True)
    bridges_before = {b["id"] for b in await ari.request("GET", "/bridges")}
    hotline_side.stop(settings)
    recording_policy: str | None = None
    try:
        try:
            recording_policy = await hotline_side.add_bench_agents(settings, extensions)
        except hotline_side.DemoNotSeeded:
            # First start ever: let Hotline seed the demo tenant, then retry.
            hotline_side.restart_hotline(settings)
            hotline_side.stop(settings)
            recording_policy = await hotline_side.add_bench_agents(settings, extensions)
        pid = hotline_side.restart_hotline(settings)
        await wait_hotline_ready(ari, settings, extensions)
        pool.start()
        await pool.wait_registered(ari)
        # Let Hotline's ACD see the new phones' endpoint state changes.
        await asyncio.sleep(2)

        def cpu() -> tuple[float, float | None]:
            return cpu_seconds(asterisk_pid(settings)) or 0.0, cpu_seconds(pid)

        sip = sip_target(settings, hotline_side.HOTLINE_DID, DEMO_TRUNK_VALUE, pool, "hotline")
        return await ramp(
            ari,
            "hotline",
            hotline_side.HOTLINE_ENDPOINT,
            options,
            cpu,
            deadline,
            extensions,
            sip,
        )
    finally:
        # Each step on its own: a failed drain must not leave bench agents
        # registered in the demo queue for whoever uses the sandbox next.
        with contextlib.suppress(Exception):
            await drain_calls(ari, "bench-hotline-", extensions, timeout_s=10)
        pool.stop()
        hotline_side.stop(settings)
        # Only rows the bench made (add_bench_agents refuses taken extensions).
        removed = await hotline_side.remove_bench_agents(settings, extensions, recording_policy)
        with contextlib.suppress(Exception):
            await delete_endpoints(ari, removed)
            await drop_new_empty_bridges(ari, bridges_before)
        print(f"hotline: removed {len(removed)} bench agents", flush=True)
        if was_running:
            hotline_side.restart_hotline(settings)


async def wait_hotline_ready(ari: BenchAri, settings: Settings, extensions: list[str]) -> None:
    """Bounded wait for Hotline's ARI app and its bench agents' endpoints."""
    for _ in range(150):
        apps = {app.get("name") for app in await ari.request("GET", "/applications")}
        endpoints = await ari.request("GET", "/endpoints/PJSIP")
        known = {endpoint.get("resource") for endpoint in endpoints}
        if settings.ari_app in apps and all(ext in known for ext in extensions):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("Hotline did not connect to ARI or provision the bench agents in 30 s")


async def drop_new_empty_bridges(ari: BenchAri, before: set[str]) -> None:
    """Bridges created during the Hotline half that outlived their calls."""
    leaked = [
        bridge
        for bridge in await ari.request("GET", "/bridges")
        if bridge["id"] not in before and not bridge.get("channels")
    ]
    for bridge in leaked:
        await ari.request("DELETE", f"/bridges/{bridge['id']}", accept_missing=True)
    if leaked:
        print(f"hotline: removed {len(leaked)} empty bridges left after the calls", flush=True)


FLOOR_AGENT_BASE = 4001


async def run_floor(
    settings: Settings, ari: BenchAri, options: BenchOptions, deadline: float, password: str
) -> list[StepResult]:
    """The floor (tests/bench/floor_app.py) in Hotline's place, same DID and calls."""
    extensions = agent_extensions(FLOOR_AGENT_BASE, options.steps)
    was_running = hotline_side.hotline_pid(settings) is not None
    pool = agent_pool(settings, extensions, password, "floor")
    print(f"floor: {len(extensions)} agents {extensions[0]}..{extensions[-1]}", flush=True)
    await check_endpoints_free(ari, extensions)
    bridges_before = {b["id"] for b in await ari.request("GET", "/bridges")}
    hotline_side.stop(settings)
    app: asyncio.subprocess.Process | None = None
    try:
        await create_endpoints(ari, extensions, password)
        pool.start()
        await pool.wait_registered(ari)
        app = await start_floor_app(extensions)
        floor_pid = app.pid

        def cpu() -> tuple[float, float | None]:
            return cpu_seconds(asterisk_pid(settings)) or 0.0, cpu_seconds(floor_pid)

        sip = sip_target(settings, hotline_side.HOTLINE_DID, DEMO_TRUNK_VALUE, pool, "floor")
        return await ramp(
            ari, "floor", hotline_side.HOTLINE_ENDPOINT, options, cpu, deadline, extensions, sip
        )
    finally:
        with contextlib.suppress(Exception):
            await drain_calls(ari, "bench-floor-", extensions, timeout_s=10)
        if app is not None:
            await stop_floor_app(app)
        pool.stop()
        with contextlib.suppress(Exception):
            await delete_bench_endpoints(ari, extensions)
            await drop_new_empty_bridges(ari, bridges_before)
        if was_running:
            hotline_side.restart_hotline(settings)


async def start_floor_app(extensions: list[str]) -> asyncio.subprocess.Process:
    """Start tests/bench/floor_app.py; returns once its events flow."""
    app = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.floor_app",
        "--agents",
        f"{extensions[0]}-{extensions[-1]}",
        "--wrap-up-s",
        str(WRAP_UP_S),
        stdout=asyncio.subprocess.PIPE,
    )
    assert app.stdout is not None
    try:
        async with asyncio.timeout(30):
            line = await app.stdout.readline()
    except TimeoutError:
        line = b""
    if line.decode().strip() != READY:
        await stop_floor_app(app)
        raise RuntimeError(f"the floor app did not connect to ARI (exit status {app.returncode})")
    return app


async def stop_floor_app(app: asyncio.subprocess.Process) -> None:
    if app.returncode is None:
        app.terminate()
    try:
        async with asyncio.timeout(10):
            await app.wait()
    except TimeoutError:
        app.kill()
        await app.wait()
