"""AcdService: the pure Acd plus the I/O its commands need.

The Acd decides; this class originates agent legs, bridges, plays
announcements, persists waiting and connected callers (so a restart keeps
everyone's place) and publishes agent/queue events on the bus.

Acd.handle() runs under one lock, and so does the bookkeeping each command
needs at once (which leg belongs to which call, who is connected).  The I/O a
command needs (ARI requests, database rows) does NOT run under the lock: it
is queued per call and runs in order for that call, while other calls go on.
Holding the lock across ARI round trips and SQLite commits serialised the
whole contact center behind them (``make bench`` collapsed at 160 callers).
Anything that calls back into a caller's FlowRunner runs in that per-call
order too, never awaited under the lock: the runner may itself be waiting for
the lock (EnterQueue), and awaiting it here would deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from ari_apps.acd import store
from ari_apps.acd.call_control import CallControl
from ari_apps.acd.caller_options import CallerOptions
from ari_apps.acd.commands import (
    AgentStateChanged,
    Announce,
    CallerLeft,
    CallerQueued,
    CancelOffer,
    Command,
    ConnectCall,
    OfferCall,
    Overflow,
)
from ari_apps.acd.conversations import (
    AfterConversation,
    Conversation,
    ConversationObserver,
)
from ari_apps.acd.core import Acd
from ari_apps.acd.events import (
    CallEnded,
    CallerAbandoned,
    CallerArrived,
    CallerChoseCallback,
    Event,
    KeptPlaceAnswered,
    KeptPlaceUnreached,
    OfferAnswered,
    OfferFailed,
    QueueRemoved,
    Tick,
)
from ari_apps.acd.exceptions import AcdError
from ari_apps.acd.exits import (
    EXIT_ABANDONED,
    EXIT_ANSWERED,
    EXIT_OVERFLOW,
    QueueExit,
    queue_exits,
)
from ari_apps.acd.live import (
    AdoptedCallerHold,
    AgentLeg,
    AgentLegHold,
    QueuedCall,
    QueueExitListener,
    queue_bridge_id,
)
from ari_apps.acd.serial_jobs import SerialJobs
from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriConflict, AriError, AriNotFound
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import (
    AddToBridge,
    ChannelOpsExecutor,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    PlayMedia,
    RemoveFromBridge,
    StartMusicOnHold,
    StopMusicOnHold,
)
from hotline import calls
from hotline.bus import EventBus
from hotline.customers import vip as customer_vip
from hotline.writer import WRITER

# An agent leg rings in no Stasis app yet: after a restart only its id tells it.
AGENT_LEG_PREFIX: Final = "hl-agent-"
log = logging.getLogger(__name__)

QueueExitHandler = Callable[[str, str, str | None], Awaitable[None]]

# The offer of a call back (virtual hold), told to the announcements' listeners.
CALLBACK_OFFER_MEDIA: Final = ("sound:vm-press", "sound:digits/star", "sound:vm-tocallback")
# A queue bridge of the same id still leaving Asterisk's registry
# (``_bridge_caller``): how often and how long apart to try again.
BRIDGE_CREATE_ATTEMPTS: Final = 5
BRIDGE_GONE_WAIT_S: Final = 0.05


class KeptPlacePort(Protocol):
    """Who calls back a kept place (virtual hold; ``ari_apps/callbacks``),
    plugged in by the composition so that the ACD never imports it."""

    async def call_back(self, call_id: str, agent_id: str) -> None:
        """The place is at the front and ``agent_id`` is reserved: ring the
        caller; answer with ``kept_place_answered`` or ``kept_place_unreached``."""

    async def place_withdrawn(self, call_id: str, outcome: str) -> None:
        """The ACD let the place go (``outcome``: the CallerLeft's), or took
        back its agent: stop calling, and settle the request."""


# Q.850 causes on an agent leg that never answered, mapped to OfferFailed reasons.
_CAUSE_REASONS = {17: "busy", 18: "no_answer", 19: "no_answer", 21: "rejected"}


class AcdService:
    def __init__(
        self,
        ari: AriClient,
        bus: EventBus,
        app: str,
        on_queue_exit: QueueExitHandler,
        *,
        channels: ChannelRegistry | None = None,
        ops: ChannelOpsExecutor | None = None,
    ):
        self.ari = ari
        # Every channel and bridge operation goes through the adapter's executor.
        self.ops = ops if ops is not None else ChannelOpsExecutor(ari)
        # The adapter's registry: agent legs and adopted callers are held there.
        self.channels = channels if channels is not None else ChannelRegistry()
        self.bus = bus
        self.app = app
        self._on_queue_exit = on_queue_exit
        self.acd = Acd()
        self.lock = asyncio.Lock()
        self._lock_owner: asyncio.Task[Any] | None = None
        self.calls: dict[str, QueuedCall] = {}
        # Agent leg channel id -> leg: what the ACD knows of each leg it
        # holds in the registry (track_leg / _forget_leg keep both in step).
        self.legs: dict[str, AgentLeg] = {}
        self._leg_holds: dict[str, AgentLegHold] = {}
        self._leg_counter = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._jobs = SerialJobs()
        # Told when a caller and an agent are put together, and when that
        # ends (recordings; see conversations.py).
        self.conversation_observers: list[ConversationObserver] = []
        # Who may take the caller on when the agent hangs up first (a survey).
        self.after_conversation: AfterConversation | None = None
        # What each agent's row last got, so "ready again after wrap-up" on
        # every call does not rewrite an unchanged row.
        self._persisted_agent_state: dict[str, dict[str, Any]] = {}
        # The Acd's next deadline and the timer that sends its Tick (see _plan_tick).
        self._ticking = False
        self._tick_at: float | None = None
        self._tick_timer: asyncio.TimerHandle | None = None
        # Hold, resume and transfers of connected calls (the desk's buttons).
        self.control = CallControl(self)
        # Virtual hold: places kept in the Acd with nobody on the line yet,
        # and who calls them back.
        self.kept_places: set[str] = set()
        self.kept_place_port: KeptPlacePort | None = None
        # Places of callers leaving for a call back, until their exit is told.
        self._places_left: dict[str, tuple[str, int, float]] = {}

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        self._ticking = True
        self._plan_tick()

    async def stop(self) -> None:
        self._ticking = False
        self._cancel_tick()
        self._jobs.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def persist_pause_request(self, agent_id: str, *, paused: bool, reason: str) -> None:
        """Store a pause/ready request as asked (a pause asked during a call
        shows as a state change only after wrap-up, and must survive a restart)."""
        values: dict[str, Any] = {"paused": paused, "pause_reason": reason if paused else ""}
        # The row no longer matches what the ACD last wrote for this agent.
        self._persisted_agent_state.pop(agent_id, None)

        WRITER.submit(store.agent_update(agent_id, values), urgent=True)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _plan_tick(self) -> None:
        """Time the Tick for the Acd's next deadline (ring timeouts, wrap-up
        ends, announcements, max wait); run after every handled event.

        A timer on the event loop, re-armed only when the deadline moved.
        It was a task waiting on ``asyncio.wait_for``, woken by every event
        the Acd handled (three or four a call): each wake made a task for the
        wait and a timer, both thrown away at the next event.
        """
        if not self._ticking:
            return
        deadline = self.acd.next_deadline()
        if deadline == self._tick_at and self._tick_timer is not None:
            return
        self._cancel_tick()
        if deadline is None:
            return
        self._tick_at = deadline
        delay = max(0.0, deadline - time.time())
        self._tick_timer = asyncio.get_running_loop().call_later(delay, self._tick_due)

    def _cancel_tick(self) -> None:
        if self._tick_timer is not None:
            self._tick_timer.cancel()
        self._tick_timer = None
        self._tick_at = None

    def _tick_due(self) -> None:
        self._tick_timer = None
        self._tick_at = None
        self._spawn(self._tick())

    async def _tick(self) -> None:
        try:
            # Plans the next tick once handled (handle_locked).
            await self.handle(Tick(now=time.time()))
        except Exception:
            # Ticking must outlive any one bad tick, or wrap-ups never end.
            log.exception("ACD tick failed")
            await asyncio.sleep(0.5)
            self._plan_tick()

    # -- the one entry point for events --------------------------------------
    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """The ACD's lock, held by this task: ``handle`` within it does not
        wait for the lock its own task holds (reconcile runs under it, and
        ends, queues and requeues calls)."""
        async with self.lock:
            self._lock_owner = asyncio.current_task()
            try:
                yield
            finally:
                self._lock_owner = None

    async def handle(self, event: Event) -> list[Command]:
        if self._lock_owner is not None and self._lock_owner is asyncio.current_task():
            return await self.handle_locked(event)
        async with self.locked():
            return await self.handle_locked(event)

    async def handle_locked(self, event: Event) -> list[Command]:
        commands = self.acd.handle(event)
        for command in commands:
            self._dispatch(command)
        # After the bookkeeping: an exit needs the whole batch (see exits.py).
        for queue_exit in queue_exits(commands):
            self._exit(queue_exit)
        self._plan_tick()
        return commands

    async def remove_queues_except(self, configured: Collection[str], now: float) -> None:
        """Take the queues no longer configured out of the live Acd (under the lock).

        Their waiting callers go through each queue's overflow rule
        (``QueueRemoved``); the web refuses a deletion while callers wait,
        so this only catches a caller who arrived meanwhile.
        """
        for name in [n for n in self.acd.queue_names() if n not in configured]:
            try:
                await self.handle_locked(QueueRemoved(now, name))
            except AcdError as exc:
                # Another queue still overflows into it (changed behind the
                # web's back): it stays live rather than fail the whole reload.
                log.warning("queue %s stays live: %s", name, exc)
            else:
                log.info("queue %s removed from the live ACD", name)

    # -- callers -------------------------------------------------------------
    async def _bridge_caller(self, bridge_id: str, queue: str, channel_id: str) -> None:
        """The caller in their own queue bridge, made now or already there
        (a restarted Hotline adopting them).

        A previous bridge of that id can still be leaving Asterisk, which
        answers DELETE before the bridge leaves its registry (a transfer to
        a flow that failed, then the requeue; seen in CI in two forms): the
        POST is refused and a GET no longer finds it, or the GET still
        finds its snapshot and the addChannel gets 409 "Bridge not in Stasis
        application".  Both are tried again, a moment later.  Any other
        refusal of the addChannel is the caller gone.
        """
        for attempt in range(1, BRIDGE_CREATE_ATTEMPTS + 1):
            last = attempt == BRIDGE_CREATE_ATTEMPTS
            try:
                await self.ops.run(CreateBridge(bridge_id, name=f"queue {queue}"))
            except AriError:
                try:
                    await self.ari.get_bridge(bridge_id)
                except AriNotFound:
                    if last:
                        raise
                    await asyncio.sleep(BRIDGE_GONE_WAIT_S)
                    continue
            try:
                await self.ops.run(AddToBridge(bridge_id, channel_id))
                return
            except AriError as refused:
                if not isinstance(refused, AriConflict) or last:
                    # Nobody else knows this bridge yet: it would be left
                    # behind empty.
                    await self.ops.run_best_effort(DestroyBridge(bridge_id))
                    raise
                await asyncio.sleep(BRIDGE_GONE_WAIT_S)

    async def enqueue(
        self,
        call_id: str,
        channel_id: str,
        queue: str,
        priority: int,
        caller_id: str,
        joined_at: float | None = None,
        *,
        options: CallerOptions | None = None,
        on_exit: QueueExitListener | None = None,
        caller_in_bridge: bool = False,
    ) -> None:
        """Put a caller in a queue: their own bridge with MOH, then the Acd.

        ``options`` are the caller's own (their flow's max wait, skills, ...);
        ``on_exit`` hears how they leave (else the global handler does).
        ``caller_in_bridge``: they are still alone in their queue bridge (a
        requeue after a transfer), which is kept rather than made again.
        """
        bridge_id = queue_bridge_id(call_id)
        if not caller_in_bridge:
            await self._bridge_caller(bridge_id, queue, channel_id)
        self.calls[call_id] = QueuedCall(
            call_id, channel_id, queue, bridge_id, caller_id, on_exit=on_exit
        )
        now = time.time()
        joined = joined_at if joined_at is not None else now
        row = {
            "queue": queue,
            "priority": priority,
            "caller_id": caller_id,
            "joined_at": joined,
            "bridge_id": bridge_id,
        }

        # Urgent: a restart gives the caller their place back from this row.
        WRITER.submit(store.upsert_waiting(call_id, row), urgent=True)
        await calls.update_record(call_id, queue=queue)
        familiar = await self._familiar_agent(call_id, queue, caller_id)
        vip = await self.caller_is_vip(queue, caller_id)
        if vip:
            calls.note_event(call_id, "customer_vip", queue=queue)
        try:
            await self.handle(
                CallerArrived(
                    now,
                    call_id,
                    queue,
                    priority,
                    caller_id,
                    joined_at=joined,
                    options=options or CallerOptions(),
                    familiar_agent=familiar,
                    vip=vip,
                )
            )
        except AcdError as exc:
            # E.g. a flow version that still names a deleted queue.
            log.warning("call %s refused by queue %s: %s", call_id, queue, exc)
            self.hand_back(call_id, EXIT_OVERFLOW)

    # -- virtual hold ---------------------------------------------------------------
    async def caller_chose_callback(self, call_id: str) -> None:
        """A waiting caller leaves for a call back; their flow hears the place."""
        async with self.locked():
            place = self.acd.place_of(call_id)
            if place is None or call_id not in self.calls:
                return  # answered or gone meanwhile
            self._places_left[call_id] = place
            await self.handle_locked(CallerChoseCallback(time.time(), call_id))

    async def keep_place(self, call_id: str, queue: str, priority: int, joined_at: float) -> bool:
        """Put a kept place into the Acd at its original arrival; False when
        the queue is gone (the request then waits for a supervisor)."""
        self.kept_places.add(call_id)
        try:
            await self.handle(
                CallerArrived(
                    time.time(), call_id, queue, priority, joined_at=joined_at, kept_place=True
                )
            )
        except AcdError as refused:
            self.kept_places.discard(call_id)
            log.warning("kept place %s refused by queue %s: %s", call_id, queue, refused)
            return False
        return True

    async def kept_place_answered(
        self,
        call_id: str,
        channel_id: str,
        caller_id: str,
        on_exit: QueueExitListener | None = None,
    ) -> bool:
        """The called-back caller confirmed: they wait in their own bridge
        (music on hold) while the reserved agent is rung.  False when the
        Acd let the place go meanwhile."""
        place = self.acd.place_of(call_id)
        if call_id not in self.kept_places or place is None:
            return False
        queue = place[0]
        bridge_id = queue_bridge_id(call_id)
        await self._bridge_caller(bridge_id, queue, channel_id)
        await self.ops.run_best_effort(StartMusicOnHold(bridge_id, None))
        self.calls[call_id] = QueuedCall(
            call_id, channel_id, queue, bridge_id, caller_id, on_exit=on_exit
        )
        self.kept_places.discard(call_id)
        await self.handle(KeptPlaceAnswered(time.time(), call_id))
        return True

    async def kept_place_unreached(self, call_id: str) -> None:
        if call_id in self.kept_places:
            await self.handle(KeptPlaceUnreached(time.time(), call_id))

    def _kept_place_left(self, command: CallerLeft) -> None:
        self.kept_places.discard(command.call_id)
        port = self.kept_place_port
        if port is not None:
            self._spawn(port.place_withdrawn(command.call_id, command.outcome))

    async def _familiar_agent(self, call_id: str, queue: str, caller_id: str) -> str | None:
        """The agent who last served this caller, when the queue waits for them."""
        config = self.acd.queue_config(queue)
        if config is None or config.familiar_agent_s <= 0 or not caller_id:
            return None
        agent = await store.last_agent_of(caller_id, queue)
        if agent is not None:
            calls.note_event(call_id, "familiar_agent", agent=agent)
        return agent

    async def caller_is_vip(self, queue: str, caller_id: str) -> bool:
        """Whether the caller is a customer whose VIP mark counts now (the
        queue's VIP priority then applies).  Asked of an index in memory
        (``hotline/customers/vip.py``); a failed look-up queues the caller
        at their own priority rather than not at all."""
        try:
            return await customer_vip.is_vip_caller(queue, caller_id)
        except Exception:
            log.exception("VIP look-up of call to queue %s failed", queue)
            return False

    def hand_back(self, call_id: str, outcome: str) -> None:
        """Take a caller the Acd does not hold out of our bridge, back to their flow."""
        self._leave(QueueExit(call_id, outcome))

    def give_back(self, queued: QueuedCall, outcome: str) -> None:
        """Like ``hand_back``, for a caller no longer among our calls (a
        requeue that Asterisk refused): out of their bridge, to their flow."""
        queue_exit = QueueExit(queued.call_id, outcome)
        self._jobs.run(queued.call_id, lambda: self._release_then_resume(queued, queue_exit))

    async def caller_gone(self, call_id: str) -> None:
        """The caller's channel left Stasis: abandon or end their call."""
        queued = self.calls.get(call_id)
        if queued is None:
            await self.control.caller_gone(call_id)  # perhaps being transferred
            return
        if queued.connected_leg is not None:
            leg = queued.connected_leg
            await self.handle(CallEnded(time.time(), call_id, leg.agent_id))
            self._end_connected(queued, hang_up=leg.channel_id)
            return
        await self.handle(CallerAbandoned(time.time(), call_id))

    # -- holds in the channel registry ---------------------------------------------
    def track_leg(self, leg: AgentLeg) -> None:
        hold = AgentLegHold(self, leg)
        self.channels.own(leg.channel_id, hold)
        self.legs[leg.channel_id] = leg
        self._leg_holds[leg.channel_id] = hold

    def forget_leg(self, channel_id: str) -> AgentLeg | None:
        """Stop tracking a leg (its later events are then nobody's)."""
        return self._forget_leg(channel_id)

    async def tell_observers_ended(self, call_id: str) -> None:
        await self._tell_observers_ended(call_id)

    def _forget_leg(self, channel_id: str) -> AgentLeg | None:
        hold = self._leg_holds.pop(channel_id, None)
        if hold is not None:
            self.channels.release(channel_id, hold)
        return self.legs.pop(channel_id, None)

    def adopt_caller(self, queued: QueuedCall) -> None:
        """A caller found alive after a restart, without their flow."""
        self.channels.own(queued.channel_id, AdoptedCallerHold(self, queued.call_id))
        self.calls[queued.call_id] = queued

    def adopt_transferred(self, queued: QueuedCall, target_channel_id: str, extension: str) -> None:
        """A caller found after a restart talking with the extension they were
        transferred to: either side's hang-up ends the call, as before."""
        self.channels.own(queued.channel_id, AdoptedCallerHold(self, queued.call_id))
        self.control.adopt_transfer(queued, target_channel_id, extension)

    async def requeue_cut_transfer(self, queued: QueuedCall) -> None:
        """A caller found after a restart alone in their queue bridge with no
        row: their transfer was still ringing, and that ring is lost with
        the old process.  They go back to their queue ahead of the others,
        as for a transfer nobody took (OP-05)."""
        self.channels.own(queued.channel_id, AdoptedCallerHold(self, queued.call_id))
        await self.control.requeue_cut_transfer(queued)

    # -- agent legs -------------------------------------------------------------
    async def leg_answered(self, channel_id: str) -> None:
        leg = self.legs.get(channel_id)
        if leg is None:
            # An offer we no longer know about (e.g. from before a restart).
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        leg.answered = True
        log.info("call %s: answered by %s", leg.call_id, leg.agent_id)
        commands = await self.handle(OfferAnswered(time.time(), leg.call_id, leg.agent_id))
        connected = any(
            isinstance(c, ConnectCall) and c.call_id == leg.call_id and c.agent_id == leg.agent_id
            for c in commands
        )
        if not connected:
            # Answered too late (caller gone or another agent won): release it.
            self._forget_leg(channel_id)
            await self.ops.run_best_effort(HangUp(channel_id))

    async def leg_gone(self, channel_id: str, cause: int | None) -> None:
        leg = self._forget_leg(channel_id)
        if leg is None:
            return
        queued = self.calls.get(leg.call_id)
        if queued is not None and queued.connected_leg is leg:
            await self.handle(CallEnded(time.time(), leg.call_id, leg.agent_id))
            self._end_connected(queued, hang_up=queued.channel_id, agent_left=leg)
            return
        if leg.answered:
            # A connected call the caller's side already ended (caller_gone).
            return
        reason = _CAUSE_REASONS.get(cause or 0, "unreachable")
        log.info(
            "call %s: %s's leg ended unanswered, cause %s (%s)",
            leg.call_id,
            leg.agent_id,
            cause,
            reason,
        )
        await self.handle(OfferFailed(time.time(), leg.call_id, leg.agent_id, reason))

    def _end_connected(
        self, queued: QueuedCall, hang_up: str, agent_left: AgentLeg | None = None
    ) -> None:
        self.calls.pop(queued.call_id, None)

        async def finish() -> None:
            await self.control.drop_consult(queued.call_id)
            await self._tell_observers_ended(queued.call_id)
            if agent_left is not None and self.after_conversation is not None:
                await self._hand_caller_on(queued, agent_left)
                return
            await self.ops.run_best_effort(HangUp(hang_up))
            await self.ops.run_best_effort(DestroyBridge(queued.bridge_id))
            await calls.close_record(queued.call_id, "answered")
            self.bus.publish("call", "ended", call_id=queued.call_id, queue=queued.queue)

        WRITER.submit(store.delete_connected(queued.call_id))
        self._jobs.run(queued.call_id, finish)

    async def _hand_caller_on(self, queued: QueuedCall, leg: AgentLeg) -> None:
        """The agent hung up first: out of the bridge, then to whoever takes
        the caller on (a survey), else hung up as usual."""
        assert self.after_conversation is not None
        await self.ops.run_best_effort(RemoveFromBridge(queued.bridge_id, queued.channel_id))
        await self.ops.run_best_effort(DestroyBridge(queued.bridge_id))
        await calls.close_record(queued.call_id, "answered")
        self.bus.publish("call", "ended", call_id=queued.call_id, queue=queued.queue)
        conversation = Conversation(
            queued.call_id,
            queued.channel_id,
            leg.channel_id,
            queued.bridge_id,
            queued.queue,
            leg.extension,
            queued.caller_id,
        )
        try:
            taken = await self.after_conversation.take_caller(conversation)
        except Exception:  # the caller must never be left hanging in silence
            log.exception("call %s: could not hand the caller on", queued.call_id)
            taken = False
        if not taken:
            await self.ops.run_best_effort(HangUp(queued.channel_id))

    async def _tell_observers_started(self, conversation: Conversation) -> None:
        for observer in self.conversation_observers:
            try:
                await observer.conversation_started(conversation)
            except Exception:  # an observer must never cost the caller their agent
                log.exception("call %s: conversation observer failed", conversation.call_id)

    async def _tell_observers_ended(self, call_id: str) -> None:
        for observer in self.conversation_observers:
            try:
                await observer.conversation_ended(call_id)
            except Exception:
                log.exception("call %s: conversation observer failed", call_id)

    # -- command dispatch ---------------------------------------------------------
    def _dispatch(self, command: Command) -> None:
        """Bookkeeping now (under the lock); the command's I/O queued for its call."""
        call_id_of_command = getattr(command, "call_id", None)
        if call_id_of_command is not None and call_id_of_command in self.kept_places:
            self._dispatch_kept_place(command)
            return
        match command:
            case OfferCall():
                self._offer(command)
            case CancelOffer(call_id=call_id, agent_id=agent_id, reason=reason):
                ringing = [
                    channel_id
                    for channel_id, leg in self.legs.items()
                    if leg.call_id == call_id and leg.agent_id == agent_id and not leg.answered
                ]
                log.info("call %s: offer to %s withdrawn (%s)", call_id, agent_id, reason)
                self._jobs.run(call_id, lambda: self._hang_up_quietly(ringing))
            case ConnectCall():
                self._connect(command)
            case Announce():
                self._announce(command)
            case CallerQueued(call_id=call_id, queue=queue, position=position, moh_class=moh):
                queued = self.calls.get(call_id)
                if queued is not None:
                    queued.queue = queue
                    bridge_id = queued.bridge_id
                    self._jobs.run(call_id, lambda: self.ops.run(StartMusicOnHold(bridge_id, moh)))
                self._jobs.run(
                    call_id,
                    lambda: calls.add_event(
                        call_id, "queue_joined", queue=queue, position=position
                    ),
                )
                self.bus.publish("queue", "caller_joined", call_id=call_id, queue=queue)
            case CallerLeft():
                self._caller_left(command)
            case Overflow(call_id=call_id, target=target):
                # Recorded only: where the caller goes is the batch's QueueExit.
                calls.note_event(call_id, "overflow", kind=target.kind, target=target.target)
            case AgentStateChanged(agent_id=agent_id, state=state, reason=reason):
                store.persist_agent_state(agent_id, state, reason, self._persisted_agent_state)
                store.log_agent_state(agent_id, state, reason, datetime.now(UTC))
                self.bus.publish(
                    "agent", "state_changed", agent=agent_id, state=state, reason=reason
                )

    def _dispatch_kept_place(self, command: Command) -> None:
        """A kept place has no channel and no call record yet: only the call
        back, its withdrawal and the place's end mean anything."""
        port = self.kept_place_port
        match command:
            case OfferCall(call_id=call_id, agent_id=agent_id) if port is not None:
                log.info("kept place %s: at the front, %s reserved", call_id, agent_id)
                self._jobs.run(call_id, lambda: port.call_back(call_id, agent_id))
            case CallerLeft() if command.is_final:
                self._kept_place_left(command)

    async def _hang_up_quietly(self, channel_ids: list[str]) -> None:
        for channel_id in channel_ids:
            await self.ops.run_unless_gone(HangUp(channel_id))

    def _offer(self, command: OfferCall) -> None:
        queued = self.calls.get(command.call_id)
        self._leg_counter += 1
        # Chosen here, client side, so every later event finds its leg.
        channel_id = f"{AGENT_LEG_PREFIX}{command.agent_id}-{int(time.time())}-{self._leg_counter}"
        leg = AgentLeg(
            channel_id, command.call_id, command.agent_id, command.extension, command.queue
        )
        self.track_leg(leg)
        caller_id = queued.caller_id if queued else None

        async def ring() -> None:
            log.info("call %s: offered to %s (%s)", command.call_id, command.agent_id, channel_id)
            await calls.add_event(command.call_id, "offered", agent=command.agent_id)
            self.bus.publish(
                "call",
                "ringing",
                call_id=command.call_id,
                agent=command.agent_id,
                queue=command.queue,
            )
            try:
                await self.ops.run(
                    Originate(
                        f"PJSIP/{command.extension}",
                        channel_id,
                        self.app,
                        ("agent", command.call_id, command.agent_id),
                        caller_id=caller_id,
                        timeout_s=max(1, int(command.ring_timeout_s)),
                    )
                )
            except AriError as exc:
                # Unregistered or unreachable phone: Asterisk refuses at once.
                self._forget_leg(channel_id)
                log.info("offer to %s failed: %s", command.agent_id, exc)
                self._spawn(self._offer_failed(command.call_id, command.agent_id, "unreachable"))

        self._jobs.run(command.call_id, ring)

    async def _offer_failed(self, call_id: str, agent_id: str, reason: str) -> None:
        await self.handle(OfferFailed(time.time(), call_id, agent_id, reason))

    def _connect(self, command: ConnectCall) -> None:
        queued = self.calls.get(command.call_id)
        leg = next(
            (
                leg
                for leg in self.legs.values()
                if leg.call_id == command.call_id and leg.agent_id == command.agent_id
            ),
            None,
        )
        if queued is None or leg is None:
            return
        queued.connected_leg = leg
        now = time.time()
        row = {
            "queue": command.queue,
            "agent_extension": leg.extension,
            "agent_channel_id": leg.channel_id,
            "bridge_id": queued.bridge_id,
            "answered_at": now,
        }

        # Urgent: a restart re-adopts the caller and agent as a pair from this row.
        WRITER.submit(store.upsert_connected(command.call_id, row), urgent=True)

        async def bridge() -> None:
            # 409 "Bridge isn't playing music" when MOH never started (or
            # already stopped): that must not keep the caller from their agent.
            await self.ops.run_best_effort(StopMusicOnHold(queued.bridge_id))
            await self.ops.run(AddToBridge(queued.bridge_id, leg.channel_id))
            await self._tell_observers_started(
                Conversation(
                    command.call_id,
                    queued.channel_id,
                    leg.channel_id,
                    queued.bridge_id,
                    command.queue,
                    leg.extension,
                    queued.caller_id,
                )
            )
            await calls.update_record(
                command.call_id, agent_extension=leg.extension, answered_at=datetime.now(UTC)
            )
            await calls.add_event(command.call_id, "answered", agent=command.agent_id)
            self.bus.publish("call", "answered", call_id=command.call_id, agent=command.agent_id)

        self._jobs.run(command.call_id, bridge)

    def _announce(self, command: Announce) -> None:
        queued = self.calls.get(command.call_id)
        if queued is None:
            return
        queued.announcements += 1
        if command.position <= 1:
            media = ["sound:queue-youarenext"]
        else:
            media = [
                "sound:queue-thereare",
                f"number:{command.position - 1}",
                "sound:queue-callswaiting",
            ]
        if command.estimated_wait_s is not None and command.estimated_wait_s >= 60:
            minutes = round(command.estimated_wait_s / 60)
            media += [
                "sound:queue-holdtime",
                f"number:{minutes}",
                "sound:queue-minutes" if minutes > 1 else "sound:queue-minute",
            ]
        if command.offer_callback:
            media += CALLBACK_OFFER_MEDIA
        channel_id = queued.channel_id
        playback_id = f"hl-ann-{command.call_id}-{queued.announcements}"

        async def announce() -> None:
            await self.ops.run(PlayMedia(channel_id, tuple(media), playback_id))
            await calls.add_event(
                command.call_id,
                "announced",
                position=command.position,
                estimated_wait_s=command.estimated_wait_s,
            )

        self._jobs.run(command.call_id, announce)

    def _caller_left(self, command: CallerLeft) -> None:
        call_id = command.call_id
        calls.note_event(
            call_id,
            "queue_left",
            queue=command.queue,
            outcome=command.outcome,
            reason=command.reason,
        )
        self.bus.publish(
            "queue", "caller_left", call_id=call_id, queue=command.queue, outcome=command.outcome
        )
        if command.is_final:
            WRITER.submit(store.delete_waiting(call_id))

    def _exit(self, queue_exit: QueueExit) -> None:
        """The caller is out of the Acd: tell their flow, or clean up after them."""
        call_id = queue_exit.call_id
        queued = self.calls.get(call_id)
        place = self._places_left.pop(call_id, None)
        if place is not None:
            queue_exit = dataclasses.replace(queue_exit, place=place)
        if queue_exit.outcome == EXIT_ABANDONED:
            self.calls.pop(call_id, None)

            async def clean_up() -> None:
                if queued is not None:
                    await self.ops.run_best_effort(DestroyBridge(queued.bridge_id))
                await calls.close_record(call_id, "abandoned")

            self._jobs.run(call_id, clean_up)
            return
        if queued is None:
            return
        if queue_exit.outcome == EXIT_ANSWERED:
            # The caller stays in our bridge, now with the agent.
            self._jobs.run(call_id, lambda: self._tell_flow(queued, queue_exit))
            return
        # timed_out / overflow (to a flow node, a voicemail box, or the flow's branch).
        self._leave(queue_exit)

    def _leave(self, queue_exit: QueueExit) -> None:
        """Take a caller out of the ACD and hand them back to their flow."""
        queued = self.calls.pop(queue_exit.call_id, None)
        if queued is None:
            return
        WRITER.submit(store.delete_waiting(queue_exit.call_id))
        self._jobs.run(queue_exit.call_id, lambda: self._release_then_resume(queued, queue_exit))

    async def _tell_flow(self, queued: QueuedCall, queue_exit: QueueExit) -> None:
        if queued.on_exit is not None:
            await queued.on_exit(queue_exit)
        else:
            await self._on_queue_exit(queue_exit.call_id, queue_exit.outcome, queue_exit.goto_node)

    async def _release_then_resume(self, queued: QueuedCall, queue_exit: QueueExit) -> None:
        # A channel leaves a bridge asynchronously after the REST call returns.
        # A playback started while it is still inside is queued on the bridge
        # channel and silently dropped when it leaves (no PlaybackFinished), so
        # the flow would wait forever: wait until Asterisk shows it gone.
        await self.ops.run_best_effort(RemoveFromBridge(queued.bridge_id, queued.channel_id))
        for _ in range(50):
            try:
                bridge = await self.ari.get_bridge(queued.bridge_id)
            except AriNotFound:
                break
            if queued.channel_id not in bridge.get("channels", []):
                break
            await asyncio.sleep(0.02)
        await self.ops.run_best_effort(DestroyBridge(queued.bridge_id))
        await self._tell_flow(queued, queue_exit)
