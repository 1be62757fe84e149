"""A pure core's refusal, naming the field at fault (the knowledge base's
and quality inspection's rules raise it; their use cases turn it into the
HTTP-facing InvalidRequest with the same field)."""

from __future__ import annotations

from hotline.errors import InvalidRequest


class Refused(ValueError):
    """A request the rules refuse, naming the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


def as_invalid(error: Refused) -> InvalidRequest:
    return InvalidRequest(error.message, {"field": error.field})
