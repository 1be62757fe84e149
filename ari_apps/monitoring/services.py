"""Monitoring sessions: ring the supervisor's phone, then join it to an
agent's conversation as the mode says (``ari_apps.monitoring.core``).

The supervisor's phone is called into our application (Stasis kind
``monitor``) and owned by its session in the adapter's channel registry, so
its hang-up ends the session.  Listen and whisper add a snoop channel on the
agent's channel (Stasis kind ``monitor-snoop``) and a small mixing bridge
holding the snoop and the supervisor; barge adds the supervisor to the
conversation's own bridge.  When the conversation ends (the ACD tells its
observers), every session on it ends and the supervisor's phone is hung up.

Nothing is left behind: a session's snoop, bridge and phone call are all
taken down on every way out, and after a restart the adapter's reconcile
hangs up whatever channels and bridges of ours no live state explains.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ari_apps.acd.conversations import Conversation
from ari_apps.ari.errors import AriError
from ari_apps.ari.events import AriEvent
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import (
    AddToBridge,
    ChannelOpsExecutor,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    RemoveFromBridge,
    Snoop,
)
from ari_apps.monitoring import core
from ari_apps.monitoring.store import audit
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound

log = logging.getLogger(__name__)

LEAVE_BRIDGE_WAIT_S: Final = 1.0

SUPERVISOR_STASIS_KIND: Final = "monitor"
SNOOP_STASIS_KIND: Final = "monitor-snoop"
CHANNEL_PREFIX: Final = "hl-mon-"
BRIDGE_PREFIX: Final = "hl-monb-"
RING_TIMEOUT_S: Final = 30
SNOOP_START_TIMEOUT_S: Final = 5.0


@dataclass
class MonitorSession:
    """One supervisor on one agent's conversation; owns the supervisor's channel."""

    session_id: str
    call_id_: str
    agent_extension: str
    supervisor_extension: str
    mode: str
    started_by: Actor
    service: MonitorService
    state: str = core.RINGING
    started_at: float = field(default_factory=time.time)
    snoop_id: str | None = None
    # The session's own bridge (listen, whisper), or the conversation's (barge).
    bridge_id: str | None = None
    joined_conversation_bridge: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def feature(self) -> str:
        return "monitoring"

    @property
    def call_id(self) -> str:
        return self.call_id_

    @property
    def supervisor_channel_id(self) -> str:
        return f"{CHANNEL_PREFIX}{self.session_id}"

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            reason = core.SUPERVISOR_HUNG_UP if self.state != core.RINGING else core.NOT_ANSWERED
            await self.service.end(self, reason, self.started_by, phone_gone=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "call_id": self.call_id_,
            "agent": self.agent_extension,
            "supervisor": self.supervisor_extension,
            "mode": self.mode,
            "state": self.state,
            "started_by": self.started_by.username,
            "started_at": self.started_at,
        }


@dataclass
class SnoopHold:
    """The registry's owner of a session's snoop channel: it only listens."""

    session_id: str
    call_id_: str

    @property
    def feature(self) -> str:
        return "monitoring.snoop"

    @property
    def call_id(self) -> str:
        return self.call_id_

    async def on_channel_event(self, event: AriEvent) -> None:
        return None  # the session hangs it up; its end needs nothing more


class MonitorService:
    """The ACD's ``ConversationObserver`` that knows who is talking to whom,
    and the sessions supervisors start on those conversations."""

    def __init__(
        self,
        ops: ChannelOpsExecutor,
        channels: ChannelRegistry,
        app: str,
        bus: EventBus,
        *,
        new_token: Callable[[], str] = lambda: secrets.token_hex(3),
    ) -> None:
        self.ops = ops
        self.channels = channels
        self.app = app
        self.bus = bus
        self._new_token = new_token
        self._counter = itertools.count(1)
        self.conversations: dict[str, Conversation] = {}
        self.sessions: dict[str, MonitorSession] = {}
        # Snoop channel id -> set on its StasisStart (see _attach).
        self._snoops_in_stasis: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- the ACD's conversation events -------------------------------------------
    async def conversation_started(self, conversation: Conversation) -> None:
        self.conversations[conversation.call_id] = conversation

    async def conversation_ended(self, call_id: str) -> None:
        self.conversations.pop(call_id, None)
        for session in [s for s in self.sessions.values() if s.call_id_ == call_id]:
            await self.end(session, core.CONVERSATION_ENDED, session.started_by)

    def conversation_of_agent(self, extension: str) -> Conversation | None:
        for conversation in self.conversations.values():
            if conversation.agent_extension == extension:
                return conversation
        return None

    # -- what supervisors ask --------------------------------------------------------
    def session_list(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in sorted(self.sessions.values(), key=lambda s: s.started_at)]

    async def start(
        self, agent_extension: str, supervisor_extension: str, mode: str, actor: Actor
    ) -> dict[str, Any]:
        """Ring the supervisor's phone; once answered it joins the agent's
        conversation in ``mode``.  Raises InvalidRequest naming the field."""
        _check_mode(mode)
        if not supervisor_extension:
            raise InvalidRequest(
                "supervisor: you have no phone extension to ring (set it on your user)",
                {"field": "supervisor"},
            )
        if supervisor_extension == agent_extension:
            raise InvalidRequest("agent: you cannot monitor your own phone", {"field": "agent"})
        conversation = self.conversation_of_agent(agent_extension)
        if conversation is None:
            raise InvalidRequest(
                f"agent: {agent_extension} is not talking to a caller now", {"field": "agent"}
            )
        for session in self.sessions.values():
            if session.supervisor_extension == supervisor_extension:
                raise InvalidRequest(
                    f"supervisor: phone {supervisor_extension} is already monitoring "
                    f"agent {session.agent_extension}; stop that first",
                    {"field": "supervisor"},
                )
        session_id = f"{next(self._counter)}-{self._new_token()}"
        session = MonitorSession(
            session_id,
            conversation.call_id,
            agent_extension,
            supervisor_extension,
            mode,
            actor,
            self,
        )
        self.sessions[session_id] = session
        # Owned before the originate, so that an unanswered phone's end finds it.
        self.channels.own(session.supervisor_channel_id, session)
        try:
            await self.ops.run(
                Originate(
                    f"PJSIP/{supervisor_extension}",
                    session.supervisor_channel_id,
                    app=self.app,
                    app_args=(SUPERVISOR_STASIS_KIND, session_id),
                    caller_id=f'"Monitor {agent_extension}" <{agent_extension}>',
                    timeout_s=RING_TIMEOUT_S,
                )
            )
        except AriError as refused:
            self.sessions.pop(session_id, None)
            self.channels.release(session.supervisor_channel_id, session)
            raise InvalidRequest(
                f"supervisor: phone {supervisor_extension} cannot be rung ({refused})",
                {"field": "supervisor"},
            ) from None
        await audit(actor, "monitor_started", session_id, _audit_facts(session))
        log.info(
            "monitoring %s: %s %s agent %s on call %s",
            session_id,
            supervisor_extension,
            mode,
            agent_extension,
            conversation.call_id,
        )
        self._publish(session)
        return session.as_dict()

    async def change_mode(self, session_id: str, mode: str, actor: Actor) -> dict[str, Any]:
        _check_mode(mode)
        session = self._session(session_id)
        async with session.lock:
            if session.mode == mode:
                return session.as_dict()
            if session.state == core.RINGING:
                # Not attached yet: the answer attaches in the new mode.
                session.mode = mode
            elif core.takes(session.state, core.MODE_CHANGED):
                # Listen <-> whisper swaps the snoop only; the supervisor stays
                # in the session's bridge and hears no gap but the swap's.
                keep_bridge = not core.attachment_for(mode).joins_conversation
                await self._detach(session, keep_bridge=keep_bridge)
                session.mode = mode
                session.state = core.next_state(session.state, core.MODE_CHANGED)
                await self._attach(session)
            else:
                raise InvalidRequest(
                    f"session: {session_id} is {session.state}; try again in a moment",
                    {"field": "session"},
                )
        await audit(actor, "monitor_mode_changed", session_id, _audit_facts(session))
        self._publish(session)
        return session.as_dict()

    async def stop(self, session_id: str, actor: Actor) -> dict[str, Any]:
        session = self._session(session_id)
        await self.end(session, core.STOPPED, actor)
        return session.as_dict()

    async def release(self, agent_extension: str, actor: Actor) -> dict[str, Any]:
        """Force release (强拆): end the agent's call by hanging up the caller;
        the ACD then ends the conversation as on any hang-up.  Audited."""
        conversation = self.conversation_of_agent(agent_extension)
        if conversation is None:
            raise InvalidRequest(
                f"agent: {agent_extension} is not talking to a caller now", {"field": "agent"}
            )
        await self.ops.run_best_effort(HangUp(conversation.caller_channel_id))
        facts = {
            "agent": agent_extension,
            "call_id": conversation.call_id,
            "caller_id": conversation.caller_id,
        }
        await audit(actor, "call_force_released", conversation.call_id, facts)
        log.info("call %s: released by %s", conversation.call_id, actor.username)
        return facts

    def _session(self, session_id: str) -> MonitorSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound(f"no monitoring session {session_id}")
        return session

    # -- the adapter's Stasis starts ---------------------------------------------------
    async def supervisor_answered(self, event: AriEvent) -> None:
        channel_id = event.channel_id or ""
        session = self.sessions.get(event.args[1] if len(event.args) > 1 else "")
        if session is None or session.supervisor_channel_id != channel_id:
            # Stopped while it rang: nobody wants this call any more.
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        async with session.lock:
            if session.state != core.RINGING:
                return
            session.state = core.next_state(session.state, core.ANSWERED)
            await self._attach(session)
        self._publish(session)

    def snoop_started(self, event: AriEvent) -> None:
        channel_id = event.channel_id or ""
        session = self.sessions.get(event.args[1] if len(event.args) > 1 else "")
        ready = self._snoops_in_stasis.get(channel_id)
        if session is None or ready is None:
            self._hang_up_later(channel_id)
            return
        self.channels.own(channel_id, SnoopHold(session.session_id, session.call_id_))
        ready.set()

    def _hang_up_later(self, channel_id: str) -> None:
        # Called from the event loop's dispatch, which must not wait for ARI.
        task = asyncio.create_task(self.ops.run_best_effort(HangUp(channel_id)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- attach and detach ---------------------------------------------------------------
    async def _attach(self, session: MonitorSession) -> None:
        """Join the supervisor to the conversation as the mode says (state
        CONNECTING -> ACTIVE); on any failure the session ends, cleanly."""
        conversation = self.conversations.get(session.call_id_)
        if conversation is None:
            await self._end_locked(session, core.CONVERSATION_ENDED, session.started_by)
            return
        attachment = core.attachment_for(session.mode)
        try:
            if attachment.joins_conversation:
                await self.ops.run(
                    AddToBridge(conversation.bridge_id, session.supervisor_channel_id)
                )
                session.joined_conversation_bridge = conversation.bridge_id
            else:
                await self._attach_snoop(session, conversation, attachment)
        except (AriError, TimeoutError) as failure:
            log.warning("monitoring %s: could not join the call: %s", session.session_id, failure)
            await self._end_locked(session, core.ATTACH_FAILED, session.started_by)
            return
        session.state = core.next_state(session.state, core.ATTACHED)

    async def _attach_snoop(
        self, session: MonitorSession, conversation: Conversation, attachment: core.Attachment
    ) -> None:
        if session.bridge_id is None:
            # A new id each time: Asterisk may still hold a bridge just
            # destroyed under the old one (409 "already exists").
            bridge_id = f"{BRIDGE_PREFIX}{session.session_id}-{next(self._counter)}"
            await self.ops.run(CreateBridge(bridge_id, name=f"monitor {session.agent_extension}"))
            session.bridge_id = bridge_id
            await self.ops.run(AddToBridge(bridge_id, session.supervisor_channel_id))
        bridge_id = session.bridge_id
        snoop_id = f"{session.supervisor_channel_id}-snoop-{next(self._counter)}"
        ready = self._snoops_in_stasis[snoop_id] = asyncio.Event()
        try:
            await self.ops.run(
                Snoop(
                    conversation.agent_channel_id,
                    snoop_id,
                    self.app,
                    f"{SNOOP_STASIS_KIND},{session.session_id}",
                    spy=attachment.snoop_spy or "none",
                    whisper=attachment.snoop_whisper or "none",
                )
            )
            session.snoop_id = snoop_id
            # Asterisk quirk: the snoop request returns before the new channel
            # is in our application, and adding it to a bridge until then
            # answers 409 (the recorder meets the same with recording).
            await asyncio.wait_for(ready.wait(), SNOOP_START_TIMEOUT_S)
        finally:
            self._snoops_in_stasis.pop(snoop_id, None)
        await self.ops.run(AddToBridge(bridge_id, snoop_id))

    async def _detach(self, session: MonitorSession, *, keep_bridge: bool = False) -> None:
        """Take the attachment down, keeping the supervisor's phone call (and,
        with ``keep_bridge``, the supervisor in the session's bridge)."""
        if session.snoop_id is not None:
            snoop_id, session.snoop_id = session.snoop_id, None
            await self.ops.run_best_effort(HangUp(snoop_id))
            _release_any(self.channels, snoop_id)
        if session.joined_conversation_bridge is not None:
            bridge_id, session.joined_conversation_bridge = session.joined_conversation_bridge, None
            await self.ops.run_best_effort(
                RemoveFromBridge(bridge_id, session.supervisor_channel_id)
            )
        if session.bridge_id is not None and not keep_bridge:
            bridge_id, session.bridge_id = session.bridge_id, None
            await self.ops.run_best_effort(
                RemoveFromBridge(bridge_id, session.supervisor_channel_id)
            )
            await self._left_bridge(bridge_id, session.supervisor_channel_id)
            await self.ops.run_best_effort(DestroyBridge(bridge_id))

    async def _left_bridge(self, bridge_id: str, channel_id: str) -> None:
        """Asterisk quirk: a channel leaves a bridge after the REST call has
        returned.  Joined to the conversation before it is out, a barging
        supervisor was now and then heard by nobody (seen in CI); so wait
        until Asterisk shows the channel gone, at most LEAVE_BRIDGE_WAIT_S."""
        deadline = time.monotonic() + LEAVE_BRIDGE_WAIT_S
        while time.monotonic() < deadline:
            try:
                bridge = await self.ops.ari.get_bridge(bridge_id)
            except AriError:
                return
            if channel_id not in bridge.get("channels", []):
                return
            await asyncio.sleep(0.02)

    # -- the end ---------------------------------------------------------------------------
    async def end(
        self, session: MonitorSession, reason: str, actor: Actor, *, phone_gone: bool = False
    ) -> None:
        async with session.lock:
            await self._end_locked(session, reason, actor, phone_gone=phone_gone)

    async def _end_locked(
        self, session: MonitorSession, reason: str, actor: Actor, *, phone_gone: bool = False
    ) -> None:
        if session.state == core.ENDED:
            return
        session.state = core.next_state(session.state, reason)
        self.sessions.pop(session.session_id, None)
        self.channels.release(session.supervisor_channel_id, session)
        await self._detach(session)
        if not phone_gone:
            await self.ops.run_best_effort(HangUp(session.supervisor_channel_id))
        with contextlib.suppress(Exception):
            # An audit row that cannot be written must not leave the phone up.
            facts = {**_audit_facts(session), "why": reason}
            await audit(actor, "monitor_stopped", session.session_id, facts)
        log.info("monitoring %s: ended (%s)", session.session_id, reason)
        self._publish(session)

    async def stop_all(self) -> None:
        """Hotline is stopping: end every session (the phones hang up)."""
        for session in list(self.sessions.values()):
            await self.end(session, core.STOPPED, session.started_by)

    def _publish(self, session: MonitorSession) -> None:
        self.bus.publish(
            "agent",
            "monitoring",
            agent=session.agent_extension,
            supervisor=session.supervisor_extension,
            mode=session.mode,
            state=session.state,
        )


def _check_mode(mode: str) -> None:
    try:
        core.attachment_for(mode)
    except core.UnknownMode as unknown:
        raise InvalidRequest(str(unknown), {"field": "mode"}) from None


def _release_any(channels: ChannelRegistry, channel_id: str) -> None:
    owner = channels.owner(channel_id)
    if owner is not None:
        channels.release(channel_id, owner)


def _audit_facts(session: MonitorSession) -> dict[str, Any]:
    return {
        "agent": session.agent_extension,
        "supervisor": session.supervisor_extension,
        "mode": session.mode,
        "call_id": session.call_id_,
    }
