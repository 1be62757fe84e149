"""Record a queue conversation, each party on a channel of its own.

Asterisk cannot record a channel that sits in a bridge, and a bridge
recording mixes both parties into one mono track.  So each party gets a
snoop channel that hears only that party (``spy=in``: the audio coming in
from their phone), and each snoop channel records a mono file.  When the
conversation ends both are fetched through ARI (Asterisk's recording
directory may be another machine's or a chroot's), joined into one stereo
WAV (caller left, agent right: ``hotline.recordings.core.join_sides``) and
deleted from Asterisk.

A snoop channel ends with the channel it spies on; the recorder also hangs
both up as soon as the conversation ends, since the caller's channel can
outlive it (a survey, a transfer).  After a restart the recordings of
adopted conversations go on (``adopt``), and any other unfinished row is
finished from whatever Asterisk kept (``finish_unfinished``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ari_apps.acd.conversations import Conversation
from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound
from ari_apps.ari.events import (
    CHANNEL_DESTROYED,
    RECORDING_FAILED,
    RECORDING_FINISHED,
    STASIS_END,
    AriEvent,
)
from ari_apps.channels import ChannelObservers
from ari_apps.executor import ChannelOpsExecutor, HangUp, Snoop, StartRecording
from hotline.models import Queue
from hotline.models_recording import CallRecording
from hotline.recordings.core import should_record
from hotline.recordings.services import purge_expired, store_sides
from hotline.recordings.store import STATUS_RECORDING, start_row, unfinished

log = logging.getLogger(__name__)

STASIS_KIND: Final = "recording"
SIDES: Final = ("caller", "agent")
# Asterisk writes a recording's file when its channel hangs up; the stored
# recording shows up in ARI a moment later.
FETCH_ATTEMPTS: Final = 25
FETCH_INTERVAL_S: Final = 0.2
# The retention purge runs hourly, so a file goes within the hour its queue's
# retention ends.
PURGE_INTERVAL_S: Final = 3600.0
SNOOP_START_TIMEOUT_S: Final = 5.0
RECORDING_END_TIMEOUT_S: Final = 5.0
# A snoop's recording has ended, and Asterisk has closed its file, once one
# of these came for the snoop channel (see _finish).
_RECORDING_OVER: Final = frozenset(
    {RECORDING_FINISHED, RECORDING_FAILED, STASIS_END, CHANNEL_DESTROYED}
)


def snoop_channel_id(recording_id: int, side: str) -> str:
    return f"hl-rec-{recording_id}-{side}"


def staging_name(recording_id: int, side: str) -> str:
    """The recording's name in Asterisk (its recording directory, no extension)."""
    return f"hotline-rec-{recording_id}-{side}"


@dataclass(frozen=True)
class RecordingPolicy:
    tenant_id: int
    policy: str
    sample_pct: int


@dataclass
class ActiveRecording:
    row: CallRecording
    sides: list[str] = field(default_factory=list)


class CallRecorder:
    """The ACD's ``ConversationObserver`` that records per the queue's policy."""

    def __init__(
        self,
        ari: AriClient,
        ops: ChannelOpsExecutor,
        app: str,
        var_dir: Path,
        *,
        observers: ChannelObservers | None = None,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.ari = ari
        self._observers: ChannelObservers = {} if observers is None else observers
        # Snoop channel id -> set when its recording is over (_snoop_event).
        self._recording_over: dict[str, asyncio.Event] = {}
        self.ops = ops
        self.app = app
        self.var_dir = var_dir
        self._draw = draw
        self.active: dict[str, ActiveRecording] = {}
        self._starting: dict[str, asyncio.Task[None]] = {}
        # Snoop channel id -> set on its StasisStart (see _record_side).
        self._snoops_in_stasis: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Unfinished rows no live conversation owns, from adopt() to
        # finish_unfinished().
        self._left_unfinished: dict[int, CallRecording] = {}
        # Recording ids being finished now (a conversation's end or the sweep).
        self._finishing: set[int] = set()
        # Queue name -> its recording policy, read when the ACD loads its
        # queues (start and every reload_config), not once per answered
        # call: that query was 5 % of Hotline's CPU under `make bench`.
        self._policies: dict[str, RecordingPolicy] | None = None

    async def reload_policies(self) -> None:
        """Read every queue's recording policy (the ACD calls this with its
        own queue reload, so a queue edited in the UI applies from then)."""
        rows = await Queue.all().values_list(
            "name", "tenant_id", "record_policy", "record_sample_pct"
        )
        self._policies = {
            name: RecordingPolicy(tenant_id, policy, sample_pct)
            for name, tenant_id, policy, sample_pct in rows
        }

    async def _policy_of(self, queue: str) -> RecordingPolicy | None:
        if self._policies is None:
            await self.reload_policies()
        assert self._policies is not None
        return self._policies.get(queue)

    # -- the ACD's conversation events -------------------------------------------
    async def conversation_started(self, conversation: Conversation) -> None:
        """Returns at once; the start runs beside the call."""
        task = asyncio.create_task(self._start(conversation), name="recording-start")
        self._starting[conversation.call_id] = task
        task.add_done_callback(lambda _: self._starting.pop(conversation.call_id, None))

    async def conversation_ended(self, call_id: str) -> None:
        self._spawn(self._end(call_id), "recording-finish")

    # -- start and finish -------------------------------------------------------------
    async def _start(self, conversation: Conversation) -> None:
        try:
            policy = await self._policy_of(conversation.queue)
            if policy is None or not should_record(policy.policy, policy.sample_pct, self._draw()):
                return
            row = await start_row(
                conversation.call_id,
                tenant_id=policy.tenant_id,
                queue=conversation.queue,
                agent_extension=conversation.agent_extension,
                caller_id=conversation.caller_id,
            )
            active = ActiveRecording(row)
            self.active[conversation.call_id] = active
            parties = {
                "caller": conversation.caller_channel_id,
                "agent": conversation.agent_channel_id,
            }
            for side in SIDES:
                if await self._record_side(row.id, side, parties[side]):
                    active.sides.append(side)
            log.info(
                "call %s: recording %s started (%s)",
                conversation.call_id,
                row.id,
                "+".join(active.sides) or "no side",
            )
        except Exception:
            log.exception("call %s: recording could not start", conversation.call_id)

    async def _record_side(self, recording_id: int, side: str, channel_id: str) -> bool:
        snoop_id = snoop_channel_id(recording_id, side)
        in_stasis = self._snoops_in_stasis[snoop_id] = asyncio.Event()
        try:
            await self.ops.run(
                Snoop(
                    channel_id,
                    snoop_id,
                    self.app,
                    f"{STASIS_KIND},{recording_id},{side}",
                    spy="in",
                )
            )
            # Asterisk quirk: the snoop request returns before the new channel
            # is in our application, and recording it until then answers 409
            # "Channel not in Stasis application".  Its StasisStart says when.
            await asyncio.wait_for(in_stasis.wait(), SNOOP_START_TIMEOUT_S)
            self._watch_until_over(snoop_id)
            await self.ops.run(StartRecording(snoop_id, staging_name(recording_id, side)))
        except (AriError, TimeoutError) as exc:
            # E.g. that party hung up in the meantime: record what remains.
            log.warning("recording %s: the %s side could not start: %r", recording_id, side, exc)
            self._stop_watching(snoop_id)
            await self._hang_up(snoop_id)
            return False
        finally:
            self._snoops_in_stasis.pop(snoop_id, None)
        return True

    def snoop_started(self, channel_id: str) -> None:
        """A snoop channel's StasisStart (routed here by the adapter)."""
        in_stasis = self._snoops_in_stasis.get(channel_id)
        if in_stasis is not None:
            in_stasis.set()

    def _snoop_event(self, event: AriEvent) -> None:
        """An event of a recording snoop channel (the adapter's observers)."""
        if event.type in _RECORDING_OVER:
            over = self._recording_over.get(event.channel_id or "")
            if over is not None:
                over.set()

    def _watch_until_over(self, snoop_id: str) -> None:
        self._recording_over[snoop_id] = asyncio.Event()
        self._observers[snoop_id] = self._snoop_event

    def _stop_watching(self, snoop_id: str) -> None:
        self._recording_over.pop(snoop_id, None)
        if self._observers.get(snoop_id) == self._snoop_event:
            del self._observers[snoop_id]

    async def _until_recordings_over(self, recording_id: int) -> None:
        """Wait until Asterisk has closed each side's file.

        Asterisk quirk: a stored recording's file can be fetched while the
        recording still writes it (res/stasis_recording/stored.c only looks
        for the file), and a snoop's recording ends on the channel's own
        thread after the hang-up returns.  Fetched too early, a side was a
        truncated WAV and the recording was kept in mono (seen in CI).  The
        file is closed before RecordingFinished (or RecordingFailed) is
        published, and both come before the snoop's StasisEnd.
        """
        for side in SIDES:
            snoop_id = snoop_channel_id(recording_id, side)
            over = self._recording_over.get(snoop_id)
            try:
                if over is not None:
                    await asyncio.wait_for(over.wait(), RECORDING_END_TIMEOUT_S)
            except TimeoutError:
                log.warning(
                    "recording %s: no end of the %s side in %s s; fetching it as it is",
                    recording_id,
                    side,
                    RECORDING_END_TIMEOUT_S,
                )
            finally:
                self._stop_watching(snoop_id)

    async def _end(self, call_id: str) -> None:
        starting = self._starting.get(call_id)
        if starting is not None:
            await asyncio.gather(starting, return_exceptions=True)
        active = self.active.pop(call_id, None)
        if active is None:
            return
        await self._finish(active.row, active.sides)

    async def _finish(self, row: CallRecording, started: Sequence[str] = SIDES) -> None:
        """Store what Asterisk recorded of ``row``'s sides.

        ``started`` names the sides whose recording began; only those are
        fetched, since looking for a file that was never written costs the
        whole fetch retry (FETCH_ATTEMPTS × FETCH_INTERVAL_S).  A row taken
        over after a restart does not know which began, so it asks for both.
        """
        if row.id in self._finishing:
            return
        self._finishing.add(row.id)
        try:
            for side in SIDES:
                await self._hang_up(snoop_channel_id(row.id, side))
            await self._until_recordings_over(row.id)
            audio = {
                side: await self._fetch(staging_name(row.id, side)) if side in started else None
                for side in SIDES
            }
            await store_sides(self.var_dir, row, audio["caller"], audio["agent"])
            if row.status == STATUS_RECORDING:
                log.info("call %s: recording %s was already finished", row.call_id, row.id)
            else:
                log.info(
                    "call %s: recording %s %s (%s s)",
                    row.call_id,
                    row.id,
                    row.status,
                    row.duration_s,
                )
        except Exception:
            log.exception("call %s: recording %s could not be finished", row.call_id, row.id)
        finally:
            self._finishing.discard(row.id)

    async def _fetch(self, name: str) -> bytes | None:
        """The stored recording's bytes, deleted from Asterisk; None if none."""
        for _ in range(FETCH_ATTEMPTS):
            try:
                data = await self.ari.get_stored_recording_file(name)
            except AriNotFound:
                await asyncio.sleep(FETCH_INTERVAL_S)
                continue
            try:
                await self.ari.delete_stored_recording(name)
            except AriError as exc:
                log.warning("stored recording %s could not be deleted: %s", name, exc)
            return data
        return None

    async def _hang_up(self, channel_id: str) -> None:
        try:
            # Usually already gone, with the channel it spied on.
            await self.ops.run_unless_gone(HangUp(channel_id))
        except AriError as exc:
            log.warning("snoop channel %s could not be hung up: %s", channel_id, exc)

    # -- restarts -----------------------------------------------------------------------
    async def adopt(
        self, live_call_ids: Collection[str], live_channel_ids: Collection[str]
    ) -> set[str]:
        """After a restart: keep recording the conversations that were adopted.

        Returns the snoop channel ids that belong to them; any other snoop
        channel is an orphan for the caller to hang up.  The other unfinished
        rows are set aside here for ``finish_unfinished``: sorted out by the
        same read, a row is finished by its conversation's end or by the
        sweep, never both (a second read could still see "recording" a row
        whose adopted conversation was just ending).  Every set-aside or
        adopted row's snoop that is still alive is watched, so that its side
        is fetched only once Asterisk has closed the file (see
        ``_until_recordings_over``); a snoop already gone has closed it.
        """
        kept: set[str] = set()
        live_channels = set(live_channel_ids)
        for row in await unfinished():
            if (
                row.call_id in self.active
                or row.call_id in self._starting
                or row.id in self._finishing
            ):
                continue  # this process records or finishes it already
            snoops = {snoop_channel_id(row.id, side) for side in SIDES}
            for snoop_id in snoops & live_channels:
                self._watch_until_over(snoop_id)
            if row.call_id in live_call_ids:
                self.active[row.call_id] = ActiveRecording(row, list(SIDES))
                kept.update(snoops)
            else:
                self._left_unfinished.setdefault(row.id, row)
        return kept

    def finish_unfinished(self) -> None:
        """Finish, in the background, the rows left "recording" that
        ``adopt`` found no live conversation for (Hotline stopped during the
        call, or the call ended while it was away)."""
        rows, self._left_unfinished = list(self._left_unfinished.values()), {}
        self._spawn(self._finish_all(rows), "recording-sweep")

    async def _finish_all(self, rows: list[CallRecording]) -> None:
        for row in rows:
            await self._finish(row)

    # -- retention -------------------------------------------------------------------------
    def start(self) -> None:
        self._spawn(self._purge_loop(), "recording-purge")

    async def _purge_loop(self) -> None:
        while True:
            try:
                purged = await purge_expired(self.var_dir, datetime.now(UTC))
                if purged:
                    log.info("recording retention: %d expired recordings removed", purged)
            except Exception:  # keep purging on the next round
                log.exception("recording retention purge failed")
            await asyncio.sleep(PURGE_INTERVAL_S)

    # -- lifecycle ------------------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Let finishing recordings land (a stop during a call leaves the
        conversation and its snoops to the next start)."""
        for task in self._tasks:
            if task.get_name() == "recording-purge":
                task.cancel()
        pending = [*self._tasks, *self._starting.values()]
        if pending:
            await asyncio.wait(pending, timeout=10)
