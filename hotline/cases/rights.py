"""Who may take which action on a case, by their place (pure).

The role matrix (``cases:view``, ``cases:edit``) lets a user near cases at
all; this table says what their department lets them do to one case:

- the departments holding a handling step act on it (reply, transfer,
  return, extension, joint handling, countersign, progress reply);
- the centre (users in no department, or in ``centre``) takes cases in,
  dispatches them, decides what departments ask (extensions, joint
  handling), reviews replies, closes, reopens, supervises and marks a
  complaint complex; it may also
  act for the one department holding a step;
- anyone who sees a case may chase it or write a note on it.

What a department sees: the cases it was ever given (dispatched,
transferred, countersigned, joined), not the others'.
"""

from __future__ import annotations

from typing import Final

from hotline.cases import core

HOLDER_ACTIONS: Final = frozenset(
    {
        core.TRANSFER,
        core.RETURN,
        core.REPLY,
        core.JOINT,
        core.COUNTERSIGN,
        core.EXTEND,
        core.PROGRESS,
    }
)
ANYONE_ACTIONS: Final = frozenset({core.CHASE, core.NOTE})


def refusal(kind: str, department: str, state: core.CaseState) -> str | None:
    """Why the user of ``department`` ("" = the centre) may not ``kind``; None if they may."""
    if kind in ANYONE_ACTIONS or department == "":
        return None
    if kind in HOLDER_ACTIONS and state.status != core.REGISTERED:
        if department in state.awaiting:
            return None
        return f"department {department!r} does not hold this case"
    return f"{kind} is the centre's to decide"
