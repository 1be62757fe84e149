"""CPU work out of the event loop: a child process per job, a hard time limit."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass, field
from typing import Any

import pytest

from hotline import offload

JOBS = "tests.unit.offload_jobs"


@dataclass
class Started:
    """Every child process the jobs start, to check none outlives its job."""

    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    first: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def returncodes(self) -> list[int | None]:
        return [process.returncode for process in self.processes]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Started:
    record = Started()
    spawn = asyncio.create_subprocess_exec

    async def recording_spawn(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await spawn(*args, **kwargs)
        record.processes.append(process)
        record.first.set()
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recording_spawn)
    return record


LOWEST_PRIORITY = 19  # the highest niceness Linux gives


async def test_given_job_then_its_json_answer_comes_back_from_a_lower_priority_child(
    started: Started,
) -> None:
    assert await offload.run_job(JOBS, [1, "two", 3.5], time_limit_s=30) == {
        "echo": [1, "two", 3.5]
    }
    # CHILD_NICENESS lower than the server's own priority, which is not 0
    # under make test (nice 19, where Linux's scale ends).
    expected = min(os.nice(0) + offload.CHILD_NICENESS, LOWEST_PRIORITY)
    assert await offload.run_job(JOBS, "niceness", time_limit_s=30) == expected
    assert started.returncodes == [0, 0]


@pytest.mark.security
async def test_given_runaway_job_then_killed_at_its_limit_and_timed_out(
    started: Started,
) -> None:
    with pytest.raises(offload.JobTimedOut) as raised:
        await offload.run_job(JOBS, "spin", time_limit_s=1.0)

    assert raised.value.status_code == 503
    assert started.returncodes == [-signal.SIGKILL]
    # The next job is not held up by the killed one.
    assert await offload.run_job(JOBS, "after", time_limit_s=30) == {"echo": "after"}


@pytest.mark.security
async def test_given_job_running_then_another_waits_only_its_own_limit_then_busy(
    started: Started,
) -> None:
    runaway = asyncio.create_task(offload.run_job(JOBS, "spin", time_limit_s=3.0))
    await asyncio.wait_for(started.first.wait(), 30)

    with pytest.raises(offload.JobBusy):
        await offload.run_job(JOBS, "queued", time_limit_s=0.2)

    with pytest.raises(offload.JobTimedOut):
        await runaway
    assert len(started.processes) == 1  # the refused job never started a process


@pytest.mark.security
async def test_given_request_cancelled_then_its_child_is_killed(
    started: Started,
) -> None:
    job = asyncio.create_task(offload.run_job(JOBS, "spin", time_limit_s=30))
    await asyncio.wait_for(started.first.wait(), 30)

    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job

    assert started.returncodes == [-signal.SIGKILL]


async def test_given_crashing_job_then_job_failed() -> None:
    with pytest.raises(offload.JobFailed):
        await offload.run_job(JOBS, "crash", time_limit_s=30)
