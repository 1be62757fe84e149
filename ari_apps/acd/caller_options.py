"""What one caller brings into the ACD besides their queue and priority.

A flow's queue node may bound the caller's wait (``max_wait_s``) and pass
``options``. The ACD owns the list of options it can honour, and the flow's
node parser asks this module, so an option the ACD would silently ignore is
refused when the flow is validated (an admin who sets it would otherwise
believe it works).

Options (JSON scalars, the only values a node's ``options`` holds):

``skills``
    ``"french"`` or ``"french:3, billing"``: skills (minimum level 1..5,
    default 1) an agent needs, on top of the queue's required skills, to be
    offered this caller; with the ``skills-based`` strategy they also count
    in the match score. They narrow who may take the call, not whether the
    queue counts as staffed (join-empty and leave-empty stay per queue, as
    in app_queue): bound the wait with ``max_wait_s`` where nobody may have
    them.
``moh_class``
    Music-on-hold class for this caller instead of the queue's.
``announce_every_s``
    Position announcements to this caller every N seconds instead of the
    queue's period; 0 switches them off for this caller.

The rule for ``max_wait_s``: it bounds the caller's whole stay in the ACD,
counted from their arrival, and an overflow into another queue does not
restart it (the flow asked for "at most N seconds in the queue", whatever
the queues do). A queue's own max wait counts from entering that queue.
Whichever ends first applies (a tie goes to the queue, whose overflow rule
was configured for exactly that moment): the queue's leads to the queue's
overflow rule as before; the caller's to a final ``CallerLeft`` with outcome
"timed_out", reason "caller_max_wait" and no queue overflow, so the flow
takes its node's own branch (``on_timeout``, else ``on_overflow``).

These options live in memory only: a caller adopted after a restart waits
under the queue's rules alone (their flow, which set them, did not survive
the restart either).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from ari_apps.acd.config import MAX_PROFICIENCY, MIN_PROFICIENCY
from ari_apps.acd.exceptions import InvalidConfigError

OPTION_SKILLS: Final = "skills"
OPTION_MOH_CLASS: Final = "moh_class"
OPTION_ANNOUNCE_EVERY_S: Final = "announce_every_s"
FLOW_OPTIONS: Final = (OPTION_ANNOUNCE_EVERY_S, OPTION_MOH_CLASS, OPTION_SKILLS)

MAX_ANNOUNCE_EVERY_S: Final = 3600
_SKILL_RE: Final = re.compile(r"([^\s:,]+)(?::\s*([0-9]+))?")
# Asterisk MOH class names: plain words (they name a musiconhold.conf section).
_MOH_CLASS_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")

FlowOptionValue = str | int | bool


@dataclass(frozen=True, slots=True)
class CallerOptions:
    """Per-caller settings (see the module docstring); None means "the queue's"."""

    max_wait_s: float | None = None
    required_skills: Mapping[str, int] = field(default_factory=dict)
    moh_class: str | None = None
    # 0 switches announcements off for this caller.
    announce_every_s: float | None = None
    # Their flow takes "*" as a request for a call back keeping their place
    # (the queue node's ``callback``): announcements say so.
    offer_callback: bool = False

    def __post_init__(self) -> None:
        if self.max_wait_s is not None and self.max_wait_s <= 0:
            raise InvalidConfigError("caller", "max_wait_s", "must be positive")
        if self.announce_every_s is not None and self.announce_every_s < 0:
            raise InvalidConfigError("caller", OPTION_ANNOUNCE_EVERY_S, "must not be negative")
        for skill, level in self.required_skills.items():
            if not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY:
                raise InvalidConfigError(
                    "caller", f"skills.{skill}", f"proficiency {level} is outside 1..5"
                )
        # A private copy: the frozen options must not change under the router's feet.
        object.__setattr__(self, "required_skills", dict(self.required_skills))

    def announce_period_s(self, queue_period_s: float | None) -> float | None:
        """Seconds between position announcements for this caller (None: none)."""
        if self.announce_every_s is None:
            return queue_period_s
        return self.announce_every_s or None


def parse_flow_options(
    options: Mapping[str, FlowOptionValue], max_wait_s: float | None = None
) -> CallerOptions:
    """A flow node's ``options`` (and ``max_wait_s``) as CallerOptions.

    Raises InvalidConfigError with subject "options" and the option's name as
    field, so the flow validator can name the node and the option.
    """
    unknown = sorted(set(options) - set(FLOW_OPTIONS))
    if unknown:
        raise InvalidConfigError(
            "options",
            unknown[0],
            f"not an option the ACD can honour (it takes {', '.join(FLOW_OPTIONS)})",
        )
    skills = options.get(OPTION_SKILLS)
    moh_class = options.get(OPTION_MOH_CLASS)
    announce = options.get(OPTION_ANNOUNCE_EVERY_S)
    return CallerOptions(
        max_wait_s=max_wait_s,
        required_skills={} if skills is None else _skills(skills),
        moh_class=None if moh_class is None else _moh_class(moh_class),
        announce_every_s=None if announce is None else _announce_every_s(announce),
    )


def _skills(value: FlowOptionValue) -> dict[str, int]:
    if not isinstance(value, str) or not value.strip():
        raise InvalidConfigError(
            "options", OPTION_SKILLS, 'must be skill names, e.g. "french:3, billing"'
        )
    skills: dict[str, int] = {}
    for item in value.split(","):
        match = _SKILL_RE.fullmatch(item.strip())
        if match is None:
            raise InvalidConfigError(
                "options", OPTION_SKILLS, f"{item.strip()!r} is not skill or skill:level"
            )
        name, level = match.group(1), int(match.group(2) or MIN_PROFICIENCY)
        if not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY:
            raise InvalidConfigError(
                "options", OPTION_SKILLS, f"level {level} of {name!r} is outside 1..5"
            )
        if name in skills:
            raise InvalidConfigError("options", OPTION_SKILLS, f"{name!r} is named twice")
        skills[name] = level
    return skills


def _moh_class(value: FlowOptionValue) -> str:
    if not isinstance(value, str) or not _MOH_CLASS_RE.fullmatch(value):
        raise InvalidConfigError(
            "options", OPTION_MOH_CLASS, "must be a music-on-hold class name (letters, digits, _ -)"
        )
    return value


def _announce_every_s(value: FlowOptionValue) -> float:
    # bool is an int in Python; true/false here is a mistake, not 1/0.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidConfigError("options", OPTION_ANNOUNCE_EVERY_S, "must be whole seconds")
    if not 0 <= value <= MAX_ANNOUNCE_EVERY_S:
        raise InvalidConfigError(
            "options",
            OPTION_ANNOUNCE_EVERY_S,
            f"must be between 0 (off) and {MAX_ANNOUNCE_EVERY_S} seconds",
        )
    return float(value)
