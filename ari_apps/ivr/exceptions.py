"""Domain errors of the IVR engine.

They are ``HotlineError``s: a stable ``error_id`` (for API clients and logs),
the HTTP ``status_code`` an API layer should answer with, and ``details``.
"""

from __future__ import annotations

from hotline.errors import HotlineError


class IvrError(HotlineError):
    """Base class of all IVR domain errors."""

    error_id = "ivr-error"
    status_code = 500

    @property
    def http_status(self) -> int:
        return self.status_code


class FlowDefinitionError(IvrError):
    """A flow graph (or one of its nodes) is malformed.

    ``node_id`` is ``None`` when the problem is at flow level (e.g. no start).
    ``code`` is the same stable code a ``ValidationIssue`` would carry.
    """

    error_id = "ivr-flow-invalid"
    status_code = 422

    def __init__(self, node_id: str | None, code: str, reason: str) -> None:
        where = f"node {node_id!r}" if node_id is not None else "flow"
        super().__init__(f"{where}: {reason}", {"node_id": node_id, "code": code})
        self.node_id = node_id
        self.code = code
        self.reason = reason


class SessionUsageError(IvrError):
    """The caller of a FlowSession broke its contract (programming error)."""

    error_id = "ivr-session-misuse"
    status_code = 500
