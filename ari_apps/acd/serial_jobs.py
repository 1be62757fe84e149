"""Jobs run one after another per call, different calls at once (see
``services.py`` for why the ACD's I/O runs outside its lock)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ari_apps.ari.errors import AriNotFound

log = logging.getLogger(__name__)


class SerialJobs:
    """Jobs run one after another per key (a call); different keys run at once.

    A job that fails is logged and does not stop the jobs after it: the next
    step of a call (hang-up, clean-up) must still happen.
    """

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}

    def run(self, key: str, job: Callable[[], Awaitable[None]]) -> None:
        previous = self._tails.get(key)
        task = asyncio.ensure_future(self._after(previous, job))
        self._tails[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    @staticmethod
    async def _after(
        previous: asyncio.Task[None] | None, job: Callable[[], Awaitable[None]]
    ) -> None:
        if previous is not None:
            # Only the order matters here; the previous job logged its own failure.
            await asyncio.wait([previous])
        try:
            await job()
        except AriNotFound as exc:
            log.info("ACD job: channel or bridge already gone (%s)", exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ACD job failed")

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]

    def cancel(self) -> None:
        for task in self._tails.values():
            task.cancel()
