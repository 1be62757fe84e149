"""Domain errors of the IVR engine.

Every error carries a stable ``error_id`` (for API clients and logs), the HTTP
status an API layer should answer with, and structured ``details``.
"""

from __future__ import annotations

from typing import Any


class IvrError(Exception):
    """Base class of all IVR domain errors."""

    error_id = "ivr_error"
    http_status = 500

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class FlowDefinitionError(IvrError):
    """A flow graph (or one of its nodes) is malformed.

    ``node_id`` is ``None`` when the problem is at flow level (e.g. no start).
    ``code`` is the same stable code a ``ValidationIssue`` would carry.
    """

    error_id = "ivr_flow_invalid"
    http_status = 422

    def __init__(self, node_id: str | None, code: str, reason: str) -> None:
        where = f"node {node_id!r}" if node_id is not None else "flow"
        super().__init__(f"{where}: {reason}", {"node_id": node_id, "code": code})
        self.node_id = node_id
        self.code = code
        self.reason = reason


class SessionUsageError(IvrError):
    """The caller of a FlowSession broke its contract (programming error)."""

    error_id = "ivr_session_misuse"
    http_status = 500
