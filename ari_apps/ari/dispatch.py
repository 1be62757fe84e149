"""Ordered, non-blocking delivery of ARI events to async handlers.

The websocket reader only calls ``dispatch()``, which never awaits: each
channel gets its own queue and worker task, so a handler that waits (for a
PlaybackFinished, a REST call, a database) delays only its own channel.
Events without a channel go to one global ordered queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Final

from ari_apps.ari.events import STASIS_START, AriEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[AriEvent], Awaitable[None]]
HandlerErrorCallback = Callable[[AriEvent, BaseException], Awaitable[None]]

# How many finished channel ids we remember, so a straggler event after
# StasisEnd gets a short-lived worker instead of one that waits forever.
FINISHED_MEMORY: Final = 4096
BACKLOG_WARNING: Final = 1000


class EventDispatcher:
    def __init__(
        self,
        channel_handler: EventHandler | None = None,
        global_handler: EventHandler | None = None,
        on_handler_error: HandlerErrorCallback | None = None,
    ) -> None:
        self.channel_handler = channel_handler
        self.global_handler = global_handler
        self.on_handler_error = on_handler_error
        self._channel_queues: dict[str, asyncio.Queue[AriEvent]] = {}
        self._channel_workers: dict[str, asyncio.Task[None]] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._global_queue: asyncio.Queue[AriEvent] = asyncio.Queue()
        self._global_worker: asyncio.Task[None] | None = None
        self._closed = False
        # Events queued but not yet fully handled; lets tests and shutdown wait.
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def active_channel_ids(self) -> frozenset[str]:
        """Channels that currently have a worker (a queue being processed or awaited)."""
        return frozenset(self._channel_workers)

    def dispatch(self, event: AriEvent) -> None:
        """Queue ``event`` for its channel (or the global queue). Never blocks."""
        if self._closed:
            return
        self._in_flight += 1
        self._idle.clear()
        if event.channel_id is None:
            self._global_queue.put_nowait(event)
            if self._global_worker is None:
                self._global_worker = asyncio.create_task(
                    self._global_loop(), name="ari-global-events"
                )
            self._warn_backlog("global", self._global_queue)
            return
        channel_id = event.channel_id
        queue = self._channel_queues.get(channel_id)
        if queue is None:
            queue = asyncio.Queue()
            self._channel_queues[channel_id] = queue
            self._channel_workers[channel_id] = asyncio.create_task(
                self._channel_loop(channel_id, queue), name=f"ari-channel-{channel_id}"
            )
        queue.put_nowait(event)
        self._warn_backlog(channel_id, queue)

    def forget_channel(self, channel_id: str) -> None:
        """Drop a channel's queue and worker (e.g. reconciliation found it gone
        while we missed its final event during a websocket outage)."""
        worker = self._channel_workers.pop(channel_id, None)
        queue = self._channel_queues.pop(channel_id, None)
        if queue is not None:
            self._settle(queue.qsize())
        self._remember_finished(channel_id)
        if worker is not None:
            worker.cancel()

    async def wait_idle(self) -> None:
        """Wait until every event queued so far has been handled."""
        await self._idle.wait()

    async def close(self) -> None:
        """Cancel all workers and wait for them; later events are ignored."""
        self._closed = True
        workers = list(self._channel_workers.values())
        if self._global_worker is not None:
            workers.append(self._global_worker)
        self._channel_workers.clear()
        self._channel_queues.clear()
        self._global_worker = None
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._in_flight = 0
        self._idle.set()

    async def _channel_loop(self, channel_id: str, queue: asyncio.Queue[AriEvent]) -> None:
        finished = channel_id in self._finished
        try:
            while True:
                if finished and queue.empty():
                    return
                event = await queue.get()
                try:
                    if event.type == STASIS_START:
                        finished = False
                        self._finished.pop(channel_id, None)
                    await self._deliver(self.channel_handler, event)
                    if event.is_channel_final:
                        finished = True
                        self._remember_finished(channel_id)
                finally:
                    self._settle(1)
        finally:
            # No await between the empty check above and this removal, so the
            # reader cannot slip an event into a queue nobody will read.
            if self._channel_workers.get(channel_id) is asyncio.current_task():
                del self._channel_workers[channel_id]
                self._channel_queues.pop(channel_id, None)

    async def _global_loop(self) -> None:
        while True:
            event = await self._global_queue.get()
            try:
                await self._deliver(self.global_handler, event)
            finally:
                self._settle(1)

    async def _deliver(self, handler: EventHandler | None, event: AriEvent) -> None:
        if handler is None:
            return
        try:
            await handler(event)
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # our worker is being cancelled (close/forget): stop
            # The handler awaited something that got cancelled; that is the
            # handler's failure, not a reason to kill this channel's worker.
            await self._report(event, exc)
        except Exception as exc:
            await self._report(event, exc)

    async def _report(self, event: AriEvent, exc: BaseException) -> None:
        log.error(
            "ARI handler failed on %s (channel=%s): %r",
            event.type,
            event.channel_id,
            exc,
            exc_info=exc,
        )
        if self.on_handler_error is None:
            return
        try:
            await self.on_handler_error(event, exc)
        except Exception:
            log.exception("on_handler_error callback failed for %s", event.type)

    def _settle(self, count: int) -> None:
        self._in_flight = max(0, self._in_flight - count)
        if self._in_flight == 0:
            self._idle.set()

    def _remember_finished(self, channel_id: str) -> None:
        self._finished[channel_id] = None
        self._finished.move_to_end(channel_id)
        while len(self._finished) > FINISHED_MEMORY:
            self._finished.popitem(last=False)

    def _warn_backlog(self, name: str, queue: asyncio.Queue[AriEvent]) -> None:
        if queue.qsize() == BACKLOG_WARNING:
            log.warning("ARI event backlog for %s reached %d: slow handler?", name, BACKLOG_WARNING)
