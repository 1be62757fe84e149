"""Jobs run one after another per call, different calls at once (see
``services.py`` for why the ACD's I/O runs outside its lock)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from ari_apps.ari.errors import AriError, channel_left_application

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class SerialJobs:
    """Jobs run one after another per key (a call); different keys run at once.

    A job that fails is logged and does not stop the jobs after it: the next
    step of a call (hang-up, clean-up) must still happen.

    One worker task per key drains that key's jobs and ends when none is
    left.  (A task per job, each waiting for the one before, cost a task and
    an ``asyncio.wait`` per job: about six a call under ``make bench``.)
    """

    def __init__(self) -> None:
        # A key's queue holds its running job first, then the jobs waiting.
        self._queues: dict[str, deque[Job]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def run(self, key: str, job: Job) -> None:
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return
        queue = deque((job,))
        self._queues[key] = queue
        self._workers[key] = asyncio.ensure_future(self._drain(key, queue))

    async def _drain(self, key: str, queue: deque[Job]) -> None:
        try:
            while queue:
                try:
                    await queue[0]()
                except AriError as exc:
                    if channel_left_application(exc):
                        # A hang-up raced the job; its StasisEnd cleans up.
                        log.info("ACD job: channel or bridge gone or leaving (%s)", exc)
                    else:
                        log.exception("ACD job failed")
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise  # ``cancel``: the key's remaining jobs go too
                    # Something the job awaited was cancelled: its failure only.
                    log.warning("ACD job for %s cancelled", key)
                except Exception:
                    log.exception("ACD job failed")
                finally:
                    queue.popleft()
        finally:
            # No await since the queue was found empty: ``run`` cannot have
            # added a job that nobody would run.
            if self._queues.get(key) is queue:
                del self._queues[key]
                del self._workers[key]

    def cancel(self) -> None:
        for task in self._workers.values():
            task.cancel()
