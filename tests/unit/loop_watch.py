"""How long the event loop is held by code that does not await.

A ticker sleeps 5 ms at a time on the loop.  For each tick it keeps the CPU
time the loop's thread used since the previous one (``time.thread_time``):
a computation or a hash run on the loop shows as one long stretch.

It measures CPU time rather than wall time because ``make test`` runs these
tests at nice 19 alongside the real-call tests.  A process starved of CPU
sees its ticks stretch (295 ms seen in CI) while nothing holds its loop.
Work moved to another thread or process does not count, which is the point.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

TICK_S = 0.005


class LoopWatch:
    """``async with LoopWatch() as watch: ...``, then ``watch.longest_hold_s``."""

    def __init__(self) -> None:
        self.holds_s: list[float] = []
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.thread_time()
        while not self._done.is_set():
            await asyncio.sleep(TICK_S)
            now = time.thread_time()
            self.holds_s.append(now - last)
            last = now

    @property
    def longest_hold_s(self) -> float:
        assert self.holds_s, "the loop never ticked"
        return max(self.holds_s)

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)  # the first tick's start is before the work
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._task is not None:
            await self._task
