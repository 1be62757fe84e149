"""An ordered background writer for the database writes calls make on the way.

Why: every call writes a dozen timeline rows and state rows (entered, nodes,
inputs, queued, offered, answered, ended, waiting/connected state).  Awaiting
each one inline put a SQLite commit (an fsync with WAL + synchronous=FULL)
and two thread hops on the path of every ARI event, and under the ACD lock
that serialised the whole contact center behind the disk (``make bench``).

Writes are submitted in order and applied in order by one task, many per
transaction.  A submitted write survives as long as the process does;
``flush()`` waits until everything submitted so far is committed, which
readers that must see their own writes (the API's call detail, reconcile
after a reconnect, tests) call first.  A kill -9 can lose the last few
milliseconds of writes, which is the trade-off every buffered log makes;
callers in Asterisk are not affected by it (reconcile adopts what it finds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)

# One write: given the transaction's connection, do it.
Write = Callable[[BaseDBAsyncClient], Awaitable[None]]
# A write that may be merged with its neighbours of the same ``batch_key``
# (bulk inserts): ``merge`` gets all of them, in order.
MAX_BATCH: Final = 100


class BatchableWrite:
    """A write whose consecutive siblings are applied as one statement."""

    def __init__(self, batch_key: str, item: object, merge: BatchApply) -> None:
        self.batch_key = batch_key
        self.item = item
        self.merge = merge


BatchApply = Callable[[BaseDBAsyncClient, list[object]], Awaitable[None]]


class BackgroundWriter:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[Write | BatchableWrite] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(self, write: Write | BatchableWrite) -> None:
        queue = self._ensure_running()
        queue.put_nowait(write)

    async def flush(self) -> None:
        """Wait until every write submitted before this call is committed."""
        if self._queue is None or self._loop is not asyncio.get_running_loop():
            return
        await self._queue.join()

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        self._queue = None
        self._loop = None

    def _ensure_running(self) -> asyncio.Queue[Write | BatchableWrite]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None:
            # A new event loop (tests run one per test) gets a new writer; what
            # an old, closed loop had pending is gone with it.
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name="db-writer")
        return self._queue

    async def _run(self, queue: asyncio.Queue[Write | BatchableWrite]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._apply_batch(batch)
            except Exception:
                log.exception("batched write of %d failed; retrying one by one", len(batch))
                for write in batch:
                    try:
                        await self._apply_batch([write])
                    except Exception:
                        log.exception("write dropped: %r", write)
            finally:
                for _ in batch:
                    queue.task_done()

    @staticmethod
    async def _apply_batch(batch: list[Write | BatchableWrite]) -> None:
        async with in_transaction() as connection:
            run: list[BatchableWrite] = []
            for write in batch:
                if isinstance(write, BatchableWrite):
                    if run and run[0].batch_key != write.batch_key:
                        await run[0].merge(connection, [w.item for w in run])
                        run = []
                    run.append(write)
                    continue
                if run:
                    await run[0].merge(connection, [w.item for w in run])
                    run = []
                await write(connection)
            if run:
                await run[0].merge(connection, [w.item for w in run])


WRITER: Final = BackgroundWriter()
