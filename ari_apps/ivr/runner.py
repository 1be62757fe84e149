"""FlowRunner: runs one caller through a published flow and executes its commands.

The decisions live in the pure FlowSession; this class only turns its
commands into ARI requests, timers and HTTP look-ups, and turns their results
back into engine events.  Everything for one call is serialised by a lock so
a timer, a DTMF digit and a playback end never interleave inside the engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, channel_left_application
from ari_apps.ari.events import CHANNEL_DTMF_RECEIVED, PLAYBACK_FINISHED, AriEvent
from ari_apps.call_services import OUTCOME_FAILED, ServiceResult
from ari_apps.executor import (
    ChannelOpsExecutor,
    ContinueInDialplan,
    HangUp,
    PlayMedia,
    SetVariable,
    StopMedia,
)
from ari_apps.ivr.commands import (
    CancelTimer,
    Command,
    EnterQueue,
    Hangup,
    HttpLookup,
    InputRecorded,
    LeaveQueueForCallback,
    NodeEntered,
    Play,
    RunCallService,
    StartTimer,
    StopPlayback,
    Transfer,
)
from ari_apps.ivr.core import FlowSession
from ari_apps.ivr.events import (
    CallServiceFinished,
    DtmfReceived,
    Event,
    PlaybackFinished,
    QueueExited,
    TimerExpired,
)
from ari_apps.ivr.lookup_http import fetch
from hotline import calls, lookup_hosts, tenancy
from hotline.languages import asterisk_language

log = logging.getLogger(__name__)

EnterQueueHandler = Callable[["FlowRunner", EnterQueue], Awaitable[None]]
CallbackRequestHandler = Callable[["FlowRunner"], Awaitable[None]]
CallServiceHandler = Callable[["FlowRunner", RunCallService], Awaitable[ServiceResult]]
# The caller's channel left the application: whoever runs flows cleans up.
GoneHandler = Callable[["FlowRunner"], Awaitable[None]]


def media_uri(item: str) -> str:
    """Map flow media to ARI media URIs.

    ``prompt:NAME`` plays a catalogue prompt: its files sit in each language's
    ``sounds/<lang>/hotline`` directory (voice_prompts.services), and the
    playback's ``lang`` (hotline.languages.asterisk_language of the
    flow's ``language`` variable) makes Asterisk pick the caller's language,
    falling back to English where there is no recording in it.
    """
    if item.startswith("prompt:"):
        return "sound:hotline/" + item[len("prompt:") :]
    return item


class FlowRunner:
    """Owns the caller's channel in the adapter's registry (ari_apps/channels.py)."""

    feature = "ivr"

    def __init__(
        self,
        ari: AriClient,
        session: FlowSession,
        channel_id: str,
        *,
        http: aiohttp.ClientSession,
        on_enter_queue: EnterQueueHandler,
        on_call_service: CallServiceHandler | None = None,
        on_gone: GoneHandler | None = None,
        on_callback_requested: CallbackRequestHandler | None = None,
        agent_context: str = "hotline-agents",
        pstn_context: str = "to-pstn",
        tenant_id: int | None = None,
        ops: ChannelOpsExecutor | None = None,
    ) -> None:
        self.ari = ari
        # Every channel operation goes through the adapter's executor.
        self.ops = ops if ops is not None else ChannelOpsExecutor(ari)
        self.session = session
        self.channel_id = channel_id
        self.call_id = session.call_id
        self._http = http
        self._on_enter_queue = on_enter_queue
        self._on_call_service = on_call_service
        self._on_gone = on_gone
        self._on_callback_requested = on_callback_requested
        self._agent_context = agent_context
        self._pstn_context = pstn_context
        # Whose host allow-list the flow's HTTP look-ups obey (None: the home tenant).
        self.tenant_id = tenant_id
        self._lock = asyncio.Lock()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False
        self.in_queue = False
        self.handed_off = False

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def start(self) -> None:
        async with self._lock:
            await self._execute(self.session.start(self.now()))

    async def feed(self, event: Event) -> None:
        async with self._lock:
            if self.closed:
                return
            await self._execute(self.session.handle(event, self.now()))

    async def on_channel_event(self, event: AriEvent) -> None:
        """The caller's channel events, as the registry routes them."""
        if event.type == CHANNEL_DTMF_RECEIVED and event.digit:
            await self.feed(DtmfReceived(event.digit))
        elif event.type == PLAYBACK_FINISHED and event.playback_id:
            await self.feed(PlaybackFinished(event.playback_id))
        elif event.is_channel_final and self._on_gone is not None:
            await self._on_gone(self)

    async def leave_queue(self, exit_event: QueueExited) -> None:
        """The ACD let the caller go (answered, overflow, ...): the flow decides."""
        self.in_queue = False
        await self.feed(exit_event)

    def close(self) -> None:
        """The channel is gone: drop timers and pending look-ups."""
        self.closed = True
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in self._tasks:
            task.cancel()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            if self.closed:
                return
            try:
                await self._execute_one(command)
            except AriError as error:
                if not channel_left_application(error):
                    raise
                # The channel hung up under us; StasisEnd will clean up.
                log.info("call %s: channel gone while executing %s", self.call_id, command)
                return

    async def _execute_one(self, command: Command) -> None:
        match command:
            case Play(playback_id=playback_id, media=media):
                await self.ops.run(
                    PlayMedia(
                        self.channel_id,
                        tuple(media_uri(m) for m in media),
                        playback_id,
                        lang=asterisk_language(self.session.variables.get("language")),
                    )
                )
            case StopPlayback(playback_id=playback_id):
                await self.ops.run_unless_gone(StopMedia(playback_id))
            case StartTimer(timer_id=timer_id, seconds=seconds):
                loop = asyncio.get_running_loop()
                self._timers[timer_id] = loop.call_later(
                    seconds, lambda: self._spawn(self._timer_fired(timer_id))
                )
            case CancelTimer(timer_id=timer_id):
                handle = self._timers.pop(timer_id, None)
                if handle is not None:
                    handle.cancel()
            case HttpLookup():
                self._spawn(self._http_lookup(command))
            case RunCallService():
                self._spawn(self._run_call_service(command))
            case EnterQueue():
                self.in_queue = True
                await calls.add_event(self.call_id, "queued", queue=command.queue)
                await self._on_enter_queue(self, command)
            case LeaveQueueForCallback():
                if self.in_queue and self._on_callback_requested is not None:
                    await calls.add_event(self.call_id, "callback_requested")
                    await self._on_callback_requested(self)
            case Transfer(target=target, kind=kind):
                context = self._agent_context if kind == "extension" else self._pstn_context
                if kind == "extension" and self.tenant_id is not None:
                    # The agents' context rings an extension only for a channel
                    # of the extension's tenant: a flow reaches its own agents.
                    await self.ops.run(
                        SetVariable(
                            self.channel_id,
                            "CHANNEL(accountcode)",
                            tenancy.tenant_accountcode(self.tenant_id),
                        )
                    )
                await calls.add_event(self.call_id, "transferred", target=target, kind=kind)
                await calls.close_record(self.call_id, "transferred")
                await self.ops.run(ContinueInDialplan(self.channel_id, context, target))
            case Hangup(reason=reason):
                await calls.add_event(self.call_id, "hangup", reason=reason)
                await calls.close_record(self.call_id, "ivr_hangup")
                await self.ops.run(HangUp(self.channel_id))
            case NodeEntered(node_id=node_id, kind=kind):
                await calls.add_event(self.call_id, "node", node=node_id, kind=kind)
            case InputRecorded(node_id=node_id, kind=kind, value=value):
                await calls.add_event(self.call_id, "input", node=node_id, kind=kind, value=value)

    async def _timer_fired(self, timer_id: str) -> None:
        if self._timers.pop(timer_id, None) is not None:
            await self.feed(TimerExpired(timer_id))

    async def _run_call_service(self, command: RunCallService) -> None:
        await calls.add_event(self.call_id, "service", service=command.service)
        if self._on_call_service is None:
            result = ServiceResult(OUTCOME_FAILED, {"service_error": "no call services here"})
        else:
            result = await self._on_call_service(self, command)
        if result.handed_off:
            # The channel left Stasis for the dialplan: the flow ends here and
            # its StasisEnd must not count as a caller abandoning the IVR.
            await calls.close_record(self.call_id, result.outcome)
            self.handed_off = True
            self._tasks.discard(asyncio.current_task())
            self.close()
            return
        await calls.add_event(
            self.call_id, "service_done", service=command.service, outcome=result.outcome
        )
        await self.feed(
            CallServiceFinished(command.request_id, result.outcome, dict(result.variables))
        )

    async def _http_lookup(self, command: HttpLookup) -> None:
        # The tenant's host allow-list, checked again here as the call runs
        # (resolved addresses included); no redirects (ari_apps/ivr/lookup_http.py).
        allowed = await lookup_hosts.allow_list(self.tenant_id)
        await self.feed(await fetch(self._http, command, allowed))
