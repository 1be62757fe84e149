"""Domain errors of the ACD core.

Every error carries a stable ``error_id`` (for API clients and logs), the HTTP
status an API layer should answer with, and structured ``details``.

Stale adapter events (an answer for an offer that was already cancelled, a
hang-up for a call the core no longer tracks) are NOT errors: the core ignores
them, because the adapter and the core race by nature. Errors are reserved for
requests that can never be right: unknown ids, duplicate calls, bad config.
"""

from __future__ import annotations

from typing import Any


class AcdError(Exception):
    """Base class of all ACD domain errors."""

    error_id = "acd_error"
    http_status = 500

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class InvalidConfigError(AcdError):
    """A queue or agent configuration is malformed."""

    error_id = "acd_config_invalid"
    http_status = 422

    def __init__(self, subject: str, field: str, reason: str) -> None:
        super().__init__(f"{subject}: {field}: {reason}", {"subject": subject, "field": field})
        self.subject = subject
        self.field = field
        self.reason = reason


class UnknownQueueError(AcdError):
    error_id = "acd_queue_unknown"
    http_status = 404

    def __init__(self, queue: str) -> None:
        super().__init__(f"unknown queue {queue!r}", {"queue": queue})
        self.queue = queue


class UnknownAgentError(AcdError):
    error_id = "acd_agent_unknown"
    http_status = 404

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"unknown agent {agent_id!r}", {"agent_id": agent_id})
        self.agent_id = agent_id


class DuplicateCallError(AcdError):
    """A call id arrived while the core still tracks a call with that id."""

    error_id = "acd_call_duplicate"
    http_status = 409

    def __init__(self, call_id: str) -> None:
        super().__init__(f"call {call_id!r} is already in the ACD", {"call_id": call_id})
        self.call_id = call_id


class AgentNotLoggedInError(AcdError):
    """A state change that needs a logged-in agent was asked for a logged-out one."""

    error_id = "acd_agent_logged_out"
    http_status = 409

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id!r} is not logged in", {"agent_id": agent_id})
        self.agent_id = agent_id


class NotInWrapUpError(AcdError):
    """Wrap-up can only be extended while the agent is in it."""

    error_id = "acd_not_in_wrap_up"
    http_status = 409

    def __init__(self, agent_id: str, state: str) -> None:
        super().__init__(f"agent {agent_id!r} is {state}, not in wrap-up", {"agent_id": agent_id})


class QueueInUseError(AcdError):
    """A queue cannot be removed while other queues overflow into it."""

    error_id = "acd_queue_in_use"
    http_status = 409

    def __init__(self, queue: str, overflowing_queues: list[str]) -> None:
        super().__init__(
            f"queue {queue!r} is the overflow of {', '.join(overflowing_queues)}",
            {"queue": queue, "queues": overflowing_queues},
        )
        self.queue = queue
        self.overflowing_queues = overflowing_queues
