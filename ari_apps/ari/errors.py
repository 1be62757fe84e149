"""Errors raised by the ARI client; each carries a stable ``error_id``."""

from __future__ import annotations

import logging
from typing import Any, Final


class AriError(Exception):
    """ARI answered a REST call with an error status.

    ``status`` is ARI's HTTP status (0 when no response arrived at all);
    ``http_status`` is what our own API should answer when this escapes.
    """

    error_id = "ari_error"
    http_status = 502

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"ARI {method} {path} -> {status}: {message}")
        self.status = status
        self.method = method
        self.path = path
        self.message = message

    @property
    def details(self) -> dict[str, Any]:
        return {"status": self.status, "method": self.method, "path": self.path}


class AriNotFound(AriError):
    """404: the channel/bridge/playback/recording does not exist (any more).

    Usually a benign race (the caller hung up first), hence its own type.
    """

    error_id = "ari_not_found"
    http_status = 404


class AriConflict(AriError):
    """409: e.g. the channel is not in our Stasis application or not answered."""

    error_id = "ari_conflict"
    http_status = 409


class AriUnavailable(AriError):
    """No HTTP response: Asterisk down, connection refused, or request timed out."""

    error_id = "ari_unavailable"
    http_status = 503


CHANNEL_NOT_IN_STASIS_MESSAGE: Final = "Channel not in Stasis application"


def channel_left_application(error: AriError) -> bool:
    """Whether a failed request on a channel that was in our application
    says it has left it.

    Gone (404, or the 400 "Channel not found" of addChannel: ``AriNotFound``),
    or on its way out: Asterisk answers 409 "Channel not in Stasis
    application" to a request that arrives after the channel's application
    has ended and before it is destroyed, as when the caller hangs up while
    a prompt ends (seen in CI).  Either way its StasisEnd follows, and
    whoever owns the channel cleans up then.
    """
    if isinstance(error, AriNotFound):
        return True
    return isinstance(error, AriConflict) and error.message == CHANNEL_NOT_IN_STASIS_MESSAGE


def failure_log_level(error: Exception) -> int:
    """How loudly to log a request on a caller's channel that failed: a
    hang-up racing the request (``channel_left_application``) happens on
    every call that ends mid-prompt and is logged at INFO; anything else is
    a WARNING an administrator should see."""
    if isinstance(error, AriError) and channel_left_application(error):
        return logging.INFO
    return logging.WARNING


def log_call_failure(log: logging.Logger, call_id: str, what: str, error: Exception) -> None:
    """``call <id>: <what> failed: <error>``, at ``failure_log_level(error)``."""
    log.log(failure_log_level(error), "call %s: %s failed: %s", call_id, what, error)
