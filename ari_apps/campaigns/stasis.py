"""The dialer: places a running campaign's calls and follows each to its outcome.

Once a second the dialer looks at the running campaigns and dials their due
contacts up to each campaign's caps (concurrent calls, calls per second).
Each call is ``Local/<number>@to-pstn/n`` into our application, so telecom
staff's trunk routes apply (and the sandbox's simulated PSTN answers):

1. The attempt's row is written (``dialing``) before the call is placed:
   a kill at any point finds it on the next start (``recover``).
2. Unanswered, the call ends busy, no answer or failed by the cause of the
   Local channel's far half (``;2``): its own half often ends with cause 0.
   A far half that a full trunk refused (``[hotline-trunk-line]``) carries
   HOTLINE_TRUNK_FULL: ``trunk_busy``, no attempt spent, and the campaign
   probes the trunk one call at a time until a call gets a line again.
3. Answered (StasisStart ``campaign``), the channel goes to the dialplan for
   answering-machine detection (``[hotline-campaign]``, AMD() is no ARI
   operation) and comes back with the verdict (``campaign-amd``).
4. A person hears the campaign's flow from its entry node (a survey, a
   notice that speaks the contact's fields), or its message.  A machine is
   hung up on, retried, or left the message once its greeting has ended
   (``campaign-beep``).
5. The end settles the attempt's row (outcome, durations, answers) and the
   contact's next step (``policy.after_attempt``).

Campaign numbers are not checked against the toll-fraud dial rules: those
guard numbers a caller chose, and a campaign's list is the operator's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from ari_apps.ari.errors import AriError
from ari_apps.ari.events import CHANNEL_DESTROYED, PLAYBACK_FINISHED, AriEvent, channel_variable
from ari_apps.campaigns import core, dialing, policy, services, store
from ari_apps.campaigns.agent_pacing import CampaignPacing, QueueSnapshot
from ari_apps.campaigns.preview import (
    PAUSE_REASON,
    PLACEABLE_STATES,
    RING_AGENT_S,
    AgentHolds,
    PreviewCall,
)
from ari_apps.campaigns.preview import STASIS_KIND as PREVIEW_KIND
from ari_apps.channels import ChannelObserver, ChannelRegistry
from ari_apps.executor import (
    AddToBridge,
    ChannelOpsExecutor,
    ContinueInDialplan,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    PlayMedia,
    StopMedia,
)
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models_campaigns import Campaign, CampaignAttempt, CampaignContact

log = logging.getLogger(__name__)

ANSWERED_KIND: Final = "campaign"
AMD_KIND: Final = "campaign-amd"
BEEP_KIND: Final = "campaign-beep"
OUTBOUND_CONTEXT: Final = "to-pstn"
# Set by [hotline-trunk-line] on a call a full trunk refused; ari.conf's
# channelvars puts it in the channel's events.
TRUNK_FULL_VARIABLE: Final = "HOTLINE_TRUNK_FULL"
CAMPAIGN_CONTEXT: Final = "hotline-campaign"
TICK_S: Final = 1.0
# An agent campaign's person not connected within 2 s hears this (METRICS.md:
# abandoned, "a short recorded message"), ending on the flow node named so.
CONNECT_WITHIN_S: Final = 2
ABANDON_NODE: Final = "abandoned"
ABANDON_MESSAGE: Final = ("sound:im-sorry", "sound:all-circuits-busy-now")
# How long the end of the near half waits for the far half's cause.
FAR_END_WAIT_S: Final = 1.5


@dataclass(frozen=True, slots=True)
class FlowEnd:
    """How a flow run on a campaign call ended: its variables, the node it
    ended on, and the agent who took the call (a queue's)."""

    variables: Mapping[str, str]
    last_node: str | None = None
    agent: str | None = None


FlowDone = Callable[[FlowEnd], Awaitable[None]]


class FlowPort(Protocol):
    """The flow engine and the ACD as the dialer needs them (plugged in by the
    composition): each answers True once it has the channel, and ``on_done``
    hears how the call ended."""

    async def run_flow(
        self,
        channel_id: str,
        tenant_id: int,
        flow: str,
        entry_node: str,
        variables: Mapping[str, str],
        on_done: FlowDone,
    ) -> bool:
        """A published flow from ``entry_node`` (a survey, a notice)."""

    async def run_queue(
        self,
        channel_id: str,
        tenant_id: int,
        queue: str,
        variables: Mapping[str, str],
        on_done: FlowDone,
    ) -> bool:
        """To the queue's next agent within ``CONNECT_WITHIN_S``, else the
        abandon message (``last_node`` then ``ABANDON_NODE``)."""


class QueueAgents(Protocol):
    def snapshot(self, queue: str) -> QueueSnapshot:
        """The queue's ready agents, connected calls and waiting callers now
        (all empty for an unknown queue)."""


@dataclass
class OutboundCall:
    """One dialled contact; owns its channel while it is in our application."""

    dialer: CampaignDialer
    campaign: Campaign
    attempt: CampaignAttempt
    channel_id: str
    answered: bool = False
    outcome: str = ""
    far_cause: int | None = None
    full_trunk: str = ""  # the trunk that refused the call for want of a line
    far_gone: asyncio.Event = field(default_factory=asyncio.Event)
    answers: dict[str, str] = field(default_factory=dict)
    agent: str = ""
    placed_at: float = field(default_factory=time.monotonic)
    answered_at: float | None = None
    # Set while a flow has the call, until it hands back the answers.
    flow_over: asyncio.Event | None = None
    settled: bool = False
    hang_up_after_playback: str | None = None
    # A preview campaign's call: the agent who asked for it waits in a bridge.
    preview: PreviewCall | None = None

    @property
    def feature(self) -> str:
        return "campaign"

    @property
    def call_id(self) -> str:
        return self.channel_id

    @property
    def far_channel_id(self) -> str:
        return f"{self.channel_id};2"

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.type == PLAYBACK_FINISHED and event.playback_id == self.hang_up_after_playback:
            await self.dialer.ops.run_best_effort(HangUp(self.channel_id))


class CampaignDialer:
    def __init__(
        self,
        ops: ChannelOpsExecutor,
        channels: ChannelRegistry,
        app: str,
        bus: EventBus,
        flows: FlowPort,
        agents: QueueAgents,
        max_lines: int = 20,
        connected: Callable[[], bool] = lambda: True,
        holds: AgentHolds | None = None,
    ) -> None:
        # Dial only while Asterisk is there: an originate refused for an
        # outage would spend the contact's attempts on nothing.
        self.connected = connected
        # All campaigns' lines together (HOTLINE_OUTBOUND_MAX_LINES).
        self.max_lines = max_lines
        self.agents = agents
        self.ops = ops
        self.channels = channels
        self.app = app
        self.bus = bus
        self.flows = flows
        self.holds = holds
        self.calls: dict[str, OutboundCall] = {}
        # Preview calls by token, from the agent's click to the last hang-up.
        self.previews: dict[str, PreviewCall] = {}
        # Agent campaigns' pacers (``agent_pacing``), by campaign id.
        self.pacing: dict[int, CampaignPacing] = {}
        self._placed_at: dict[int, list[float]] = {}
        self._trunk_gates: dict[int, core.TrunkGate] = {}
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.enabled = False

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="campaign-dialer")

    async def stop(self) -> None:
        """Stop dialling and end the calls in progress (their rows say so)."""
        self.enabled = False
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for call in list(self.calls.values()):
            await self.ops.run_best_effort(HangUp(call.channel_id))
            await self._settle(call, core.FAILED if not call.answered else call.outcome, "stopped")
        for preview in list(self.previews.values()):
            await self._finish_preview(preview)

    async def recover(self, alive: set[str]) -> None:
        """After a (re)connect: calls Asterisk no longer has (it restarted
        meanwhile) end now; attempts a stopped or killed Hotline left open are
        settled; then the dialer may dial again."""
        for call in list(self.calls.values()):
            if call.channel_id not in alive:
                outcome = call.outcome or (core.HUMAN if call.answered else core.FAILED)
                await self._settle(call, outcome, "lost with Asterisk")
        await dialing.settle_interrupted(exclude_channels=set(self.calls))
        self.enabled = True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            if not self.enabled or not self.connected():
                continue
            try:
                await self.tick(datetime.now(UTC))
            except Exception:
                log.exception("campaign dialer: tick failed; trying again in %s s", TICK_S)

    # -- dialling ----------------------------------------------------------------------
    async def tick(self, now: datetime) -> None:
        await dialing.start_scheduled(now)
        running = await store.running_campaigns()
        for campaign in running:
            mine = [c for c in self.calls.values() if c.campaign.id == campaign.id]
            in_flight = len(mine)
            gate = self._trunk_gates.setdefault(campaign.id, core.TrunkGate())
            room = gate.room(
                min(
                    campaign.max_concurrent - in_flight,
                    self.max_lines - len(self.calls),
                    self._rate_room(campaign),
                ),
                time.monotonic(),
            )
            pace = await self._paced(campaign, mine)
            wanted = room if pace is None else pace.take_dials()
            placed = 0
            if min(room, wanted) > 0:
                for attempt in await dialing.next_calls(campaign, min(room, wanted), now):
                    await self._place(campaign, attempt)
                    placed += 1
            if pace is not None:
                pace.not_placed(wanted - placed)
            if placed == 0 and in_flight == 0:
                await dialing.finish_if_exhausted(campaign)
        # A pacer outlives its campaign's pause, not its end.
        live = {c.id for c in running} | {c.campaign.id for c in self.calls.values()}
        for campaign_id in set(self.pacing) - live:
            del self.pacing[campaign_id]
        for campaign_id in set(self._trunk_gates) - live:
            del self._trunk_gates[campaign_id]

    async def _paced(self, campaign: Campaign, mine: list[OutboundCall]) -> CampaignPacing | None:
        """An agent campaign's pacer after this tick's look at its queue;
        None for a campaign without agents (its caps alone pace it).  Preview
        campaigns are dialled by their agents, never here."""
        if campaign.kind not in core.AGENT_KINDS:
            return None
        pace = self.pacing.get(campaign.id)
        if pace is None:
            pace = self.pacing[campaign.id] = CampaignPacing.of(campaign)
        if campaign.kind == "preview" or not campaign.queue:
            pace.take_dials()
            return pace
        pace.observe(self.agents.snapshot(campaign.queue), (c.channel_id for c in mine))
        if pace.due_compliance():
            # The regulator's period: FTC 30 days, Ofcom and the CRTC a day.
            period = policy.abandon_period(campaign.country)
            pace.compliance((await services.progress_of(campaign))[f"abandon_pct_{period}"])
        return pace

    def _rate_room(self, campaign: Campaign) -> int:
        """Calls the campaign may still place in the current second (calls per second)."""
        now = time.monotonic()
        recent = [t for t in self._placed_at.get(campaign.id, []) if now - t < 1.0]
        self._placed_at[campaign.id] = recent
        return max(0, int(max(campaign.calls_per_second, 0.1) * 1.0 + 0.999) - len(recent))

    async def _place(
        self, campaign: Campaign, attempt: CampaignAttempt, preview: PreviewCall | None = None
    ) -> OutboundCall:
        channel_id = attempt.channel_id or ""
        call = OutboundCall(self, campaign, attempt, channel_id, preview=preview)
        self.calls[channel_id] = call
        self._placed_at.setdefault(campaign.id, []).append(call.placed_at)
        self._trunk_gates.setdefault(campaign.id, core.TrunkGate()).placed(call.placed_at)
        self.channels.observers[channel_id] = self._observer(call)
        self.channels.observers[call.far_channel_id] = self._observer(call)
        variables = (
            ("HOTLINE_CAMPAIGN_CALL", channel_id),
            ("HOTLINE_AMD_PARAMS", core.amd_arguments(campaign.amd_params)),
        )
        caller_id = f'"{campaign.name[:40]}" <{campaign.caller_id}>' if campaign.caller_id else None
        try:
            await self.ops.run(
                Originate(
                    f"Local/{attempt.phone}@{OUTBOUND_CONTEXT}/n",
                    channel_id,
                    app=self.app,
                    app_args=(ANSWERED_KIND, str(attempt.id)),
                    caller_id=caller_id,
                    timeout_s=campaign.ring_timeout_s,
                    variables=variables,
                )
            )
        except AriError as error:
            log.warning("campaign %s: %s not dialled: %s", campaign.id, attempt.phone, error)
            await self._settle(call, core.FAILED, f"not dialled: {str(error)[:60]}")
            return call
        self._publish(call, "dialing")
        return call

    def _observer(self, call: OutboundCall) -> ChannelObserver:
        def observe(event: AriEvent) -> None:
            if event.type != CHANNEL_DESTROYED:
                return
            if event.channel_id == call.far_channel_id:
                call.far_cause = event.cause
                call.full_trunk = channel_variable(event, TRUNK_FULL_VARIABLE)
                call.far_gone.set()
                return
            task = asyncio.create_task(self._near_end_gone(call, event.cause))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return observe

    # -- the adapter's Stasis starts ---------------------------------------------------
    def _call_of(self, event: AriEvent) -> OutboundCall | None:
        call = self.calls.get(event.channel_id or "")
        if call is None or call.settled:
            return None
        return call

    async def answered(self, event: AriEvent) -> None:
        call = self._call_of(event)
        if call is None:
            # A call of an attempt settled meanwhile (a restart): nobody plays it.
            await self.ops.run_best_effort(HangUp(event.channel_id or ""))
            return
        call.answered = True
        call.answered_at = time.monotonic()
        await store.mark_answered(call.attempt, datetime.now(UTC))
        self._publish(call, "answered")
        if call.campaign.amd_enabled and call.preview is None:
            # StasisEnd follows; the registry never held the channel, so no
            # owner is released, and the observers keep watching its end.
            await self.ops.run_best_effort(
                ContinueInDialplan(call.channel_id, CAMPAIGN_CONTEXT, "amd")
            )
            return
        await self._person(call, amd_status="")

    async def detected(self, event: AriEvent) -> None:
        call = self._call_of(event)
        if call is None:
            await self.ops.run_best_effort(HangUp(event.channel_id or ""))
            return
        status = event.args[2] if len(event.args) > 2 else ""
        cause = event.args[3] if len(event.args) > 3 else ""
        await store.save_detection(call.attempt, status, cause)
        if core.answered_outcome(status) == core.HUMAN:
            await self._person(call, amd_status=status)
            return
        call.outcome = core.MACHINE
        self._pace_answered(call, core.MACHINE)
        self._publish(call, "machine")
        if call.campaign.machine_action == "leave_message":
            await self.ops.run_best_effort(
                ContinueInDialplan(call.channel_id, CAMPAIGN_CONTEXT, "after-greeting")
            )
            return
        await self.ops.run_best_effort(HangUp(call.channel_id))

    async def greeting_over(self, event: AriEvent) -> None:
        """A machine's greeting has ended: leave the message after its beep."""
        call = self._call_of(event)
        if call is None:
            await self.ops.run_best_effort(HangUp(event.channel_id or ""))
            return
        media = call.campaign.machine_message_prompt or call.campaign.message_prompt
        await self._play_then_hang_up(call, media)

    async def _person(self, call: OutboundCall, amd_status: str) -> None:
        call.outcome = core.HUMAN
        self._publish(call, "human")
        campaign = call.campaign
        if call.preview is not None:
            await self._to_preview_agent(call, call.preview)
            return
        if campaign.kind in core.AGENT_KINDS:
            await self._to_agent(call)
            return
        if campaign.flow:
            variables = await dialing.flow_variables(call.attempt, campaign)

            call.flow_over = asyncio.Event()

            async def flow_done(end: FlowEnd) -> None:
                call.answers = dialing.answers_of(end.variables, variables)
                if call.flow_over is not None:
                    call.flow_over.set()

            if await self.flows.run_flow(
                call.channel_id,
                campaign.tenant_id,
                campaign.flow,
                campaign.entry_node,
                variables,
                flow_done,
            ):
                return
            call.flow_over = None
            log.warning(
                "campaign %s: flow %r not runnable; message instead", campaign.id, campaign.flow
            )
        await self._play_then_hang_up(call, campaign.message_prompt)

    async def _to_agent(self, call: OutboundCall) -> None:
        """A person on an agent campaign: to the campaign's queue, connected
        within 2 s or abandoned (METRICS.md), hearing a short message then."""
        campaign = call.campaign
        self._pace_answered(call, core.HUMAN)
        variables = await dialing.flow_variables(call.attempt, campaign)
        call.flow_over = asyncio.Event()

        async def queue_done(end: FlowEnd) -> None:
            if end.last_node == ABANDON_NODE:
                call.outcome = core.ABANDONED
            call.agent = end.agent or ""
            if call.flow_over is not None:
                call.flow_over.set()

        if not await self.flows.run_queue(
            call.channel_id, campaign.tenant_id, campaign.queue, variables, queue_done
        ):
            call.flow_over = None
            call.outcome = core.ABANDONED
            await self._play_then_hang_up(call, *ABANDON_MESSAGE)

    async def _play_then_hang_up(self, call: OutboundCall, *media: str) -> None:
        playback_id = f"{call.channel_id}-msg-{secrets.token_hex(2)}"
        call.hang_up_after_playback = playback_id
        self.channels.own(call.channel_id, call)
        try:
            await self.ops.run(
                PlayMedia(call.channel_id, tuple(dialing.media_uri(m) for m in media), playback_id)
            )
        except AriError as error:
            log.warning("campaign call %s: message not played: %s", call.channel_id, error)
            await self.ops.run_best_effort(HangUp(call.channel_id))

    # -- ends --------------------------------------------------------------------------
    async def _near_end_gone(self, call: OutboundCall, cause: int | None) -> None:
        if call.settled:
            return
        self.channels.release(call.channel_id, call)
        if call.answered:
            if call.flow_over is not None:
                # The flow hears the same end and hands back the answers.
                try:
                    await asyncio.wait_for(call.flow_over.wait(), FAR_END_WAIT_S)
                except TimeoutError:
                    log.warning("campaign call %s: the flow's answers never came", call.channel_id)
            await self._settle(call, call.outcome or core.HUMAN, "")
            return
        # Busy and congestion leave this half with cause 0; the far half says why.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(call.far_gone.wait(), FAR_END_WAIT_S)
        far = call.far_cause if call.far_cause else cause
        outcome = core.unanswered_outcome(far, call.full_trunk)
        detail = f"trunk {call.full_trunk} full" if call.full_trunk else ""
        await self._settle(call, outcome, detail, hangup_cause=far)

    async def _settle(
        self, call: OutboundCall, outcome: str, detail: str, hangup_cause: int | None = None
    ) -> None:
        if call.settled:
            return
        call.settled = True
        self.calls.pop(call.channel_id, None)
        self.channels.observers.pop(call.channel_id, None)
        self.channels.observers.pop(call.far_channel_id, None)
        self.channels.release(call.channel_id, call)
        pace = self.pacing.get(call.campaign.id)
        gate = self._trunk_gates.get(call.campaign.id)
        if outcome == core.TRUNK_BUSY:
            if gate is not None:
                gate.refused(time.monotonic())
            if pace is not None and call.preview is None:
                # Never left the building: for the pacer, a call not placed.
                pace.not_placed(1)
        else:
            if gate is not None:
                gate.got_line(call.placed_at)
            if pace is not None and call.preview is None:
                pace.ended(call.channel_id, outcome, self._ring_s(call), call.agent)
        await dialing.settle(
            call.campaign,
            call.attempt,
            outcome,
            datetime.now(UTC),
            detail=detail,
            hangup_cause=hangup_cause,
            answers=call.answers,
            agent=call.agent,
        )
        self._publish(call, "ended", outcome=outcome)
        if call.preview is not None:
            await self._finish_preview(call.preview)

    # -- preview (preview.py) ----------------------------------------------------------
    async def preview_call(
        self, tenant_id: int, campaign_id: int, contact_id: int, agent: str, actor: Actor
    ) -> dict[str, Any]:
        """Ring ``agent``'s phone, then (once they answer) the contact."""
        campaign = await store.get(tenant_id, campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        if campaign.kind != "preview" or campaign.state != core.RUNNING:
            raise InvalidRequest(
                f"campaign: {campaign_id} is a {campaign.state} {campaign.kind} campaign;"
                " preview calls are a running preview campaign's",
                {"field": "campaign"},
            )
        if self.holds is None or not self.connected():
            raise InvalidRequest("calls cannot be placed now (Asterisk is away)")
        state = self.holds.agent_state(agent)
        if state not in PLACEABLE_STATES:
            raise InvalidRequest(
                f"agent: {agent} is {state or 'not an agent'}; a preview call needs a"
                " logged-in agent who is not on a call",
                {"field": "agent"},
            )
        contact = await CampaignContact.get_or_none(id=contact_id, campaign_id=campaign.id)
        if contact is None or contact.state != "pending":
            raise InvalidRequest(
                f"contact_id: {contact_id} is not waiting to be called in this campaign",
                {"field": "contact_id"},
            )
        busy = [p for p in self.previews.values() if agent == p.agent or contact_id == p.contact_id]
        if busy:
            raise InvalidRequest(
                "agent: a preview call of this agent or contact is in progress",
                {"field": "agent"},
            )
        preview = PreviewCall(
            self, campaign, contact_id, contact.phone, agent, secrets.token_hex(3)
        )
        self.previews[preview.token] = preview
        preview.was_ready = await self.holds.hold(agent, PAUSE_REASON)
        self.channels.own(preview.agent_channel_id, preview)
        try:
            await self.ops.run(
                Originate(
                    f"PJSIP/{agent}",
                    preview.agent_channel_id,
                    app=self.app,
                    app_args=(PREVIEW_KIND, preview.token),
                    caller_id=f'"Preview" <{contact.phone}>',
                    timeout_s=RING_AGENT_S,
                )
            )
        except AriError as refused:
            await self._finish_preview(preview)
            raise InvalidRequest(
                f"agent: phone {agent} cannot be rung ({refused})", {"field": "agent"}
            ) from None
        await store.audit(
            actor, "campaign_preview_call", campaign, contact_id=contact_id, agent=agent
        )
        log.info("campaign %s: preview of %s by %s", campaign.id, contact.phone, agent)
        return preview.as_dict()

    async def preview_agent_answered(self, event: AriEvent) -> None:
        """The agent picked up: they hear ringing while the contact is dialled."""
        channel_id = event.channel_id or ""
        token = event.args[1] if len(event.args) > 1 else ""
        preview = self.previews.get(token)
        if preview is None or preview.agent_channel_id != channel_id or preview.finished:
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        try:
            await self.ops.run(CreateBridge(preview.bridge_id, name="hotline-preview"))
            await self.ops.run(AddToBridge(preview.bridge_id, channel_id))
            await self.ops.run_best_effort(
                PlayMedia(channel_id, ("tone:ring",), preview.ringback_id)
            )
        except AriError as error:
            log.warning("preview %s: agent not bridged: %s", preview.token, error)
            await self._finish_preview(preview)
            return
        # Checked again now (do not call, the window, attempts), and written first.
        now = datetime.now(UTC)
        attempts = await dialing.next_calls(preview.campaign, 1, now, contact_id=preview.contact_id)
        if not attempts:
            log.info("preview %s: contact %s may not be called now", preview.token, preview.phone)
            await self._finish_preview(preview)
            return
        preview.outbound = await self._place(preview.campaign, attempts[0], preview)

    async def _to_preview_agent(self, call: OutboundCall, preview: PreviewCall) -> None:
        call.agent = preview.agent
        await self.ops.run_best_effort(StopMedia(preview.ringback_id))
        try:
            await self.ops.run(AddToBridge(preview.bridge_id, call.channel_id))
        except AriError as error:
            log.warning("preview %s: contact not bridged: %s", preview.token, error)
            await self.ops.run_best_effort(HangUp(call.channel_id))
            return
        preview.bridged = True
        log.info("preview %s: %s talking to %s", preview.token, preview.agent, preview.phone)

    async def preview_agent_gone(self, preview: PreviewCall) -> None:
        """The agent hung up (or never answered): the contact's leg goes too,
        and its end settles the attempt; without one, the preview is over."""
        self.channels.release(preview.agent_channel_id, preview)
        outbound = preview.outbound
        if outbound is not None and not outbound.settled:
            await self.ops.run_best_effort(HangUp(outbound.channel_id))
            return
        await self._finish_preview(preview)

    async def _finish_preview(self, preview: PreviewCall) -> None:
        if preview.finished:
            return
        preview.finished = True
        self.previews.pop(preview.token, None)
        if self.channels.release(preview.agent_channel_id, preview):
            await self.ops.run_best_effort(HangUp(preview.agent_channel_id))
        await self.ops.run_best_effort(DestroyBridge(preview.bridge_id))
        if self.holds is not None:
            await self.holds.release(preview.agent, PAUSE_REASON, preview.was_ready)
        self.bus.publish(
            "campaign", "preview_ended", campaign_id=preview.campaign.id, agent=preview.agent
        )

    def pacing_figures(self, campaign_id: int) -> dict[str, Any] | None:
        pace = self.pacing.get(campaign_id)
        if pace is None:
            return None
        figures = dataclasses.asdict(pace.pacer.figures())
        staffed = (
            figures["agents_ready"] + figures["agents_talking"] + figures["agents_wrapping_up"]
        )
        busy = figures["agents_talking"] + figures["agents_wrapping_up"]
        # Occupancy now (METRICS.md's over a period is the reports'): the
        # share of the campaign's available agents talking or wrapping up.
        figures["occupancy_now_pct"] = round(100.0 * busy / staffed, 1) if staffed else None
        if figures["locked_out_until"] is not None:
            figures["locked_out_for_s"] = round(
                max(0.0, figures["locked_out_until"] - time.monotonic()), 1
            )
        del figures["locked_out_until"]  # a monotonic clock reading, meaningless outside
        return figures

    @staticmethod
    def _ring_s(call: OutboundCall) -> float:
        return (call.answered_at or time.monotonic()) - call.placed_at

    def _pace_answered(self, call: OutboundCall, outcome: str) -> None:
        pace = self.pacing.get(call.campaign.id)
        if pace is not None:
            pace.answered(call.channel_id, outcome, self._ring_s(call))

    def _publish(self, call: OutboundCall, state: str, outcome: str = "") -> None:
        self.bus.publish(
            "campaign",
            state,
            campaign_id=call.campaign.id,
            attempt_id=call.attempt.id,
            phone=call.attempt.phone,
            outcome=outcome or call.outcome,
        )
