"""The one menu core under every DTMF menu a caller walks.

Three menus run on it: the flow engine's ``menu`` and ``collect`` nodes
(``node_input.py``), the fax-on-demand node (``fax/nodes.py``) and the
voicemail phone menu (``vm/access_core.py``).  What a key *means* differs
from menu to menu, and each keeps that as its own table (a node's
``options``, the voicemail menu's ``KEYS``).  How a prompt, a pause, an entry
and a failed attempt behave is the same everywhere, and is decided here once:

1. **One prompt, one timer.**  A menu has at most one prompt playing and one
   timer running (``PromptWait``).  Starting either records its id; the
   playback and timer ids come from the menu's own session, so they are
   deterministic and tests can name them.
2. **Barge-in.**  A key stops both at once (``PromptWait.quiet``), so the
   caller who knows the menu never waits for the rest of it.
3. **The pause starts after the prompt.**  The wait for a key is started only
   when the prompt has finished (``prompt_done``), so a long prompt never eats
   into the caller's time to answer.
4. **Stale events are ignored.**  The end of a prompt that was stopped, or a
   timer that was cancelled, carries an id the menu no longer waits for;
   ``prompt_done``/``timer_fired`` answer False and the menu does nothing.
5. **An entry** (``DigitEntry``: box numbers, PINs, account or document
   numbers) ends on its terminator or, for entries of a known length, when
   full.  Keys beyond the limit of an open-ended entry are dropped, so a DTMF
   flood cannot grow it without bound.
6. **Failed attempts** (``Attempts``) count invalid keys and pauses together;
   the menu learns when the limit is reached and decides where the caller
   goes then (another node, back a menu, goodbye).

Pure: no I/O, no clock.  The commands are the flow engine's own ``Play``,
``StopPlayback``, ``StartTimer`` and ``CancelTimer``, which every adapter
already executes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ari_apps.ivr.commands import CancelTimer, Play, StartTimer, StopPlayback


@dataclass(slots=True)
class PromptWait:
    """The prompt a menu plays and the timer it waits on (rules 1 to 4)."""

    playback_id: str | None = None
    timer_id: str | None = None

    def playing(self, play: Play) -> Play:
        """Remember ``play`` as the menu's prompt (stop the previous one first: ``quiet``)."""
        self.playback_id = play.playback_id
        return play

    def waiting(self, timer: StartTimer) -> StartTimer:
        """Remember ``timer`` as the pause the menu waits on."""
        self.timer_id = timer.timer_id
        return timer

    def quiet(self) -> list[StopPlayback | CancelTimer]:
        """Stop the prompt and cancel the timer, whichever run (barge-in, leaving)."""
        commands: list[StopPlayback | CancelTimer] = []
        if self.playback_id is not None:
            commands.append(StopPlayback(self.playback_id))
            self.playback_id = None
        if self.timer_id is not None:
            commands.append(CancelTimer(self.timer_id))
            self.timer_id = None
        return commands

    def prompt_done(self, playback_id: str) -> bool:
        """True when ``playback_id`` is the menu's prompt, which is then over."""
        if playback_id != self.playback_id:
            return False
        self.playback_id = None
        return True

    def timer_fired(self, timer_id: str) -> bool:
        """True when ``timer_id`` is the pause the menu waits on, which is then over."""
        if timer_id != self.timer_id:
            return False
        self.timer_id = None
        return True

    def forget(self) -> None:
        """The channel is gone: nothing is left to stop."""
        self.playback_id = self.timer_id = None


@dataclass(slots=True)
class DigitEntry:
    """Digits keyed for one entry (rule 5).

    ``terminator`` ends the entry without being kept (None: the menu's own key
    table handles the end key).  With ``ends_when_full`` the entry is complete
    at ``max_length`` digits (a field of known length); without it, further
    keys are dropped until the terminator or the pause.
    """

    max_length: int
    terminator: str | None = "#"
    ends_when_full: bool = True
    digits: str = ""

    def press(self, key: str) -> bool:
        """Take one key; True when the entry is complete."""
        if key == self.terminator:
            return True
        if len(self.digits) < self.max_length:
            self.digits += key
        return self.ends_when_full and len(self.digits) >= self.max_length

    def take(self) -> str:
        """The digits keyed so far; the entry starts empty again."""
        entered, self.digits = self.digits, ""
        return entered

    def clear(self) -> None:
        self.digits = ""


@dataclass(slots=True)
class Attempts:
    """Failed attempts at one question: invalid keys and pauses (rule 6)."""

    limit: int
    failed: int = 0

    def fail(self) -> bool:
        """Count one failure; True when that was the last one allowed."""
        self.failed += 1
        return self.failed >= self.limit

    def reset(self) -> None:
        """A new question: its own attempts."""
        self.failed = 0
