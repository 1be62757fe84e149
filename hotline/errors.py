"""Domain errors with a stable id, an HTTP status and details.

The same error reaches the API, the UI and the log (see wazo-calld's
exceptions for the habit).
"""

from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    error_id = "hotline-error"
    status_code = 500

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class NotFound(HotlineError):
    error_id = "not-found"
    status_code = 404


class InvalidRequest(HotlineError):
    error_id = "invalid-request"
    status_code = 400


class FlowInvalid(HotlineError):
    error_id = "flow-invalid"
    status_code = 422


class Conflict(HotlineError):
    error_id = "conflict"
    status_code = 409


class NotAllowed(HotlineError):
    """The user may see the thing but not do this to it (another department's step)."""

    error_id = "not-allowed"
    status_code = 403
