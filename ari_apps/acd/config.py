"""Queue and agent configuration (immutable; replaced at runtime by events).

Validation happens here so a bad config is refused before it reaches the
router. Cross-object checks (an agent naming an unknown queue, an overflow
into an unknown queue) are done by the ``Acd`` when the config is installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from ari_apps.acd.exceptions import InvalidConfigError
from ari_apps.acd.strategies import LONGEST_IDLE, STRATEGIES

OVERFLOW_QUEUE: Final = "queue"
OVERFLOW_FLOW_NODE: Final = "flow_node"
OVERFLOW_VOICEMAIL: Final = "voicemail"
OVERFLOW_KINDS: Final = frozenset({OVERFLOW_QUEUE, OVERFLOW_FLOW_NODE, OVERFLOW_VOICEMAIL})

MIN_PROFICIENCY: Final = 1
MAX_PROFICIENCY: Final = 5


@dataclass(frozen=True, slots=True)
class OverflowTarget:
    """Where a caller goes on max wait or leave-empty.

    ``kind`` "queue": the core moves the caller into queue ``target`` itself,
    keeping their original join time for ordering. "flow_node"/"voicemail":
    the adapter takes the call out of the ACD (``Overflow`` command) and the
    caller's flow resumes at node ``target``, or leaves the message in
    voicemail box ``target`` (the queue node runs the voicemail service).
    """

    kind: str
    target: str

    def __post_init__(self) -> None:
        if self.kind not in OVERFLOW_KINDS:
            raise InvalidConfigError("overflow", "kind", f"unknown kind {self.kind!r}")
        if not self.target:
            raise InvalidConfigError("overflow", "target", "must not be empty")


def _check_skills(subject: str, skills: Mapping[str, int]) -> dict[str, int]:
    for skill, level in skills.items():
        if not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY:
            raise InvalidConfigError(
                subject, f"skills.{skill}", f"proficiency {level} is outside 1..5"
            )
    # A private copy: the frozen config must not change under the router's feet.
    return dict(skills)


def _check_non_negative(subject: str, name: str, value: float | None) -> None:
    if value is not None and value < 0:
        raise InvalidConfigError(subject, name, "must not be negative")


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """One queue. Times are seconds.

    ``max_misses_before_not_ready``: consecutive missed offers after which the
    agent is made not_ready with reason "missed"; 0 disables it.
    ``handle_time_window``: how many completed calls the rolling average
    handle time (used for estimated wait) is taken over.
    ``familiar_agent_s``: a returning caller is kept for the agent who last
    served them (熟悉的业务代表) for this long after joining, if that agent is
    logged in and serves the queue; 0 turns it off.
    """

    name: str
    strategy: str = LONGEST_IDLE
    ring_timeout_s: float = 20.0
    wrapup_s: float = 0.0
    max_wait_s: float | None = None
    overflow: OverflowTarget | None = None
    join_empty: bool = True
    leave_empty: bool = False
    announce_position_every_s: float | None = None
    announce_ewt: bool = False
    moh_class: str = "default"
    required_skills: Mapping[str, int] = field(default_factory=dict)
    max_misses_before_not_ready: int = 3
    vip_caller_ids: frozenset[str] = frozenset()
    vip_priority: int = 10
    handle_time_window: int = 20
    familiar_agent_s: float = 0.0

    def __post_init__(self) -> None:
        subject = f"queue {self.name!r}"
        if not self.name:
            raise InvalidConfigError("queue", "name", "must not be empty")
        if self.strategy not in STRATEGIES:
            raise InvalidConfigError(subject, "strategy", f"unknown strategy {self.strategy!r}")
        if self.ring_timeout_s <= 0:
            raise InvalidConfigError(subject, "ring_timeout_s", "must be positive")
        _check_non_negative(subject, "wrapup_s", self.wrapup_s)
        _check_non_negative(subject, "max_wait_s", self.max_wait_s)
        every = self.announce_position_every_s
        if every is not None and every <= 0:
            raise InvalidConfigError(subject, "announce_position_every_s", "must be positive")
        if self.max_misses_before_not_ready < 0:
            raise InvalidConfigError(subject, "max_misses_before_not_ready", "must be >= 0")
        _check_non_negative(subject, "familiar_agent_s", self.familiar_agent_s)
        if self.handle_time_window < 1:
            raise InvalidConfigError(subject, "handle_time_window", "must be >= 1")
        if self.overflow is not None and self.overflow == OverflowTarget(OVERFLOW_QUEUE, self.name):
            raise InvalidConfigError(subject, "overflow", "a queue cannot overflow into itself")
        object.__setattr__(self, "required_skills", _check_skills(subject, self.required_skills))
        object.__setattr__(self, "vip_caller_ids", frozenset(self.vip_caller_ids))

    def effective_priority(self, priority: int, caller_id: str, vip: bool = False) -> int:
        """A VIP raises (never lowers) the caller's priority to the queue's
        ``vip_priority``: a caller ID on the queue's own VIP list, or ``vip``,
        a customer whose VIP mark counts now (``hotline/customers``)."""
        if vip or (caller_id and caller_id in self.vip_caller_ids):
            return max(priority, self.vip_priority)
        return priority


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """One agent: the phone (``extension``) the core offers calls to, skills
    (name -> proficiency 1..5) and queue membership."""

    agent_id: str
    extension: str
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        subject = f"agent {self.agent_id!r}"
        if not self.agent_id:
            raise InvalidConfigError("agent", "agent_id", "must not be empty")
        if not self.extension:
            raise InvalidConfigError(subject, "extension", "must not be empty")
        object.__setattr__(self, "skills", _check_skills(subject, self.skills))
        object.__setattr__(self, "queues", tuple(dict.fromkeys(self.queues)))
