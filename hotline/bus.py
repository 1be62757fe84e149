"""In-process event bus for call, agent and queue events.

Subscribers get their own bounded queue, so a slow consumer (a browser on a
bad link, say) loses its oldest events instead of slowing call handling.  A
Redis backend with the same interface comes when Hotline runs as several
processes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BusEvent:
    topic: str  # "call", "agent" or "queue"
    kind: str  # e.g. "queued", "state_changed"
    data: dict[str, Any]
    at: float = field(default_factory=time.time)


# Decides at publish time whether a subscriber wants an event at all.
EventFilter = Callable[[BusEvent], bool]


class Subscription:
    def __init__(
        self,
        bus: EventBus,
        topics: frozenset[str] | None,
        maxsize: int,
        accepts: EventFilter | None = None,
    ) -> None:
        self._bus = bus
        self.topics = topics
        self.accepts = accepts
        self.queue: asyncio.Queue[BusEvent] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def offer(self, event: BusEvent) -> None:
        if self.topics is not None and event.topic not in self.topics:
            return
        if self.accepts is not None and not self.accepts(event):
            return
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self) -> BusEvent:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)

    async def __aiter__(self) -> AsyncIterator[BusEvent]:
        while True:
            yield await self.queue.get()


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self.published = 0

    def subscribe(
        self,
        topics: set[str] | None = None,
        maxsize: int = 1000,
        *,
        accepts: EventFilter | None = None,
    ) -> Subscription:
        """``accepts``, when given, is asked synchronously by ``publish``: an
        event it refuses is never queued, and wakes no one."""
        sub = Subscription(self, frozenset(topics) if topics else None, maxsize, accepts)
        self._subscriptions.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def publish(self, topic: str, kind: str, **data: Any) -> BusEvent:
        event = BusEvent(topic=topic, kind=kind, data=data)
        self.published += 1
        for sub in list(self._subscriptions):
            sub.offer(event)
        return event
