"""An agent's hands on their call: hold and resume, and blind transfer to a
queue or to an extension (the desk's buttons and the API).

* **Hold:** the agent's leg leaves the call's bridge (they hear silence, the
  caller cannot hear them) and the bridge plays music to the caller; resume
  undoes both.  Each is on the call's timeline (``held``, ``resumed``), and
  the figures count the held time as hold, not talk (METRICS.md's AHT).
* **Transfer to a queue:** the agent's part of the call ends (wrap-up, the
  ``transferred`` timeline entry that ends their talk time), and the caller
  joins the other queue as a new visit, keeping their flow's way out.
* **Transfer to an extension:** the agent's part ends the same way; the
  caller hears music while the extension rings, then talks to whoever
  answers (``transfer_core`` decides each step).  A busy, unanswered or
  unreachable extension sends the caller back to the queue they came from,
  ahead of the others: a transferred call is never dropped (OP-05).
* **Consult (attended) transfer:** the caller is put on hold and the agent
  rings the extension; once it answers, the two talk in a bridge of their
  own.  **Complete** hands the caller to the extension (the agent's part
  ends, as in a blind transfer that was answered); **cancel**, or the
  extension not answering or hanging up, brings the agent back to the
  caller.  If the caller or the agent goes meanwhile, the consult leg is
  hung up with the call.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ari_apps.acd import store
from ari_apps.acd import transfer_core as core
from ari_apps.acd.core import Acd
from ari_apps.acd.events import CallEnded, Event
from ari_apps.acd.exits import EXIT_OVERFLOW
from ari_apps.acd.live import AgentLeg, QueuedCall, QueueExitListener
from ari_apps.ari.errors import AriError, log_call_failure
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
    StartMusicOnHold,
    StopMusicOnHold,
)
from hotline import calls
from hotline.bus import EventBus
from hotline.errors import InvalidRequest
from hotline.writer import WRITER

log = logging.getLogger(__name__)

TRANSFER_STASIS_KIND: Final = "transfer"
CONSULT_STASIS_KIND: Final = "consult"
TRANSFER_RING_S: Final = 20
# A caller whose transfer failed goes back ahead of everyone of normal (0)
# and VIP (10, the default) priority.
FALLBACK_PRIORITY: Final = 100
# The bridge an agent and the consulted extension talk in; the time in the id
# keeps a restarted Hotline's count (from 1 again) off any bridge left behind.
CONSULT_BRIDGE_PREFIX: Final = "hl-cb-"
# The legs Hotline rings for a transfer or a consultation: while they ring
# they are in no Stasis app yet, so after a restart only the id tells them.
TRANSFER_LEG_PREFIX: Final = "hl-xfer-"
CONSULT_LEG_PREFIX: Final = "hl-cons-"
_EXTENSION = re.compile(r"^[0-9]{2,15}$")


@dataclass
class Consult:
    """An agent's consultation with an extension while their caller holds."""

    call_id: str
    agent_id: str
    target_channel_id: str
    extension: str
    bridge_id: str
    answered: bool = False
    over: bool = False


@dataclass
class ConsultLegHold:
    control: CallControl
    consult: Consult

    @property
    def feature(self) -> str:
        return "acd.consult"

    @property
    def call_id(self) -> str:
        return self.consult.call_id

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            await self.control.consult_leg_gone(self.consult)


class FlowPort(Protocol):
    """Where a caller goes for a transfer to a flow (``ari_apps/flow_handoff.py``,
    plugged in by the adapter): the ACD knows no flows."""

    async def check(self, queue: str, flow: str) -> None: ...

    async def run(self, call_id: str, channel_id: str, queue: str, flow: str) -> bool: ...


class CallHost(Protocol):
    """What call control needs of the ACD's service (``AcdService`` is it);
    a protocol, so the service can hold its call control without a cycle."""

    acd: Acd
    app: str
    bus: EventBus
    calls: dict[str, QueuedCall]
    channels: ChannelRegistry
    ops: ChannelOpsExecutor

    def handle(self, event: Event) -> Awaitable[Any]: ...

    def forget_leg(self, channel_id: str) -> AgentLeg | None: ...

    async def tell_observers_ended(self, call_id: str) -> None: ...

    def give_back(self, queued: QueuedCall, outcome: str) -> None: ...

    async def enqueue(
        self,
        call_id: str,
        channel_id: str,
        queue: str,
        priority: int,
        caller_id: str,
        joined_at: float | None = None,
        *,
        on_exit: QueueExitListener | None = None,
        caller_in_bridge: bool = False,
    ) -> None: ...


@dataclass
class TransferredCall:
    queued: QueuedCall
    target_channel_id: str
    extension: str
    state: str = core.RINGING


@dataclass
class TransferLegHold:
    """The registry's owner of a transfer target's channel."""

    control: CallControl
    transfer: TransferredCall

    @property
    def feature(self) -> str:
        return "acd.transfer"

    @property
    def call_id(self) -> str:
        return self.transfer.queued.call_id

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            gone = core.TARGET_HUNG_UP if self.transfer.state == core.CONNECTED else None
            await self.control.step(self.transfer, gone or core.TARGET_FAILED)


class CallControl:
    def __init__(self, acd: CallHost) -> None:
        self.acd = acd
        self.transfers: dict[str, TransferredCall] = {}
        self.consults: dict[str, Consult] = {}  # by call id
        self.flows: FlowPort | None = None
        self._counter = itertools.count(1)

    def holds(self, call_id: str) -> bool:
        """The call is being transferred to an extension (still ours)."""
        return call_id in self.transfers

    def _call_of(self, agent_id: str) -> tuple[QueuedCall, AgentLeg]:
        for queued in self.acd.calls.values():
            leg = queued.connected_leg
            if leg is not None and leg.agent_id == agent_id:
                return queued, leg
        raise InvalidRequest(f"agent: {agent_id} is not on a call", {"field": "agent"})

    # -- hold -------------------------------------------------------------------------
    async def hold(self, agent_id: str) -> None:
        queued, leg = self._call_of(agent_id)
        if queued.extra.get("held_at") is not None:
            return  # already on hold: pressing twice changes nothing
        await self.acd.ops.run(RemoveFromBridge(queued.bridge_id, leg.channel_id))
        await self.acd.ops.run_best_effort(StartMusicOnHold(queued.bridge_id, self._moh(queued)))
        queued.extra["held_at"] = time.time()
        await calls.add_event(queued.call_id, "held", agent=agent_id)
        self._publish(queued, "held", agent_id)

    async def resume(self, agent_id: str) -> None:
        queued, leg = self._call_of(agent_id)
        if queued.extra.get("held_at") is None:
            return
        # 409 when the music never started: the agent must get back anyway.
        await self.acd.ops.run_best_effort(StopMusicOnHold(queued.bridge_id))
        await self.acd.ops.run(AddToBridge(queued.bridge_id, leg.channel_id))
        queued.extra["held_at"] = None
        await calls.add_event(queued.call_id, "resumed", agent=agent_id)
        self._publish(queued, "resumed", agent_id)

    async def rejoin_after_restart(
        self, queued: QueuedCall, leg: AgentLeg, leg_bridge_id: str | None
    ) -> None:
        """An adopted call whose agent was not in the call's bridge when Hotline
        went down: they had the caller on hold, perhaps consulting.  The hold
        and the consultation lived in the old process only, so nothing could
        resume them: the agent is brought back to the caller, as a resume
        does (the consulted extension is hung up with the other orphans).  If
        Asterisk refuses, the call stays on hold, where the desk's Resume can
        try again."""
        if leg_bridge_id == queued.bridge_id:
            return
        ops = self.acd.ops
        if leg_bridge_id is not None and leg_bridge_id.startswith(CONSULT_BRIDGE_PREFIX):
            await ops.run_best_effort(DestroyBridge(leg_bridge_id))
        elif leg_bridge_id is not None:
            await ops.run_best_effort(RemoveFromBridge(leg_bridge_id, leg.channel_id))
        queued.extra["held_at"] = time.time()
        try:
            await self.resume(leg.agent_id)
        except AriError as refused:
            log_call_failure(
                log, queued.call_id, "bringing the agent back after a restart", refused
            )
            return
        log.info(
            "call %s: agent %s back with the caller after a restart", queued.call_id, leg.agent_id
        )

    def adopt_transfer(self, queued: QueuedCall, target_channel_id: str, extension: str) -> None:
        """A transfer found talking after a restart (the extension in the
        caller's bridge): followed again from its connected state."""
        transfer = TransferredCall(queued, target_channel_id, extension, state=core.CONNECTED)
        self.transfers[queued.call_id] = transfer
        self.acd.channels.own(target_channel_id, TransferLegHold(self, transfer))
        log.info("call %s: adopted its transfer to %s", queued.call_id, extension)

    async def requeue_cut_transfer(self, queued: QueuedCall) -> None:
        await calls.add_event(queued.call_id, "transfer_failed", cut_by="restart")
        log.info("call %s: transfer cut by a restart, back to %s", queued.call_id, queued.queue)
        await self._requeue(queued, queued.queue, priority=FALLBACK_PRIORITY)

    def live_consult_bridges(self) -> set[str]:
        return {consult.bridge_id for consult in self.consults.values() if not consult.over}

    def consulting(self, agent_id: str) -> dict[str, Any] | None:
        """The agent's consultation now: ``{extension, answered}``, or None."""
        for consult in self.consults.values():
            if consult.agent_id == agent_id and not consult.over:
                return {"extension": consult.extension, "answered": consult.answered}
        return None

    def is_held(self, agent_id: str) -> bool:
        try:
            queued, _ = self._call_of(agent_id)
        except InvalidRequest:
            return False
        return queued.extra.get("held_at") is not None

    # -- transfers ------------------------------------------------------------------------
    async def transfer_to_queue(self, agent_id: str, queue: str) -> None:
        if self.acd.acd.queue_config(queue) is None:
            raise InvalidRequest(f"queue: no queue {queue!r}", {"field": "target"})
        queued, leg = self._call_of(agent_id)
        await self._release_agent(queued, leg, {"queue": queue})
        await self._requeue(queued, queue, priority=0)

    async def transfer_to_flow(self, agent_id: str, flow: str) -> None:
        queued, leg = self._call_of(agent_id)
        if self.flows is None:
            raise InvalidRequest("target: flows cannot take calls here", {"field": "target"})
        await self.flows.check(queued.queue, flow)
        await self._release_agent(queued, leg, {"flow": flow})
        await self.acd.ops.run_best_effort(StopMusicOnHold(queued.bridge_id))
        await self.acd.ops.run_best_effort(RemoveFromBridge(queued.bridge_id, queued.channel_id))
        await self.acd.ops.run_best_effort(DestroyBridge(queued.bridge_id))
        if not await self.flows.run(queued.call_id, queued.channel_id, queued.queue, flow):
            await calls.add_event(queued.call_id, "transfer_failed", flow=flow)
            await self._requeue(
                queued, queued.queue, priority=FALLBACK_PRIORITY, caller_in_bridge=False
            )

    async def transfer_to_extension(self, agent_id: str, extension: str) -> None:
        if not _EXTENSION.match(extension):
            raise InvalidRequest(
                f"extension: 2 to 15 digits, not {extension!r}", {"field": "target"}
            )
        queued, leg = self._call_of(agent_id)
        if extension == leg.extension:
            raise InvalidRequest("extension: that is your own phone", {"field": "target"})
        await self._release_agent(queued, leg, {"extension": extension})
        await self.acd.ops.run_best_effort(StartMusicOnHold(queued.bridge_id, self._moh(queued)))
        transfer = TransferredCall(
            queued, f"{TRANSFER_LEG_PREFIX}{next(self._counter)}-{int(time.time())}", extension
        )
        self.transfers[queued.call_id] = transfer
        self.acd.channels.own(transfer.target_channel_id, TransferLegHold(self, transfer))
        try:
            await self.acd.ops.run(
                Originate(
                    f"PJSIP/{extension}",
                    transfer.target_channel_id,
                    self.acd.app,
                    (TRANSFER_STASIS_KIND, queued.call_id),
                    caller_id=queued.caller_id or None,
                    timeout_s=TRANSFER_RING_S,
                )
            )
        except AriError as refused:
            log.info("call %s: transfer to %s refused: %s", queued.call_id, extension, refused)
            await self.step(transfer, core.TARGET_FAILED)

    async def target_answered(self, event: AriEvent) -> None:
        call_id = event.args[1] if len(event.args) > 1 else ""
        transfer = self.transfers.get(call_id)
        if transfer is None or transfer.target_channel_id != event.channel_id:
            await self.acd.ops.run_best_effort(HangUp(event.channel_id or ""))
            return
        await self.step(transfer, core.TARGET_ANSWERED)

    async def caller_gone(self, call_id: str) -> None:
        transfer = self.transfers.get(call_id)
        if transfer is not None:
            await self.step(transfer, core.CALLER_HUNG_UP)

    async def step(self, transfer: TransferredCall, event: str) -> None:
        state, actions = core.step(transfer.state, event)
        transfer.state = state
        queued = transfer.queued
        for action in actions:
            if action == core.STOP_MUSIC:
                await self.acd.ops.run_best_effort(StopMusicOnHold(queued.bridge_id))
            elif action == core.BRIDGE_TARGET:
                await self.acd.ops.run_best_effort(
                    AddToBridge(queued.bridge_id, transfer.target_channel_id)
                )
                await calls.add_event(
                    queued.call_id, "transfer_answered", extension=transfer.extension
                )
            elif action == core.REQUEUE:
                self._forget(transfer)
                await calls.add_event(
                    queued.call_id, "transfer_failed", extension=transfer.extension
                )
                await self._requeue(queued, queued.queue, priority=FALLBACK_PRIORITY)
            elif action == core.HANG_UP_TARGET:
                await self.acd.ops.run_best_effort(HangUp(transfer.target_channel_id))
            elif action == core.HANG_UP_CALLER:
                await self.acd.ops.run_best_effort(HangUp(queued.channel_id))
            elif action == core.CLOSE_CALL:
                self._forget(transfer)
                await self.acd.ops.run_best_effort(DestroyBridge(queued.bridge_id))
                await calls.close_record(queued.call_id, "answered")
                self.acd.bus.publish("call", "ended", call_id=queued.call_id, queue=queued.queue)

    # -- consult transfer -----------------------------------------------------------------
    async def consult(self, agent_id: str, extension: str) -> None:
        if not _EXTENSION.match(extension):
            raise InvalidRequest(
                f"extension: 2 to 15 digits, not {extension!r}", {"field": "target"}
            )
        queued, leg = self._call_of(agent_id)
        if queued.call_id in self.consults:
            raise InvalidRequest("target: already consulting; complete or cancel first")
        if extension == leg.extension:
            raise InvalidRequest("extension: that is your own phone", {"field": "target"})
        await self.hold(agent_id)
        n = next(self._counter)
        consult = Consult(
            queued.call_id,
            agent_id,
            f"{CONSULT_LEG_PREFIX}{n}-{int(time.time())}",
            extension,
            f"{CONSULT_BRIDGE_PREFIX}{n}-{int(time.time())}",
        )
        self.consults[queued.call_id] = consult
        self.acd.channels.own(consult.target_channel_id, ConsultLegHold(self, consult))
        await calls.add_event(queued.call_id, "consult", agent=agent_id, extension=extension)
        try:
            await self.acd.ops.run(
                Originate(
                    f"PJSIP/{extension}",
                    consult.target_channel_id,
                    self.acd.app,
                    (CONSULT_STASIS_KIND, queued.call_id),
                    caller_id=f'"Agent {leg.extension}" <{leg.extension}>',
                    timeout_s=TRANSFER_RING_S,
                )
            )
        except AriError as refused:
            log.info("call %s: consult with %s refused: %s", queued.call_id, extension, refused)
            await self.consult_leg_gone(consult)

    async def consult_answered(self, event: AriEvent) -> None:
        call_id = event.args[1] if len(event.args) > 1 else ""
        consult = self.consults.get(call_id)
        if consult is None or consult.target_channel_id != event.channel_id or consult.over:
            await self.acd.ops.run_best_effort(HangUp(event.channel_id or ""))
            return
        try:
            queued, leg = self._call_of(consult.agent_id)
        except InvalidRequest:
            await self.consult_leg_gone(consult)
            return
        consult.answered = True
        await self.acd.ops.run(CreateBridge(consult.bridge_id, name=f"consult {call_id}"))
        await self.acd.ops.run(AddToBridge(consult.bridge_id, leg.channel_id))
        await self.acd.ops.run(AddToBridge(consult.bridge_id, consult.target_channel_id))
        await calls.add_event(queued.call_id, "consult_answered", extension=consult.extension)
        self._publish(queued, "consult_answered", consult.agent_id)

    async def complete_consult(self, agent_id: str) -> None:
        queued, leg = self._call_of(agent_id)
        consult = self.consults.get(queued.call_id)
        if consult is None or not consult.answered or consult.over:
            raise InvalidRequest("action: no answered consultation to complete")
        consult.over = True
        self.consults.pop(queued.call_id, None)
        # The target's leg becomes the transfer's: its end is then the call's.
        owner = self.acd.channels.owner(consult.target_channel_id)
        if owner is not None:
            self.acd.channels.release(consult.target_channel_id, owner)
        await self.acd.ops.run_best_effort(
            RemoveFromBridge(consult.bridge_id, consult.target_channel_id)
        )
        await self._release_agent(queued, leg, {"extension": consult.extension, "consulted": "yes"})
        await self.acd.ops.run_best_effort(DestroyBridge(consult.bridge_id))
        transfer = TransferredCall(queued, consult.target_channel_id, consult.extension)
        self.transfers[queued.call_id] = transfer
        self.acd.channels.own(transfer.target_channel_id, TransferLegHold(self, transfer))
        await self.step(transfer, core.TARGET_ANSWERED)

    async def cancel_consult(self, agent_id: str) -> None:
        queued, _ = self._call_of(agent_id)
        consult = self.consults.get(queued.call_id)
        if consult is None:
            raise InvalidRequest("action: not consulting")
        await self._end_consult(consult, "consult_cancelled")

    async def consult_leg_gone(self, consult: Consult) -> None:
        """The extension did not answer, hung up, or could not be rung: the
        agent is back with their caller."""
        await self._end_consult(consult, "consult_ended")

    async def drop_consult(self, call_id: str) -> None:
        """The call ended (caller or agent gone): the consultation goes too."""
        consult = self.consults.get(call_id)
        if consult is None:
            return
        consult.over = True
        self.consults.pop(call_id, None)
        self._release_consult_leg(consult)
        await self.acd.ops.run_best_effort(HangUp(consult.target_channel_id))
        await self.acd.ops.run_best_effort(DestroyBridge(consult.bridge_id))

    async def _end_consult(self, consult: Consult, kind: str) -> None:
        if consult.over:
            return
        consult.over = True
        self.consults.pop(consult.call_id, None)
        self._release_consult_leg(consult)
        await self.acd.ops.run_best_effort(HangUp(consult.target_channel_id))
        await self.acd.ops.run_best_effort(DestroyBridge(consult.bridge_id))
        await calls.add_event(consult.call_id, kind, extension=consult.extension)
        try:
            await self.resume(consult.agent_id)
        except InvalidRequest:
            return  # the call itself is over
        except AriError:
            log.warning("call %s: agent not back after the consult", consult.call_id)

    def _release_consult_leg(self, consult: Consult) -> None:
        owner = self.acd.channels.owner(consult.target_channel_id)
        if owner is not None:
            self.acd.channels.release(consult.target_channel_id, owner)

    # -- shared steps -----------------------------------------------------------------------
    async def _release_agent(
        self, queued: QueuedCall, leg: AgentLeg, target: dict[str, str]
    ) -> None:
        """The agent's part of the call is over: wrap-up for them, their leg
        hung up, the call out of the ACD's hands (it goes on without them)."""
        acd = self.acd
        acd.calls.pop(queued.call_id, None)
        acd.forget_leg(leg.channel_id)  # its hang-up below is then no event of ours
        WRITER.submit(store.delete_connected(queued.call_id))
        await acd.handle(CallEnded(time.time(), queued.call_id, leg.agent_id))
        await acd.tell_observers_ended(queued.call_id)
        await acd.ops.run_best_effort(RemoveFromBridge(queued.bridge_id, leg.channel_id))
        await acd.ops.run_best_effort(HangUp(leg.channel_id))
        queued.connected_leg = None
        queued.extra["held_at"] = None
        await calls.add_event(queued.call_id, "transferred", agent=leg.agent_id, **target)
        log.info("call %s: transferred by %s to %s", queued.call_id, leg.agent_id, target)
        self._publish(queued, "transferred", leg.agent_id)

    async def _requeue(
        self, queued: QueuedCall, queue: str, *, priority: int, caller_in_bridge: bool = True
    ) -> None:
        """The caller back in a queue.  Still alone in their queue bridge,
        they stay in it: destroying it and making one of the same id at once
        races Asterisk's teardown of the old one (a failed transfer-back,
        seen in CI).  ``caller_in_bridge`` False: they left it already (a
        transfer to a flow that failed), and it is made again."""
        acd = self.acd
        if caller_in_bridge:
            await acd.ops.run_best_effort(StopMusicOnHold(queued.bridge_id))
        try:
            await acd.enqueue(
                queued.call_id,
                queued.channel_id,
                queue,
                priority,
                queued.caller_id,
                on_exit=queued.on_exit,
                caller_in_bridge=caller_in_bridge,
            )
        except AriError as refused:
            # Hung up meanwhile, or Asterisk would not bridge them: either
            # way not left in silence; their flow takes them on as it does
            # a queue's overflow.  The agent's part is done all the same.
            log_call_failure(log, queued.call_id, "requeue", refused)
            await calls.add_event(queued.call_id, "requeue_failed", queue=queue)
            acd.give_back(queued, EXIT_OVERFLOW)

    def _forget(self, transfer: TransferredCall) -> None:
        self.transfers.pop(transfer.queued.call_id, None)
        owner = self.acd.channels.owner(transfer.target_channel_id)
        if owner is not None:
            self.acd.channels.release(transfer.target_channel_id, owner)

    def _moh(self, queued: QueuedCall) -> str:
        config = self.acd.acd.queue_config(queued.queue)
        return config.moh_class if config is not None else "default"

    def _publish(self, queued: QueuedCall, kind: str, agent_id: str) -> None:
        self.acd.bus.publish("call", kind, call_id=queued.call_id, agent=agent_id)
