"""Domain errors of the queues pages."""

from __future__ import annotations

from hotline.errors import Conflict


class QueueInUse(Conflict):
    """A queue that a published flow (or another queue's overflow) still sends
    callers to, or that callers are waiting in right now."""

    error_id = "queue-in-use"

    def __init__(
        self, queue: str, *, flows: list[str], queues: list[str], waiting: int = 0
    ) -> None:
        users = [f"flow {name!r}" for name in flows] + [f"queue {name!r}" for name in queues]
        if waiting:
            users.append(f"{waiting} waiting caller(s)")
        super().__init__(
            f"queue {queue!r} is used by " + ", ".join(users),
            {"queue": queue, "flows": flows, "queues": queues, "waiting": waiting},
        )
        self.queue = queue
        self.flows = flows
        self.queues = queues
        self.waiting = waiting
