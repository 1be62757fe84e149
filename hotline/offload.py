"""CPU-bound work in a child process, with a hard time limit, one job at a time.

Why: the web pages, the ARI websocket and the ACD share one event loop, so a
handler that computes for 100 ms delays every call event by 100 ms.  A
thread does not help pure-Python arithmetic (it holds the GIL and takes the
loop's CPU share), and a ``ProcessPoolExecutor`` worker cannot be stopped
once it runs.  A child process can: the loop only waits on its pipes, and a
job that outlives its limit is killed, never waited for.

The protocol is JSON both ways: ``python -m <module>`` reads one request on
stdin and writes one answer on stdout (``serve_one`` does both for the
module).  Jobs run one at a time so a burst of requests cannot take both
cores of a small box from the calls; a request that cannot even start within
its limit is refused as busy.  The child lowers its own priority and sets a
CPU-time rlimit, so it dies even if this process is killed before it.

Starting the interpreter costs ~40 ms of the child's CPU (measured), paid
off the loop; on the loop a job costs the fork/exec and a few pipe reads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from hotline.errors import HotlineError

log = logging.getLogger(__name__)

# The directory holding the hotline package: the child must import the same
# code however this process was started.
SOURCE_ROOT: Final = Path(__file__).resolve().parent.parent
CHILD_NICENESS: Final = 10

_one_at_a_time = asyncio.Lock()


class JobError(HotlineError):
    """The job gave no answer; ``error_id`` says why."""


class JobTimedOut(JobError):
    error_id = "job-timed-out"
    status_code = 503


class JobBusy(JobError):
    error_id = "job-busy"
    status_code = 503


class JobFailed(JobError):
    error_id = "job-failed"
    status_code = 500


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(SOURCE_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


async def run_job(module: str, request: Any, *, time_limit_s: float) -> Any:
    """``python -m module`` answers ``request``; JobBusy/JobTimedOut past the limit.

    The limit covers waiting for the previous job too, so a caller never
    waits much longer than ``time_limit_s``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit_s
    details = {"job": module, "time_limit_s": time_limit_s}
    try:
        await asyncio.wait_for(_one_at_a_time.acquire(), time_limit_s)
    except TimeoutError:
        raise JobBusy(f"{module}: another job is still running", details) from None
    try:
        return await _run(module, request, deadline - loop.time(), details)
    finally:
        _one_at_a_time.release()


async def _run(module: str, request: Any, time_left_s: float, details: dict[str, Any]) -> Any:
    payload = json.dumps({"request": request, "cpu_limit_s": details["time_limit_s"]}).encode()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_child_env(),
    )
    try:
        async with asyncio.timeout(max(time_left_s, 0.0)):
            out, err = await process.communicate(payload)
    except TimeoutError:
        raise JobTimedOut(f"{module}: stopped after {details['time_limit_s']} s", details) from None
    finally:
        # Also on cancellation (the client went away): nothing outlives its request.
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        log.error("job %s exited with %s: %s", module, process.returncode, err[-2000:])
        raise JobFailed(f"{module}: exited with {process.returncode}", details)
    try:
        return json.loads(out)["answer"]
    except (ValueError, KeyError, TypeError) as error:
        raise JobFailed(f"{module}: unreadable answer", details) from error


def serve_one(answer: Callable[[Any], Any]) -> None:
    """The child's side: one JSON request on stdin, ``answer(request)`` on stdout."""
    message = json.load(sys.stdin)
    os.nice(CHILD_NICENESS)
    try:
        import resource

        seconds = max(1, math.ceil(float(message["cpu_limit_s"])) + 1)
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on Linux
        pass
    json.dump({"answer": answer(message["request"])}, sys.stdout)
