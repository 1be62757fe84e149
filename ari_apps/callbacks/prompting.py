"""Say a prompt on a channel and collect the keys pressed, with or after it.

Shared by the two virtual-hold dialogues: the queued caller confirming the
number to call back (``keep_place``) and the called-back caller pressing 1
(``virtual_hold``).  A key pressed during the prompt stops it (barge-in), as
callers expect; a flood of keys is cut at ``max_digits``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from ari_apps.ari.events import CHANNEL_DTMF_RECEIVED, PLAYBACK_FINISHED, AriEvent
from ari_apps.executor import ChannelOpsExecutor, PlayMedia, StopMedia

NextEvent = Callable[[float], Awaitable[AriEvent | None]]

HUNG_UP: Final = "hung_up"
TIMED_OUT: Final = "timed_out"
KEYED: Final = "keyed"


@dataclass(frozen=True, slots=True)
class Answer:
    how: str  # KEYED, TIMED_OUT or HUNG_UP
    digits: str = ""


async def ask(
    ops: ChannelOpsExecutor,
    channel_id: str,
    media: tuple[str, ...],
    playback_id: str,
    next_event: NextEvent,
    *,
    wait_s: float = 6.0,
    max_digits: int = 1,
    terminator: str = "#",
    inter_digit_s: float = 4.0,
) -> Answer:
    """Play ``media`` and wait ``wait_s`` after it for keys: one key, or up
    to ``max_digits`` ended by ``terminator`` (or a pause of ``inter_digit_s``)."""
    await ops.run(PlayMedia(channel_id, media, playback_id))
    playing = True
    digits = ""
    deadline: float | None = None  # set once the prompt is over
    while True:
        # Before the prompt ends: a prompt never plays 120 s, and a lost
        # event must not hang the dialogue.
        timeout = 120.0 if deadline is None else max(0.0, deadline - time.monotonic())
        event = await next_event(timeout)
        if event is None:
            if digits:
                return Answer(KEYED, digits)
            return Answer(TIMED_OUT)
        if event.is_channel_final:
            return Answer(HUNG_UP, digits)
        if event.type == PLAYBACK_FINISHED and event.playback_id == playback_id:
            playing = False
            deadline = time.monotonic() + (inter_digit_s if digits else wait_s)
        elif event.type == CHANNEL_DTMF_RECEIVED and event.digit:
            if playing:
                playing = False
                await ops.run_unless_gone(StopMedia(playback_id))
            if event.digit == terminator and max_digits > 1:
                return Answer(KEYED, digits)
            digits += event.digit
            if len(digits) >= max_digits:
                return Answer(KEYED, digits)
            deadline = time.monotonic() + inter_digit_s
