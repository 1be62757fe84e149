"""A campaign's life, and what a dialled call's end means, as tables.

Pure: no I/O, no clock.  ``services`` stores the states these answer;
``stasis`` feeds them what Asterisk reported.

Campaign states::

    draft --start--> running --pause--> paused --resume--> running
    running/paused --stop--> stopped        running --exhausted--> finished
    finished --start--> running (contacts were added since)

Outcome of one call (``../shared/METRICS.md``, Outbound): a call that was
never answered ends busy, no answer or failed, by the cause Asterisk gives
the far half of the Local channel the call went out on; an answered one is
a person (``human``) or a machine, by the answering-machine detector's
verdict (or a person when the campaign does not detect machines); a person
not connected to an agent in time is ``abandoned``.  A call the trunk
refused because all its lines were in use is ``trunk_busy``: no attempt,
the contact is tried again shortly (``TrunkGate`` paces the campaign).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ari_apps.campaigns.policy import ABANDONED as ABANDONED
from ari_apps.campaigns.policy import BUSY as BUSY
from ari_apps.campaigns.policy import DNC as DNC
from ari_apps.campaigns.policy import FAILED as FAILED
from ari_apps.campaigns.policy import HUMAN as HUMAN
from ari_apps.campaigns.policy import MACHINE as MACHINE
from ari_apps.campaigns.policy import NO_ANSWER as NO_ANSWER
from ari_apps.campaigns.policy import OUTCOMES as OUTCOMES
from ari_apps.campaigns.policy import OUTSIDE_WINDOW as OUTSIDE_WINDOW
from ari_apps.campaigns.policy import TRUNK_BUSY as TRUNK_BUSY
from hotline.errors import InvalidRequest

DRAFT: Final = "draft"
RUNNING: Final = "running"
PAUSED: Final = "paused"
STOPPED: Final = "stopped"
FINISHED: Final = "finished"
STATES: Final = (DRAFT, RUNNING, PAUSED, STOPPED, FINISHED)

START: Final = "start"
PAUSE: Final = "pause"
RESUME: Final = "resume"
STOP: Final = "stop"
EXHAUSTED: Final = "exhausted"  # nothing left to dial
ACTIONS: Final = (START, PAUSE, RESUME, STOP)

TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (DRAFT, START): RUNNING,
    (FINISHED, START): RUNNING,
    (STOPPED, START): RUNNING,
    (RUNNING, PAUSE): PAUSED,
    (PAUSED, RESUME): RUNNING,
    (PAUSED, START): RUNNING,
    (RUNNING, STOP): STOPPED,
    (PAUSED, STOP): STOPPED,
    (DRAFT, STOP): STOPPED,
    (RUNNING, EXHAUSTED): FINISHED,
}

KINDS: Final = ("notification", "survey", "preview", "progressive", "predictive")
IVR_KINDS: Final = frozenset({"notification", "survey"})
AGENT_KINDS: Final = frozenset({"preview", "progressive", "predictive"})
MACHINE_ACTIONS: Final = ("hang_up", "leave_message", "retry")

# The outcomes are the retry policy's words (one list: policy.OUTCOMES).
# Outcomes of a call that reached the network (dnc, outside_window and
# trunk_busy never did).
DIALLED_OUTCOMES: Final = frozenset({HUMAN, MACHINE, BUSY, NO_ANSWER, FAILED, ABANDONED})

# Q.850 causes of the far half of the Local channel.
CAUSE_BUSY: Final = 17
CAUSE_NO_ANSWER: Final = 19  # ring timeout (the originate gave up)
CAUSE_NO_USER_RESPONDING: Final = 18
_UNANSWERED_BY_CAUSE: Final[dict[int, str]] = {
    CAUSE_BUSY: BUSY,
    CAUSE_NO_USER_RESPONDING: NO_ANSWER,
    CAUSE_NO_ANSWER: NO_ANSWER,
}


def next_state(state: str, action: str) -> str:
    """The campaign's state after ``action``; a refused one names both."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidRequest(
            f"campaign: cannot {action} a campaign that is {state}", {"field": "state"}
        ) from None


def unanswered_outcome(cause: int | None, full_trunk: str = "") -> str:
    """A call that ended before it was answered: busy, no answer, or failed
    (congestion, no route, a refused number, anything else); ``trunk_busy``
    when ``[hotline-trunk-line]`` named the full trunk that refused it."""
    if full_trunk:
        return TRUNK_BUSY
    return _UNANSWERED_BY_CAUSE.get(cause or 0, FAILED)


# After a full trunk refused one of its calls, a campaign places one call
# at a time, at most one per this many seconds, until a call gets a line.
TRUNK_PROBE_EVERY_S: Final = 5.0


@dataclass
class TrunkGate:
    """How many calls a campaign may place while its trunk is (or was) full.

    Asterisk counts the trunk's lines (the trunk's route caps them), so the
    dialer only learns "full" when a call is refused.  It then stops filling
    the trunk: one probe call per ``TRUNK_PROBE_EVERY_S``, and the full rate
    again once a call placed after the refusal got a line.  Pure: the caller
    gives the (monotonic) time.
    """

    full_since: float | None = None
    last_probe: float = float("-inf")

    def room(self, wanted: int, now: float) -> int:
        if self.full_since is None:
            return wanted
        if wanted <= 0 or now - self.last_probe < TRUNK_PROBE_EVERY_S:
            return 0
        return 1

    def placed(self, now: float) -> None:
        if self.full_since is not None:
            self.last_probe = now

    def refused(self, now: float) -> None:
        """A call ended ``trunk_busy``."""
        if self.full_since is None:
            self.full_since = now
            self.last_probe = now

    def got_line(self, placed_at: float) -> None:
        """A call placed at ``placed_at`` reached the network (any other outcome)."""
        if self.full_since is not None and placed_at >= self.full_since:
            self.full_since = None


def answered_outcome(amd_status: str) -> str:
    """AMD()'s AMDSTATUS: MACHINE is a machine; HUMAN, NOTSURE, HANGUP (the
    callee spoke and hung up) and a campaign without detection are a person."""
    return MACHINE if amd_status.upper() == MACHINE.upper() else HUMAN


def amd_arguments(params: dict[str, int]) -> str:
    """AMD()'s positional arguments from the campaign's named ones (ms;
    Asterisk's defaults for those not given), comma-joined."""
    order = (
        ("initial_silence", 2500),
        ("greeting", 1500),
        ("after_greeting_silence", 800),
        ("total_analysis_time", 5000),
        ("min_word_length", 100),
        ("between_words_silence", 50),
        ("maximum_number_of_words", 2),
        ("silence_threshold", 256),
        ("maximum_word_length", 5000),
    )
    return ",".join(str(int(params.get(name, default))) for name, default in order)


AMD_PARAMETERS: Final = (
    "initial_silence",
    "greeting",
    "after_greeting_silence",
    "total_analysis_time",
    "min_word_length",
    "between_words_silence",
    "maximum_number_of_words",
    "silence_threshold",
    "maximum_word_length",
)
