"""How a caller leaves the ACD, as the flow that put them there sees it.

The core reports an exit as a final ``CallerLeft``; an overflow to a flow
node or a voicemail box comes as an ``Overflow`` command in the same batch,
after that ``CallerLeft`` (``commands.py``). Acting on the ``CallerLeft``
alone resumed the flow before the ``Overflow`` was looked at, so the node
and the box it named were dropped. ``queue_exits`` reads the whole batch
and gives one ``QueueExit`` per caller with everything the flow needs.

Pure: no I/O, tested with the core's own commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ari_apps.acd.commands import (
    OUTCOME_ABANDONED,
    OUTCOME_ANSWERED,
    OUTCOME_CALLBACK,
    OUTCOME_TIMED_OUT,
    CallerLeft,
    Command,
    Overflow,
)
from ari_apps.acd.config import OVERFLOW_FLOW_NODE, OVERFLOW_VOICEMAIL, OverflowTarget

# QueueExit.outcome values: the words of the IVR's QueueExited.
EXIT_ANSWERED: Final = "answered"
EXIT_ABANDONED: Final = "abandoned"
EXIT_OVERFLOW: Final = "overflow"
EXIT_TIMED_OUT: Final = "timed_out"
EXIT_CALLBACK: Final = "callback"


@dataclass(frozen=True, slots=True)
class QueueExit:
    """``goto_node``: the flow node a "flow_node" overflow names;
    ``voicemail_box``: the box a "voicemail" overflow names."""

    call_id: str
    outcome: str
    goto_node: str | None = None
    voicemail_box: str | None = None
    # A "callback" exit: the place kept (queue, priority, joined_at); the
    # adapter adds it, the core's CallerLeft does not carry it.
    place: tuple[str, int, float] | None = None


def queue_exits(commands: Sequence[Command]) -> list[QueueExit]:
    """One exit per caller whose final CallerLeft is in ``commands``, in order."""
    overflows = {c.call_id: c.target for c in commands if isinstance(c, Overflow)}
    return [
        exit_for(command, overflows.get(command.call_id))
        for command in commands
        if isinstance(command, CallerLeft) and command.is_final
    ]


def exit_for(left: CallerLeft, overflow: OverflowTarget | None) -> QueueExit:
    call_id = left.call_id
    if left.outcome == OUTCOME_ANSWERED:
        return QueueExit(call_id, EXIT_ANSWERED)
    if left.outcome == OUTCOME_ABANDONED:
        return QueueExit(call_id, EXIT_ABANDONED)
    if left.outcome == OUTCOME_TIMED_OUT:
        return QueueExit(call_id, EXIT_TIMED_OUT)
    if left.outcome == OUTCOME_CALLBACK:
        return QueueExit(call_id, EXIT_CALLBACK)
    # Overflowed, or rejected (join-empty, leave-empty, queue removed).
    if overflow is not None and overflow.kind == OVERFLOW_FLOW_NODE:
        return QueueExit(call_id, EXIT_OVERFLOW, goto_node=overflow.target)
    if overflow is not None and overflow.kind == OVERFLOW_VOICEMAIL:
        return QueueExit(call_id, EXIT_OVERFLOW, voicemail_box=overflow.target)
    return QueueExit(call_id, EXIT_OVERFLOW)
