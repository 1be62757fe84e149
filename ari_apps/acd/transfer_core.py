"""A blind transfer to an extension, as a table: events in, actions out.

The agent has left (their part of the call is over, they are in wrap-up);
the caller waits with music in their bridge while the target rings.  What
happens next depends only on the transfer's state and the event:

=========== ================= ============ =========================================
state       event             next         actions
=========== ================= ============ =========================================
ringing     target_answered   connected    stop the music, bridge the target
ringing     target_failed     requeued     back to the queue, ahead of the others
ringing     caller_hung_up    ended        hang up the target, close the call
connected   caller_hung_up    ended        hang up the target, close the call
connected   target_hung_up    ended        hang up the caller, close the call
=========== ================= ============ =========================================

A transferred call is never dropped: a target that is busy, does not answer
within the ring time, or cannot be reached sends the caller back to the
queue they came from, first in line (OP-05).
"""

from __future__ import annotations

from typing import Final

RINGING: Final = "ringing"
CONNECTED: Final = "connected"
REQUEUED: Final = "requeued"
ENDED: Final = "ended"
STATES: Final = (RINGING, CONNECTED, REQUEUED, ENDED)

TARGET_ANSWERED: Final = "target_answered"
TARGET_FAILED: Final = "target_failed"
CALLER_HUNG_UP: Final = "caller_hung_up"
TARGET_HUNG_UP: Final = "target_hung_up"
EVENTS: Final = (TARGET_ANSWERED, TARGET_FAILED, CALLER_HUNG_UP, TARGET_HUNG_UP)

# Actions, carried out by ari_apps.acd.call_control in this order.
STOP_MUSIC: Final = "stop_music"
BRIDGE_TARGET: Final = "bridge_target"
REQUEUE: Final = "requeue"
HANG_UP_TARGET: Final = "hang_up_target"
HANG_UP_CALLER: Final = "hang_up_caller"
CLOSE_CALL: Final = "close_call"

TRANSITIONS: Final[dict[tuple[str, str], tuple[str, tuple[str, ...]]]] = {
    (RINGING, TARGET_ANSWERED): (CONNECTED, (STOP_MUSIC, BRIDGE_TARGET)),
    (RINGING, TARGET_FAILED): (REQUEUED, (REQUEUE,)),
    (RINGING, CALLER_HUNG_UP): (ENDED, (HANG_UP_TARGET, CLOSE_CALL)),
    (CONNECTED, CALLER_HUNG_UP): (ENDED, (HANG_UP_TARGET, CLOSE_CALL)),
    (CONNECTED, TARGET_HUNG_UP): (ENDED, (HANG_UP_CALLER, CLOSE_CALL)),
}
FINAL_STATES: Final = frozenset({REQUEUED, ENDED})


def step(state: str, event: str) -> tuple[str, tuple[str, ...]]:
    """The next state and the actions; an event the state does not take
    (a late duplicate, say) changes nothing and does nothing."""
    return TRANSITIONS.get((state, event), (state, ()))
