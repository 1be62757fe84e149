"""When wrong voicemail PINs lock a box or a caller out: pure rules, no clock.

A PIN is a few digits; three tries per call and unlimited calls would let
anyone with a phone line walk through every PIN.  So failures count across
calls, twice: per box number keyed (an attack on one box from many lines)
and per caller number (one line trying many boxes).  The adapter
(``vm/pin_guard.py``) stores failures and lockouts and passes ``now``.

- ``max_failures`` wrong PINs within ``window`` lock the box, or the caller,
  for ``duration``; while locked no PIN is even checked, so a right guess
  during a lockout teaches nothing;
- failures before a lockout began do not count again once it ends (the next
  lockout needs ``max_failures`` new ones);
- a right PIN clears its box's failures (not the caller's: a line that
  opens its own box must not reset its count against others);
- unknown box numbers count and lock like real ones, so a lockout says
  nothing about which boxes exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

BOX: Final = "box"
CALLER: Final = "caller"


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    duration: timedelta = timedelta(minutes=15)


POLICY: Final = LockoutPolicy()


def counting_since(
    now: datetime, last_lock_began: datetime | None, policy: LockoutPolicy
) -> datetime:
    """Failures after this instant count towards the next lockout."""
    start = now - policy.window
    if last_lock_began is not None and last_lock_began > start:
        return last_lock_began
    return start


def locked_until(failures: int, now: datetime, policy: LockoutPolicy) -> datetime | None:
    """The end of the lockout ``failures`` recent failures earn, or None."""
    if failures >= policy.max_failures:
        return now + policy.duration
    return None
