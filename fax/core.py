"""Pure fax-job lifecycle: attempts, retries with backoff, final states.

No ORM and no clock of its own: the adapter passes ``now`` and stores the
returned ``JobState``.  The rules:

- a job makes at most ``max_attempts`` attempts;
- a busy / unanswered / failed attempt waits longer before each retry
  (exponential backoff, capped);
- ``done`` and ``failed`` are final: nothing ever starts another attempt;
- a number the dial rules refuse (``REFUSED``) fails the job at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

QUEUED: Final = "queued"
DIALLING: Final = "dialling"
SENDING: Final = "sending"
RECEIVING: Final = "receiving"
RETRY_WAIT: Final = "retry_wait"
DONE: Final = "done"
FAILED: Final = "failed"

FINAL_STATUSES: Final = frozenset({DONE, FAILED})
IN_PROGRESS: Final = frozenset({DIALLING, SENDING, RECEIVING})
WAITING: Final = frozenset({QUEUED, RETRY_WAIT})

# Attempt outcomes worth another try; anything else (a bad number, a missing
# document, a number the toll-fraud rules refuse) would fail the same way again.
RETRYABLE_OUTCOMES: Final = frozenset({"busy", "no_answer", "congestion", "fax_failed"})
# The dial rules (hotline/dial_policy.py) refused the number: never dialled.
REFUSED: Final = "refused"

# Q.850 hangup causes of an unanswered outbound leg -> attempt outcome.
_CAUSE_OUTCOMES: Final = {
    17: "busy",
    18: "no_answer",
    19: "no_answer",
    21: "rejected",
    1: "invalid_number",
    28: "invalid_number",
    34: "congestion",
    38: "congestion",
    41: "congestion",
    42: "congestion",
}


class JobStateError(ValueError):
    """An attempt was asked of a job that may not make one."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    first_delay_s: float = 60.0
    factor: float = 2.0
    max_delay_s: float = 1800.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.first_delay_s < 0 or self.factor < 1 or self.max_delay_s < self.first_delay_s:
            raise ValueError("backoff must not shrink: first >= 0, factor >= 1, max >= first")

    def delay_after(self, attempts_made: int) -> timedelta:
        """Wait before attempt ``attempts_made + 1``; never shorter than the previous wait."""
        exponent = max(attempts_made - 1, 0)
        seconds = min(self.first_delay_s * self.factor**exponent, self.max_delay_s)
        return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class JobState:
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None = None
    error: str = ""

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def new_job(policy: RetryPolicy, now: datetime) -> JobState:
    return JobState(QUEUED, 0, policy.max_attempts, next_attempt_at=now)


def is_due(state: JobState, now: datetime) -> bool:
    """True when the scheduler should start the next attempt now."""
    if state.status not in WAITING or state.attempts >= state.max_attempts:
        return False
    return state.next_attempt_at is None or state.next_attempt_at <= now


def start_attempt(state: JobState) -> JobState:
    if state.is_final:
        raise JobStateError(f"job is {state.status}; it makes no more attempts")
    if state.attempts >= state.max_attempts:
        raise JobStateError(f"job already made {state.attempts} of {state.max_attempts} attempts")
    if state.status in IN_PROGRESS:
        raise JobStateError(f"an attempt is already {state.status}")
    return replace(state, status=DIALLING, attempts=state.attempts + 1, next_attempt_at=None)


def finish_attempt(
    state: JobState, outcome: str, policy: RetryPolicy, now: datetime, error: str = ""
) -> JobState:
    """The attempt ended with ``outcome`` ("sent" or a failure word)."""
    if state.is_final:
        return state  # a late or duplicate report never revives a job
    if outcome == "sent":
        return replace(state, status=DONE, next_attempt_at=None, error="")
    reason = error or outcome
    if outcome in RETRYABLE_OUTCOMES and state.attempts < state.max_attempts:
        return replace(
            state,
            status=RETRY_WAIT,
            next_attempt_at=now + policy.delay_after(state.attempts),
            error=reason,
        )
    return replace(state, status=FAILED, next_attempt_at=None, error=reason)


def retry_now(state: JobState, now: datetime) -> JobState:
    """An operator asks for another attempt at once ("retry now").

    A job waiting (queued or to retry) is made due.  A failed job gets exactly one
    more attempt (its budget grows by one, so attempts still never exceed
    max); its last error stays until that attempt reports.  A job that is
    done or has an attempt running is refused.
    """
    if state.status in WAITING:
        return replace(state, next_attempt_at=now)
    if state.status == FAILED:
        return replace(
            state, status=RETRY_WAIT, max_attempts=state.attempts + 1, next_attempt_at=now
        )
    raise JobStateError(f"job is {state.status}; only a failed or waiting job can be retried")


NORMAL_CLEARING: Final = 16


def attempt_cause(near: int | None, far: int | None) -> int | None:
    """The hangup cause that says why an unanswered attempt failed.

    ``near`` is the originated Local;1 half's cause, ``far`` the Local;2
    half's (the one that dialled out).  Asterisk leaves 0 on a refused
    originate, and 16 (normal clearing) on whichever half was torn down by
    the other, so the first cause that is neither wins, the far one first.
    """
    for cause in (far, near):
        if cause and cause != NORMAL_CLEARING:
            return cause
    return near or far or None


def outcome_of_cause(cause: int | None) -> str:
    """Attempt outcome of an outbound leg that ended before it was answered."""
    if cause is None:
        return "no_answer"
    return _CAUSE_OUTCOMES.get(cause, "congestion")


def outcome_of_fax_status(status: str) -> str:
    """FAXSTATUS (SUCCESS / FAILED / ...) -> attempt outcome."""
    return "sent" if status.upper() == "SUCCESS" else "fax_failed"
