"""Domain errors of the queues pages."""

from __future__ import annotations

from hotline.errors import Conflict


class QueueInUse(Conflict):
    """A queue that a published flow (or another queue's overflow) still sends callers to."""

    error_id = "queue-in-use"

    def __init__(self, queue: str, *, flows: list[str], queues: list[str]) -> None:
        users = [f"flow {name!r}" for name in flows] + [f"queue {name!r}" for name in queues]
        super().__init__(
            f"queue {queue!r} is used by " + ", ".join(users),
            {"queue": queue, "flows": flows, "queues": queues},
        )
        self.queue = queue
        self.flows = flows
        self.queues = queues
