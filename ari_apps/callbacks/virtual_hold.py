"""Virtual hold: queue callbacks keep their caller's place and ring them
back when it reaches the front (the adapter's side; ``core`` decides).

A queue callback (a row of kind "queue", stored by ``keep_place`` or the
API) goes into the ACD as a *kept place* at its original arrival, so live
callers and callbacks are served in the order they first came.  At the
front, with an agent free, the ACD reserves that agent and asks for the
call back (``AcdService.kept_place_port``): the caller's number is rung
through ``[to-pstn]`` (a Local channel, so telecom staff's routes and the
toll-fraud rules apply), and on answer they hear "press 1".  With 1 they
wait in their own queue bridge while the reserved agent's phone rings; the
desk pops the call as a callback.  Anything else (no answer, busy, no key,
a hang-up) gives the agent back at once, with no miss, and the callback
retries by the table's policy, at its place again, or ends on the
supervisors' list (FAILED).

Exactly once: a row is in the ACD at most once (``places``), a second
request for the same call or number is the first one (``services``), and
every way out settles the row once (``_settle``).  A restart keeps pending
callbacks (their rows), puts those cut mid-call-back back in line
(``recover``), and the ACD gets their places again from the rows.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from ari_apps.ari.errors import AriError
from ari_apps.ari.events import AriEvent
from ari_apps.callbacks import core, prompting, store
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import ChannelOpsExecutor, HangUp, Originate
from hotline import calls
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.models_callbacks import Callback

log = logging.getLogger(__name__)

STASIS_KIND: Final = "queue-callback"
OUTBOUND_CONTEXT: Final = "to-pstn"
RING_CALLER_S: Final = 40
CONNECT_MEDIA: Final = ("sound:vm-press", "sound:digits/1")
CONNECT_TRIES: Final = 2
CONNECT_KEY: Final = "1"
SYNC_EVERY_S: Final = 1.0
# What the called-back caller's call record says it dialled.
CALLBACK_DID: Final = "callback"
_SYSTEM: Final = "hotline"


class ConversationFacts(Protocol):
    """What virtual hold reads of the ACD's Conversation (features do not
    import each other: the ACD calls this as one of its observers)."""

    @property
    def call_id(self) -> str: ...

    @property
    def agent_extension(self) -> str: ...


class ExitFacts(Protocol):
    """What virtual hold reads of the ACD's QueueExit."""

    @property
    def outcome(self) -> str: ...


class QueuePort(Protocol):
    """What virtual hold needs of the ACD (``ari_apps.acd.services.AcdService``)."""

    async def keep_place(self, call_id: str, queue: str, priority: int, joined_at: float) -> bool:
        """Put the place in the queue; False when the queue is gone."""

    async def kept_place_answered(
        self,
        call_id: str,
        channel_id: str,
        caller_id: str,
        on_exit: Any = None,
    ) -> bool:
        """The caller confirmed: they wait for the reserved agent."""

    async def kept_place_unreached(self, call_id: str) -> None: ...

    async def caller_gone(self, call_id: str) -> None: ...


@dataclass
class KeptPlace:
    """One queue callback while its place is in the ACD (one call back attempt)."""

    call_id: str
    callback_id: int
    tenant_id: int
    number: str
    queue: str
    hold: VirtualHold
    requested_at: datetime | None = None
    channel_id: str | None = None
    answered: bool = False
    in_queue: bool = False  # confirmed: a live caller in the ACD
    connected: bool = False
    # Being given up by us (not_reached): the ACD's echo of it is ours.
    leaving: bool = False
    settled: bool = False
    events: asyncio.Queue[AriEvent] = field(default_factory=asyncio.Queue)

    @property
    def feature(self) -> str:
        return "callback.queue"

    async def on_channel_event(self, event: AriEvent) -> None:
        if self.in_queue:
            if event.is_channel_final:
                await self.hold.caller_gone(self)
            return
        if not self.answered:
            if event.is_channel_final:
                await self.hold.not_reached(self, f"cause {event.cause}")
            return
        self.events.put_nowait(event)


class VirtualHold:
    def __init__(
        self,
        ops: ChannelOpsExecutor,
        channels: ChannelRegistry,
        app: str,
        bus: EventBus,
        queues: QueuePort,
    ) -> None:
        self.ops = ops
        self.channels = channels
        self.app = app
        self.bus = bus
        self.queues = queues
        # ACD call id -> place; one per row (``_row_places``).
        self.places: dict[str, KeptPlace] = {}
        self._row_places: dict[int, str] = {}
        self._counter = itertools.count(1)
        self._sync_lock = asyncio.Lock()
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.active = False

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._sync_loop(), name="virtual-hold")

    async def stop(self) -> None:
        self.active = False
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        # Calls back in progress are cut; their rows go back in line.
        for place in list(self.places.values()):
            if place.channel_id is not None and not place.settled:
                await self.ops.run_best_effort(HangUp(place.channel_id))
                await self._settle(place, core.RESTARTED, "stopped")
        self.places.clear()
        self._row_places.clear()

    async def connected(self) -> None:
        """ARI is (back): settle rows a stopped Hotline left mid-call-back,
        then give the ACD every waiting place (a fresh ACD has none)."""
        for callback in await store.in_states(core.IN_PROGRESS, kind=core.KIND_QUEUE):
            if callback.id in self._row_places:
                continue
            state, attempts = core.after(callback.state, core.RESTARTED, callback.attempts)
            await store.save_state(callback, state, attempts, "restarted")
            log.info("queue callback %s: %s after a restart", callback.id, state)
        self.active = True
        await self.sync()

    async def _sync_loop(self) -> None:
        while True:
            await asyncio.sleep(SYNC_EVERY_S)
            if not self.active:
                continue
            try:
                await self.sync()
            except Exception:  # the loop must outlive one bad pass
                log.exception("virtual hold: sync failed")

    async def sync(self) -> None:
        """Every due queue callback not in the ACD goes in, at its place."""
        async with self._sync_lock:
            for callback in await store.queue_requests_due(datetime.now(UTC)):
                if callback.id in self._row_places or not self.active:
                    continue
                await self._keep_place(callback)

    async def _keep_place(self, callback: Callback) -> None:
        call_id = f"hl-qcb-{callback.id}-{next(self._counter)}"
        place = KeptPlace(
            call_id,
            callback.id,
            callback.tenant_id,
            callback.number,
            callback.queue or "",
            self,
            requested_at=callback.created_at,
        )
        self.places[call_id] = place
        self._row_places[callback.id] = call_id
        since = callback.place_since or callback.created_at or datetime.now(UTC)
        if not await self.queues.keep_place(
            call_id, place.queue, callback.priority, since.timestamp()
        ):
            await self._settle(place, core.PLACE_LOST, "queue_gone")
            return
        log.info("queue callback %s: place kept in %s as %s", callback.id, place.queue, call_id)

    # -- the ACD's port (KeptPlacePort) --------------------------------------------------
    async def call_back(self, call_id: str, agent_id: str) -> None:
        place = self.places.get(call_id)
        if place is None:
            await self.queues.kept_place_unreached(call_id)
            return
        if place.channel_id is not None:
            return  # already calling (the ACD reserved another agent meanwhile)
        callback = await store.get(place.tenant_id, place.callback_id)
        if callback is None or not core.takes(callback.state, core.DIAL_CALLER):
            await self._drop(place)
            await self.queues.kept_place_unreached(call_id)
            return
        state, attempts = core.after(callback.state, core.DIAL_CALLER, callback.attempts)
        await store.save_state(callback, state, attempts, "dialing")
        place.channel_id = f"{call_id}-c"
        self.channels.own(place.channel_id, place)
        self._publish(place, state, agent=agent_id)
        log.info(
            "queue callback %s: calling %s back (%s reserved)",
            place.callback_id,
            place.number,
            agent_id,
        )
        try:
            await self.ops.run(
                Originate(
                    f"Local/{place.number}@{OUTBOUND_CONTEXT}/n",
                    place.channel_id,
                    app=self.app,
                    app_args=(STASIS_KIND, call_id),
                    caller_id=f'"Hotline" <{place.queue}>',
                    timeout_s=RING_CALLER_S,
                )
            )
        except AriError as refused:
            await self.not_reached(place, f"dial refused: {refused}")

    async def place_withdrawn(self, call_id: str, outcome: str) -> None:
        place = self.places.get(call_id)
        if place is None or place.settled or place.leaving:
            return
        if place.channel_id is not None and self.channels.release(place.channel_id, place):
            await self.ops.run_best_effort(HangUp(place.channel_id))
        if outcome == "callback_unreached":
            await self._settle(place, core.CUSTOMER_NOT_REACHED, "not_reached")
        else:
            # The queue let the place go (removed): a supervisor decides.
            await self._settle(place, core.PLACE_LOST, outcome)

    # -- the called-back caller ----------------------------------------------------------
    async def answered(self, event: AriEvent) -> None:
        """StasisStart of the caller's half: they picked up.  Ask for 1."""
        channel_id = event.channel_id or ""
        call_id = event.args[1] if len(event.args) > 1 else ""
        place = self.places.get(call_id)
        if place is None or place.channel_id != channel_id or place.settled:
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        place.answered = True
        await calls.open_record(
            call_id,
            did=CALLBACK_DID,
            caller_id=place.number,
            tenant_id=place.tenant_id,
            flow_version_id=None,
        )
        await calls.add_event(call_id, "callback", callback_id=place.callback_id)
        task = asyncio.create_task(self._ask_to_connect(place))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ask_to_connect(self, place: KeptPlace) -> None:
        assert place.channel_id is not None
        for attempt in range(CONNECT_TRIES):
            if place.settled or place.leaving:
                return  # the ACD gave the place up meanwhile (and hung up)
            try:
                answer = await prompting.ask(
                    self.ops,
                    place.channel_id,
                    CONNECT_MEDIA,
                    f"hl-qcb-ask-{place.callback_id}-{attempt}",
                    lambda wait_s: _next(place.events, wait_s),
                )
            except AriError as failure:
                await self.not_reached(place, f"prompt failed: {failure}")
                return
            if answer.how == prompting.HUNG_UP:
                await self.not_reached(place, "hung up at the prompt")
                return
            if answer.digits == CONNECT_KEY:
                await self._connect(place)
                return
        await self.not_reached(place, "did not press 1")

    async def _connect(self, place: KeptPlace) -> None:
        assert place.channel_id is not None
        await calls.update_record(place.call_id, queue=place.queue)
        # A visit of its own, marked: figures count the call back, not a new caller.
        requested = place.requested_at.isoformat() if place.requested_at else None
        calls.note_event(
            place.call_id, "queue_joined", queue=place.queue, callback=True, requested_at=requested
        )
        place.in_queue = True
        try:
            taken = await self.queues.kept_place_answered(
                place.call_id, place.channel_id, place.number, on_exit=self._exit_listener(place)
            )
        except AriError as failure:
            log.warning("queue callback %s: could not queue: %s", place.callback_id, failure)
            taken = False
        if not taken:
            place.in_queue = False
            await self.not_reached(place, "place gone")
            return
        log.info("queue callback %s: %s confirmed, agent rung", place.callback_id, place.number)

    def _exit_listener(self, place: KeptPlace) -> Any:
        async def left(queue_exit: ExitFacts) -> None:
            if queue_exit.outcome == "answered":
                return  # the conversation observer takes it from here
            # Abandoned while the agent rang, or sent on: an attempt, retried.
            if place.channel_id is not None and self.channels.release(place.channel_id, place):
                await self.ops.run_best_effort(HangUp(place.channel_id))
            await self._settle(place, core.HUNG_UP, f"left_queue_{queue_exit.outcome}")

        return left

    async def caller_gone(self, place: KeptPlace) -> None:
        """The confirmed caller's channel ended (hung up, or after the call)."""
        if place.channel_id is not None:
            self.channels.release(place.channel_id, place)
        if place.settled:
            return  # the conversation's end settled it already
        await self.queues.caller_gone(place.call_id)
        if not place.connected:
            # Hung up while the agent's phone rang: an attempt, retried.
            await self._settle(place, core.HUNG_UP, "abandoned")

    async def not_reached(self, place: KeptPlace, why: str) -> None:
        """No answer, no 1, or gone before the agent: the agent is free again."""
        if place.settled or place.leaving:
            return
        place.leaving = True
        log.info("queue callback %s: %s not reached (%s)", place.callback_id, place.number, why)
        if place.channel_id is not None and self.channels.release(place.channel_id, place):
            await self.ops.run_best_effort(HangUp(place.channel_id))
        if place.answered:
            await calls.close_record(place.call_id, "callback_not_connected")
        await self.queues.kept_place_unreached(place.call_id)
        await self._settle(place, core.CUSTOMER_NOT_REACHED, "not_reached")

    # -- conversations (the ACD's observers) ------------------------------------------------
    async def conversation_started(self, conversation: ConversationFacts) -> None:
        place = self.places.get(conversation.call_id)
        if place is None:
            return
        place.connected = True
        callback = await store.get(place.tenant_id, place.callback_id)
        if callback is None or not core.takes(callback.state, core.CUSTOMER_ANSWERED):
            return
        state, attempts = core.after(callback.state, core.CUSTOMER_ANSWERED, callback.attempts)
        await store.save_state(callback, state, attempts, "connected")
        await store.save_connected(callback, conversation.agent_extension, datetime.now(UTC))
        self._publish(place, state, agent=conversation.agent_extension)
        log.info(
            "queue callback %s: connected to %s", place.callback_id, conversation.agent_extension
        )

    async def conversation_ended(self, call_id: str) -> None:
        place = self.places.get(call_id)
        if place is not None and place.connected:
            await self._settle(place, core.HUNG_UP, "completed")

    def call_context(self, call_id: str) -> dict[str, Any] | None:
        """What the desk's screen pop shows of a called-back caller."""
        place = self.places.get(call_id)
        if place is None:
            return None
        return {
            "call_id": call_id,
            "caller_id": place.number,
            "dialed_number": CALLBACK_DID,
            "queue": place.queue,
            "variables": {"callback_id": str(place.callback_id)},
            "tenant_id": place.tenant_id,
            "is_callback": True,
        }

    # -- settling ------------------------------------------------------------------------
    async def _settle(self, place: KeptPlace, event: str, result: str) -> None:
        """Store where the callback stands, once, and forget the place."""
        if place.settled:
            return
        place.settled = True
        await self._drop(place)
        callback = await store.get(place.tenant_id, place.callback_id)
        state = ""
        if callback is not None and core.takes(callback.state, event):
            state, attempts = core.after(callback.state, event, callback.attempts)
            delay = core.retry_delay(callback.state, event) if state == core.SCHEDULED else None
            due = datetime.now(UTC) + delay if delay is not None else None
            await store.save_state(callback, state, attempts, result, due)
            actor = Actor(_SYSTEM, "", place.tenant_id, source="system")
            await store.audit(actor, "callback_ended", callback, result=result)
        log.info("queue callback %s: %s (%s)", place.callback_id, state or "settled", result)
        self._publish(place, state or "ended")

    async def _drop(self, place: KeptPlace) -> None:
        self.places.pop(place.call_id, None)
        if self._row_places.get(place.callback_id) == place.call_id:
            del self._row_places[place.callback_id]

    def _publish(self, place: KeptPlace, state: str, **facts: Any) -> None:
        self.bus.publish(
            "callback",
            state,
            callback_id=place.callback_id,
            number=place.number,
            queue=place.queue,
            callback_kind=core.KIND_QUEUE,
            **facts,
        )


async def _next(events: asyncio.Queue[AriEvent], wait_s: float) -> AriEvent | None:
    try:
        return await asyncio.wait_for(events.get(), wait_s)
    except TimeoutError:
        return None
