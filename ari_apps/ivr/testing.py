"""A scripted stand-in for the ARI adapter, for tests and flow previews.

It executes nothing; it remembers which playbacks, timers and requests the
session started so a test can say "the prompt finished" or "the timer
fired" without knowing generated ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ari_apps.ivr.commands import (
    CancelTimer,
    Command,
    HttpLookup,
    Play,
    StartTimer,
    StopPlayback,
)
from ari_apps.ivr.core import FlowDefinition, FlowSession
from ari_apps.ivr.events import (
    DtmfReceived,
    Event,
    HttpLookupCompleted,
    PlaybackFinished,
    QueueExited,
    TimerExpired,
)

DEFAULT_NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning


class ScriptedCall:
    def __init__(
        self,
        flow: FlowDefinition | Mapping[str, Any],
        variables: Mapping[str, str] | None = None,
        call_id: str = "call",
        now: datetime = DEFAULT_NOW,
    ) -> None:
        definition = flow if isinstance(flow, FlowDefinition) else FlowDefinition.from_json(flow)
        self.session = FlowSession(definition, call_id, variables)
        self.now = now
        self.history: list[Command] = []
        self.playing: list[str] = []
        self.timers: list[str] = []
        self.requests: list[HttpLookup] = []

    def start(self) -> list[Command]:
        return self._track(self.session.start(self.now))

    def send(self, event: Event) -> list[Command]:
        self._forget(event)
        return self._track(self.session.handle(event, self.now))

    def press(self, digits: str) -> list[Command]:
        commands: list[Command] = []
        for digit in digits:
            commands += self.send(DtmfReceived(digit))
        return commands

    def finish_playback(self) -> list[Command]:
        return self.send(PlaybackFinished(self.playing[-1]))

    def expire_timer(self) -> list[Command]:
        return self.send(TimerExpired(self.timers[-1]))

    def answer_lookup(
        self, status: int | None, body: str | None, error: str | None = None
    ) -> list[Command]:
        request = self.requests[-1]
        return self.send(HttpLookupCompleted(request.request_id, status, body, error))

    def leave_queue(self, outcome: str, goto_node: str | None = None) -> list[Command]:
        return self.send(QueueExited(outcome, goto_node))

    def _track(self, commands: list[Command]) -> list[Command]:
        for command in commands:
            if isinstance(command, Play):
                self.playing.append(command.playback_id)
            elif isinstance(command, StopPlayback) and command.playback_id in self.playing:
                self.playing.remove(command.playback_id)
            elif isinstance(command, StartTimer):
                self.timers.append(command.timer_id)
            elif isinstance(command, CancelTimer) and command.timer_id in self.timers:
                self.timers.remove(command.timer_id)
            elif isinstance(command, HttpLookup):
                self.requests.append(command)
        self.history += commands
        return commands

    def _forget(self, event: Event) -> None:
        """A playback or timer that reported its end is no longer running."""
        if isinstance(event, PlaybackFinished) and event.playback_id in self.playing:
            self.playing.remove(event.playback_id)
        if isinstance(event, TimerExpired) and event.timer_id in self.timers:
            self.timers.remove(event.timer_id)
