"""Webhooks' rules, without I/O: which bus events become webhooks, the body,
its signature, and what happens after each attempt.

- **Kinds.** The bus's ``call`` events ``ringing``, ``answered``, ``ended``
  and ``disposition`` become ``call.ringing``, ``call.answered``,
  ``call.ended`` and ``call.disposition``; nothing else is sent.
- **Body.** JSON with sorted keys: ``id`` (the event's UUID, the same on
  every attempt, so a receiver drops repeats), ``kind``, ``occurred_at``
  (ISO 8601, UTC), ``call_id`` and ``data``.
- **Signature.** ``X-Hotline-Signature: t=<unix seconds>,v1=<hex>``, the
  HMAC-SHA256 of ``"<t>.<body>"`` under the subscription's secret.  The
  time is inside the MAC so a captured request cannot be replayed later
  (the receiver refuses an old ``t``: :func:`verify`'s tolerance).
- **Outcomes.** 2xx is delivered.  408 and 429 say "later", 5xx and no
  answer at all (timeout, refused connection) may be passing: retried.
  Any other answer (400, 401, 404, 410, a redirect) will not change by
  itself: failed at once, and an administrator redelivers once it is fixed.
- **Retries.** After attempt n the next waits ``RetrySchedule.delay_after(n)``:
  10 s, 30 s, 2 min, 10 min, then 1 h (the cap) up to 8 attempts in all,
  about 3 h 13 min after the first, after which the delivery is failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

KINDS: Final = ("call.ringing", "call.answered", "call.ended", "call.disposition")
_BUS_KINDS: Final = {
    ("call", "ringing"): "call.ringing",
    ("call", "answered"): "call.answered",
    ("call", "ended"): "call.ended",
    ("call", "disposition"): "call.disposition",
}
BUS_TOPICS: Final = frozenset(topic for topic, _ in _BUS_KINDS)

SIGNATURE_HEADER: Final = "X-Hotline-Signature"
KIND_HEADER: Final = "X-Hotline-Event"
EVENT_ID_HEADER: Final = "X-Hotline-Event-Id"
# How old a signed timestamp a receiver should accept.
TOLERANCE_S: Final = 300

Status = Literal["pending", "delivered", "failed"]
STATUSES: Final[tuple[Status, ...]] = ("pending", "delivered", "failed")
Outcome = Literal["delivered", "retry", "failed"]
# Answers that mean "try again later" although they are 4xx.
_RETRIED_4XX: Final = frozenset({408, 429})


def webhook_kind(topic: str, kind: str) -> str | None:
    """The webhook kind of a bus event; None for events no webhook carries."""
    return _BUS_KINDS.get((topic, kind))


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_payload(
    event_id: str, kind: str, occurred_at: datetime, call_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """What is stored for a delivery and sent as its body (see :func:`body_of`)."""
    return {
        "id": event_id,
        "kind": kind,
        "occurred_at": iso_utc(occurred_at),
        "call_id": call_id,
        "data": data,
    }


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON, keys sorted, UTF-8."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Hotline-Signature`` value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str, now: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """A receiver's check: the header signs ``body`` and is at most ``tolerance_s`` old.

    Hotline does not need it; it documents the scheme and the tests use it
    as a receiver would.
    """
    parts = dict(part.partition("=")[::2] for part in header.split(","))
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(parts.get("v1", ""), _mac(secret, timestamp, body))


def outcome_of(status_code: int | None) -> Outcome:
    """What an answer means; None is no answer (timeout, connection error)."""
    if status_code is None:
        return "retry"
    if 200 <= status_code < 300:
        return "delivered"
    if status_code >= 500 or status_code in _RETRIED_4XX:
        return "retry"
    return "failed"


@dataclass(frozen=True)
class RetrySchedule:
    """Waits between attempts; past the last one, the last (the cap) repeats."""

    delays_s: tuple[float, ...] = (10, 30, 120, 600, 3600)
    max_attempts: int = 8

    def __post_init__(self) -> None:
        if not self.delays_s or self.max_attempts < 1 or min(self.delays_s) < 0:
            raise ValueError("a retry schedule needs delays >= 0 and at least one attempt")

    def delay_after(self, attempts: int) -> float | None:
        """The wait after ``attempts`` attempts; None when no attempt is left."""
        if attempts >= self.max_attempts:
            return None
        return self.delays_s[min(max(attempts, 1), len(self.delays_s)) - 1]


DEFAULT_SCHEDULE: Final = RetrySchedule()


@dataclass(frozen=True)
class AfterAttempt:
    status: Status
    next_attempt_at: datetime | None


def after_attempt(
    attempts: int, status_code: int | None, now: datetime, schedule: RetrySchedule
) -> AfterAttempt:
    """The delivery's state once its ``attempts``-th attempt got ``status_code``."""
    outcome = outcome_of(status_code)
    if outcome == "delivered":
        return AfterAttempt("delivered", None)
    delay = schedule.delay_after(attempts) if outcome == "retry" else None
    if delay is None:
        return AfterAttempt("failed", None)
    return AfterAttempt("pending", now + timedelta(seconds=delay))
