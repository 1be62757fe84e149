"""SerialJobs: per call in order and never overlapping, calls at once, and a
failing job never stops the call's next step."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ari_apps.acd.serial_jobs import Job, SerialJobs
from ari_apps.ari.errors import CHANNEL_NOT_IN_STASIS_MESSAGE, AriConflict, AriNotFound


async def _settle(jobs: SerialJobs) -> None:
    """Every job queued so far has run (or was cancelled)."""
    async with asyncio.timeout(5):
        while jobs._workers:
            await asyncio.gather(*jobs._workers.values(), return_exceptions=True)
    assert not jobs._queues


async def test_one_calls_jobs_run_in_order_without_overlapping() -> None:
    jobs = SerialJobs()
    trace: list[str] = []

    def job(name: str, pause_s: float) -> Job:
        async def step() -> None:
            trace.append(f"{name}+")
            await asyncio.sleep(pause_s)
            trace.append(f"{name}-")

        return step

    for name, pause_s in (("a", 0.02), ("b", 0.0), ("c", 0.01)):
        jobs.run("call-1", job(name, pause_s))
    await _settle(jobs)
    assert trace == ["a+", "a-", "b+", "b-", "c+", "c-"]
    assert not jobs._workers


async def test_other_calls_do_not_wait_for_a_slow_one() -> None:
    jobs = SerialJobs()
    release = asyncio.Event()
    quick_done = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        await release.wait()
        done.append("slow")

    async def quick() -> None:
        done.append("quick")
        quick_done.set()

    jobs.run("call-1", slow)
    jobs.run("call-2", quick)
    async with asyncio.timeout(5):
        await quick_done.wait()
    assert done == ["quick"]
    release.set()
    await _settle(jobs)
    assert done == ["quick", "slow"]


async def test_a_failing_or_cancelled_job_does_not_stop_the_next(
    caplog: pytest.LogCaptureFixture,
) -> None:
    jobs = SerialJobs()
    ran: list[str] = []

    async def gone() -> None:
        raise AriNotFound(404, "POST", "/channels/x/answer", "Channel not found")

    async def broken() -> None:
        raise RuntimeError("boom")

    async def awaited_something_cancelled() -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.cancel()
        await future

    async def next_step() -> None:
        ran.append("hang-up")

    for job in (gone, broken, awaited_something_cancelled, next_step):
        jobs.run("call-1", job)
    await _settle(jobs)
    assert ran == ["hang-up"]
    assert "ACD job failed" in caplog.text


async def test_a_channel_gone_or_leaving_is_a_hang_up_race_not_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Asterisk answers 404 to a channel already destroyed and 409 "Channel
    not in Stasis application" to one whose application ended and that is
    not destroyed yet; either way the caller hung up meanwhile."""
    jobs = SerialJobs()
    ran: list[str] = []

    async def gone() -> None:
        raise AriNotFound(404, "POST", "/channels/x/answer", "Channel not found")

    async def leaving() -> None:
        raise AriConflict(409, "POST", "/channels/x/play", CHANNEL_NOT_IN_STASIS_MESSAGE)

    async def refused() -> None:
        raise AriConflict(409, "POST", "/bridges/b/addChannel", "Channel not answered")

    async def next_step() -> None:
        ran.append("hang-up")

    caplog.set_level(logging.INFO, logger="ari_apps.acd.serial_jobs")
    for job in (gone, leaving, next_step):
        jobs.run("call-1", job)
    await _settle(jobs)
    assert ran == ["hang-up"]
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.INFO]
    caplog.clear()
    jobs.run("call-1", refused)
    await _settle(jobs)
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "ACD job failed" in caplog.text


async def test_a_job_may_queue_the_calls_next_job_which_runs_after_it() -> None:
    jobs = SerialJobs()
    trace: list[str] = []

    async def second() -> None:
        trace.append("second")

    async def first() -> None:
        jobs.run("call-1", second)
        await asyncio.sleep(0.01)
        trace.append("first")

    jobs.run("call-1", first)
    await _settle(jobs)
    assert trace == ["first", "second"]


async def test_cancel_stops_the_running_jobs_and_drops_the_queued_ones() -> None:
    jobs = SerialJobs()
    started = asyncio.Event()
    ran: list[str] = []

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    async def queued() -> None:
        ran.append("queued")

    jobs.run("call-1", forever)
    jobs.run("call-1", queued)
    await started.wait()
    jobs.cancel()
    await _settle(jobs)
    assert ran == []
    # The call's next jobs run afresh.
    jobs.run("call-1", queued)
    await _settle(jobs)
    assert ran == ["queued"]
