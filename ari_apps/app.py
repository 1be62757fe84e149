"""CallCenter: wires the ARI client to the IVR and ACD services.

This is the one thin adapter between Asterisk and the pure cores.  It routes
each ARI event by channel to whoever owns the channel (a caller's flow, an
agent leg, a feature-code call), reconciles Asterisk's channels with our
persisted state on every (re)connect, and sends any call whose handler fails
to the dialplan's safe context instead of leaving it in silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp

from ari_apps import reconcile
from ari_apps.acd import stasis as acd_stasis
from ari_apps.acd.events import (
    AgentConfigured,
    AgentDeviceChanged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AgentWrapUpExtended,
    QueueConfigured,
)
from ari_apps.acd.events import Event as AcdEvent
from ari_apps.acd.exceptions import AcdError
from ari_apps.acd.live import AgentLegHold
from ari_apps.acd.services import AcdService
from ari_apps.acd.store import load_acd_config
from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError
from ari_apps.ari.events import (
    CHANNEL_DESTROYED,
    HANDLED_EVENT_TYPES,
    PEER_STATUS_CHANGE,
    STASIS_END,
    STASIS_START,
    AriEvent,
)
from ari_apps.call_services import (
    OUTCOME_FAILED,
    CallServiceContext,
    ServiceResult,
    load_call_services,
)
from ari_apps.callbacks import services as callback_services
from ari_apps.callbacks.stasis import AGENT_STASIS_KIND as CALLBACK_AGENT_KIND
from ari_apps.callbacks.stasis import CUSTOMER_STASIS_KIND as CALLBACK_CUSTOMER_KIND
from ari_apps.callbacks.stasis import AcdAgents, CallbackDialer
from ari_apps.callbacks.virtual_hold import STASIS_KIND as VIRTUAL_HOLD_KIND
from ari_apps.callbacks.virtual_hold import VirtualHold
from ari_apps.campaigns import stasis as campaign_stasis
from ari_apps.campaigns.flows import CampaignAgents, CampaignFlows, PreviewAgents
from ari_apps.campaigns.preview import STASIS_KIND as PREVIEW_KIND
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import ChannelOpsExecutor, HangUp, Originate, SafeFallback
from ari_apps.flow_handoff import FlowHandOff
from ari_apps.ivr import stasis as ivr_stasis
from ari_apps.ivr.events import QueueExited
from ari_apps.ivr.runner import FlowRunner
from ari_apps.monitoring.services import SNOOP_STASIS_KIND as MONITOR_SNOOP_KIND
from ari_apps.monitoring.services import SUPERVISOR_STASIS_KIND as MONITOR_SUPERVISOR_KIND
from ari_apps.monitoring.services import MonitorService
from ari_apps.provisioning import ensure_agent_endpoint
from ari_apps.recordings.services import STASIS_KIND as RECORDING_STASIS_KIND
from ari_apps.recordings.services import CallRecorder
from ari_apps.stasis_routes import StasisRoutes
from ari_apps.survey.services import SurveyHandOff
from fax.generated import fax_generated
from fax.scheduler import FaxBackScheduler
from hotline import calls, outbound_guard, seed, tenancy
from hotline.bus import EventBus
from hotline.center import Actor, HealthCheck
from hotline.errors import InvalidRequest, NotFound
from hotline.models import Agent
from hotline.settings import Settings
from hotline.webrtc_cert import dtls_files
from vm import services as vm_services
from vm.retention import VoicemailBackground

log = logging.getLogger(__name__)


class StartUpFailed(Exception):
    """A start-up step after connecting to ARI failed; names the step."""

    def __init__(self, step: str, cause: BaseException) -> None:
        super().__init__(f"step '{step}': {type(cause).__name__}: {cause}")
        self.step = step


# ``Stasis(hotline,service,<name>,arg...)``: a call service with no flow.
DIRECT_SERVICE = "service"


class DirectServiceCall:
    """Owns a channel running a call service without a flow (feature codes
    such as ``*98``, fax DIDs) while the service, which borrows it, runs."""

    feature = "service"

    def __init__(self, channel_id: str, task: asyncio.Task[None]) -> None:
        self.call_id = channel_id
        self.task = task

    async def on_channel_event(self, event: AriEvent) -> None:
        # Only the channel's end reaches the owner while the service has it.
        if event.is_channel_final:
            self.task.cancel()


# What one "extend" on the desk adds to an agent's wrap-up.
WRAP_UP_EXTENSION_S = 30.0


class CallCenter:
    """Implements hotline.center.ContactCenter for the web layer."""

    def __init__(self, settings: Settings, bus: EventBus) -> None:
        self.settings = settings
        self.bus = bus
        self.ari = AriClient(
            settings.ari_url,
            settings.ari_user,
            settings.ari_password,
            settings.ari_app,
            on_channel_event=self.on_channel_event,
            on_global_event=self.on_global_event,
            on_handler_error=self.on_handler_error,
            on_connected=self.on_connected,
            event_types=HANDLED_EVENT_TYPES,
        )
        # Who has each channel: flows, agent legs, feature codes, services.
        self.channels = ChannelRegistry()
        # What every feature's decisions become: one vocabulary of channel operations.
        self.ops = ChannelOpsExecutor(self.ari)
        self.acd = AcdService(
            self.ari,
            bus,
            settings.ari_app,
            self.on_queue_exit,
            channels=self.channels,
            ops=self.ops,
        )
        # Queue conversations recorded per their queue's policy.
        self.recorder = CallRecorder(
            self.ari,
            self.ops,
            settings.ari_app,
            settings.var_dir,
            observers=self.channels.observers,
        )
        self.acd.conversation_observers.append(self.recorder)
        # Supervisors' listen, whisper and barge on those conversations.
        self.monitoring = MonitorService(self.ops, self.channels, settings.ari_app, bus)
        self.acd.conversation_observers.append(self.monitoring)
        # Callbacks: the agent's phone first, then the caller through [to-pstn].
        self.callbacks = CallbackDialer(
            self.ops,
            self.channels,
            settings.ari_app,
            bus,
            AcdAgents(self),
            outbound_guard.rules(settings),
        )
        # Virtual hold: queue callbacks keep their place and ring the caller back.
        self.virtual_hold = VirtualHold(self.ops, self.channels, settings.ari_app, bus, self.acd)
        self.acd.kept_place_port = self.virtual_hold
        self.acd.conversation_observers.append(self.virtual_hold)
        # Outbound campaigns: the dialer, whose answered calls enter flows.
        self.campaigns = campaign_stasis.CampaignDialer(
            self.ops,
            self.channels,
            settings.ari_app,
            bus,
            CampaignFlows(self),
            CampaignAgents(self),
            max_lines=settings.outbound_max_lines,
            connected=lambda: self.ari_connected,
            holds=PreviewAgents(self),
        )
        # Transfers to a flow: the ACD hands the caller to the flow engine.
        self.acd.control.flows = FlowHandOff(self)
        # A caller whose agent hung up first goes to their queue's survey.
        self.acd.after_conversation = SurveyHandOff(self)
        # The ACD behind flows' queue nodes, plugged into the flow engine.
        self.queues: ivr_stasis.QueuePort = acd_stasis.FlowQueueHandOff(self.acd)
        # test call -> the draft it runs and the tenant of the flow tested
        self.test_flows: dict[str, tuple[dict[str, Any], int]] = {}
        self.call_services = load_call_services()
        self.voicemail = VoicemailBackground(settings, bus, self.ari)
        self.http: aiohttp.ClientSession | None = None
        # Fax-back legs are observed: they may die before any StasisStart.
        self.fax_back = FaxBackScheduler(self.ari, settings, self.channels.observers)
        self._acd_loaded = False
        self._ready = asyncio.Event()
        self._start_up_step: str | None = None
        self._endpoint_events_subscribed = False
        self._run_task: asyncio.Task[None] | None = None
        # Each feature claims the first Stasis() arguments it handles.
        self.stasis_routes = StasisRoutes()
        self.stasis_routes.claim_all(ivr_stasis.stasis_claims(self))
        self.stasis_routes.claim_all(acd_stasis.stasis_claims(self))
        self.stasis_routes.claim(DIRECT_SERVICE, self._start_direct_service)
        self.stasis_routes.claim(RECORDING_STASIS_KIND, self._recording_snoop_started)
        self.stasis_routes.claim(MONITOR_SUPERVISOR_KIND, self.monitoring.supervisor_answered)
        self.stasis_routes.claim(MONITOR_SNOOP_KIND, self._monitoring_snoop_started)
        self.stasis_routes.claim(CALLBACK_AGENT_KIND, self.callbacks.agent_answered)
        self.stasis_routes.claim(CALLBACK_CUSTOMER_KIND, self.callbacks.customer_answered)
        self.stasis_routes.claim(VIRTUAL_HOLD_KIND, self.virtual_hold.answered)
        self.stasis_routes.claim(campaign_stasis.ANSWERED_KIND, self.campaigns.answered)
        self.stasis_routes.claim(campaign_stasis.AMD_KIND, self.campaigns.detected)
        self.stasis_routes.claim(campaign_stasis.BEEP_KIND, self.campaigns.greeting_over)
        self.stasis_routes.claim(PREVIEW_KIND, self.campaigns.preview_agent_answered)

    # -- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        self._run_task = asyncio.create_task(self.ari.run(), name="ari")
        self.acd.start()
        self.recorder.start()
        self.fax_back.start()
        self.voicemail.start()
        self.campaigns.start()
        self.virtual_hold.start()

    async def stop(self) -> None:
        # Callers stay in Stasis when we go: Asterisk keeps them in their
        # bridges (with MOH) and the next start adopts them.  Supervisors
        # listening in do not: their sessions end (and are audited) now.
        await self.monitoring.stop_all()
        # A callback being placed is cut (its row says so); the ACD's callers stay.
        await self.callbacks.stop_all()
        # Calls back in progress are cut too; their rows go back in line.
        await self.virtual_hold.stop()
        # Campaign calls in progress end; their attempts say so and are retried.
        await self.campaigns.stop()
        await self.acd.stop()
        await self.recorder.stop()
        await self.fax_back.stop()
        await self.voicemail.stop()
        await self.ari.close()
        if self._run_task is not None:
            self._run_task.cancel()
            await asyncio.gather(self._run_task, return_exceptions=True)
        for runner in self.runners.values():
            runner.close()
        for service in self.channels.owned(DirectServiceCall).values():
            service.task.cancel()
        if self.http is not None:
            await self.http.close()

    @property
    def runners(self) -> dict[str, FlowRunner]:
        """The callers in flows, by channel (a view of the channel registry)."""
        return self.channels.owned(FlowRunner)

    @property
    def service_calls(self) -> dict[str, CallServiceContext]:
        """Channels lent to call services (a view of the channel registry)."""
        return {
            channel_id: borrower
            for channel_id, borrower in self.channels.borrowers().items()
            if isinstance(borrower, CallServiceContext)
        }

    @property
    def ari_connected(self) -> bool:
        return self.ari.connected and self._ready.is_set()

    def asterisk_health(self) -> HealthCheck:
        if self.ari_connected:
            return HealthCheck(True)
        failure = self.ari.last_failure
        if self._start_up_step is not None:
            reason = f"connected to ARI; start-up step '{self._start_up_step}' in progress"
            if failure and self.ari.connect_attempts > 1:
                reason += f" (the last attempt failed: {failure})"
            return HealthCheck(False, reason)
        return HealthCheck(False, failure or "not connected to ARI")

    async def on_connected(self) -> None:
        """Every (re)connect: sync config and phones, then adopt live calls.

        Each step either completes or raises ``StartUpFailed`` naming it; the
        ARI client then drops the connection and retries the whole start-up
        after its back-off, so Hotline is never half-connected.  Every step is
        safe to repeat.
        """
        self._ready.clear()
        self._endpoint_events_subscribed = False
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("load queues and agents", self._load_acd_once),
            ("provision agent phones", self._provision_agent_endpoints),
            ("subscribe to phone registrations", self._subscribe_endpoint_events),
            ("read phone registrations", self._read_agent_registrations),
            ("adopt live calls", lambda: reconcile.reconcile(self)),
            ("re-apply pauses", self._reapply_pauses_after_restored_calls),
        ]
        async with self.acd.locked():
            try:
                for name, step in steps:
                    self._start_up_step = name
                    try:
                        await step()
                    except Exception as exc:
                        raise StartUpFailed(name, exc) from exc
            finally:
                self._start_up_step = None
        # Outside the ACD's lock: settling makes agents ready again through it.
        await self.callbacks.recover_after_restart()
        await self.virtual_hold.connected()
        await self.campaigns.recover(await self._live_channel_ids())
        self.voicemail.connected()
        self._ready.set()
        log.info("connected to Asterisk; %d calls adopted", len(self.acd.calls))

    async def _live_channel_ids(self) -> set[str]:
        return {str(channel["id"]) for channel in await self.ari.list_channels()}

    async def _load_acd_once(self) -> None:
        if not self._acd_loaded:
            await self._load_acd()
            self._acd_loaded = True

    async def _load_acd(self) -> None:
        """Install queues and agents from the database.

        The first time, agents also get their persisted login/pause state.
        Later (SIGHUP, see reload_config) queues and agents are reconfigured
        in place: waiting callers and agents' live states stay.
        """
        queues, agent_configs, agents = await load_acd_config()
        now = time.time()
        known_agents = set(self.acd.acd.agent_ids())
        for queue in queues:
            await self.acd.handle_locked(QueueConfigured(now, queue))
        for config in agent_configs:
            await self.acd.handle_locked(AgentConfigured(now, config))
        # Queues deleted from the database leave the live ACD now, after the
        # agents' new memberships (which no longer name them) are in.
        await self.acd.remove_queues_except({queue.name for queue in queues}, now)
        await self.recorder.reload_policies()
        for agent in agents:
            if agent.extension in known_agents or not agent.logged_in:
                continue
            await self.acd.handle_locked(
                AgentLoggedIn(now, agent.extension, ready=not agent.paused)
            )
            if agent.paused and agent.pause_reason:
                await self.acd.handle_locked(
                    AgentNotReady(now, agent.extension, agent.pause_reason)
                )

    async def reload_config(self) -> None:
        """Apply queue and agent changes made in the database (SIGHUP)."""
        try:
            async with self.acd.locked():
                await self._load_acd()
                if self.ari.connected:
                    await self._sync_endpoints()
        except Exception:
            # A bad row must not take the running contact center down.
            log.exception("configuration reload failed; the previous configuration stays")
            return
        log.info("configuration reloaded: queues %s", ", ".join(self.queue_names()))

    async def _reapply_pauses_after_restored_calls(self) -> None:
        """A pause asked for during a call takes effect after it; the core only
        remembers that in memory, so after a restart we ask again."""
        now = time.time()
        for agent in await Agent.filter(logged_in=True, paused=True):
            if agent.extension not in self.acd.acd.agent_ids():
                continue
            if self.acd.acd.agent_status(agent.extension).state == "on_call":
                await self.acd.handle_locked(
                    AgentNotReady(now, agent.extension, agent.pause_reason or "paused")
                )

    async def _sync_endpoints(self) -> None:
        await self._provision_agent_endpoints()
        await self._subscribe_endpoint_events()
        await self._read_agent_registrations()

    async def _provision_agent_endpoints(self) -> None:
        for agent in await Agent.all():
            await ensure_agent_endpoint(
                self.ari,
                agent.extension,
                agent.sip_password,
                await vm_services.phone_mailboxes(agent.extension),
                accountcode=tenancy.tenant_accountcode(agent.tenant_id),  # type: ignore[attr-defined]
                browser_dtls=dtls_files(self.settings) if agent.phone == "browser" else None,
            )
        await self._provision_demo_supervisor_phone()

    async def _provision_demo_supervisor_phone(self) -> None:
        """The demo supervisor's phone (1009), which monitoring rings.

        Monitoring rings whatever PJSIP endpoint a supervisor's user names
        (``User.phone_extension``): an agent's phone, or one the PBX's
        administrators configured (``hotline-trunks.conf``).  The demo has
        no such configuration, so with a demo SIP password Hotline
        provisions 1009 itself, like an agent's phone but in no queue and
        not an agent: it is never offered calls nor counted as staff.
        """
        extension = seed.DEMO_SUPERVISOR_EXTENSION
        if not self.settings.demo_sip_password or await Agent.exists(extension=extension):
            return
        await ensure_agent_endpoint(
            self.ari,
            extension,
            self.settings.demo_sip_password,
            accountcode=tenancy.tenant_accountcode(await tenancy.home_tenant_id()),
        )

    async def _subscribe_endpoint_events(self) -> None:
        """Endpoint state events tell us when phones (un)register.

        Asterisk quirk: the technology-wide event source ``endpoint:PJSIP``
        exists only once some PJSIP endpoint exists; before that, subscribing
        answers 422 "Event source does not exist".  On a cold Asterisk the
        agents' endpoints exist only after ``_provision_agent_endpoints``, so
        this step comes after it, and with no agent at all it waits for the
        first one (``reload_config`` runs it again).
        """
        if self._endpoint_events_subscribed:
            return
        if not await Agent.exists():
            log.info("no agent phone provisioned yet; endpoint events follow the first agent")
            return
        await self.ari.request(
            "POST",
            f"/applications/{self.settings.ari_app}/subscription",
            params={"eventSource": "endpoint:PJSIP"},
        )
        self._endpoint_events_subscribed = True

    async def _read_agent_registrations(self) -> None:
        for agent in await Agent.all():
            endpoint = await self.ari.get_endpoint("PJSIP", agent.extension)
            await self.acd.handle_locked(
                AgentDeviceChanged(time.time(), agent.extension, endpoint.get("state") == "online")
            )

    # -- ARI events --------------------------------------------------------------
    async def on_channel_event(self, event: AriEvent) -> None:
        self.channels.notify_observers(event)
        if event.type == STASIS_START:
            await self._stasis_start(event)
            return
        await self.channels.dispatch(event)

    async def _stasis_start(self, event: AriEvent) -> None:
        handler = self.stasis_routes.handler_for(event.args)
        if handler is None:
            log.warning("unexpected StasisStart %s args=%s", event.channel_id, event.args)
            await self.ops.run(SafeFallback(event.channel_id or ""))
            return
        await handler(event)

    async def _recording_snoop_started(self, event: AriEvent) -> None:
        # A recorder's snoop channel: it only records, and the recorder
        # hangs it up when the conversation ends.
        self.recorder.snoop_started(event.channel_id or "")

    async def _monitoring_snoop_started(self, event: AriEvent) -> None:
        self.monitoring.snoop_started(event)

    # -- call services -------------------------------------------------------------
    async def run_call_service(
        self,
        channel_id: str,
        call_id: str,
        name: str,
        params: Mapping[str, Any],
        variables: Mapping[str, str],
        *,
        tenant_id: int | None = None,
    ) -> ServiceResult:
        """Lend the channel to a call service until it returns; never raises.

        ``tenant_id``: the tenant of the flow that asked, or of a call that
        runs no flow (``start_service_call``).
        """
        service = self.call_services.get(name)
        if service is None:
            log.error("call %s: unknown call service %r", call_id, name)
            return ServiceResult(OUTCOME_FAILED, {"service_error": f"unknown service {name}"})
        context = CallServiceContext(
            ari=self.ari,
            settings=self.settings,
            bus=self.bus,
            call_id=call_id,
            channel_id=channel_id,
            variables=variables,
            tenant_id=tenant_id,
        )
        try:
            with self.channels.lend(channel_id, context):
                return await service.run(context, params)
        except (AriError, OSError, ValueError, LookupError, RuntimeError) as exc:
            log.exception("call %s: call service %s failed", call_id, name)
            return ServiceResult(OUTCOME_FAILED, {"service_error": str(exc)[:200]})

    async def _start_direct_service(self, event: AriEvent) -> None:
        """``Stasis(hotline,service,<name>,arg...)``: a service without a flow."""
        name = event.args[1] if len(event.args) > 1 else ""
        dialplan = event.raw.get("channel", {}).get("dialplan", {})
        tenant_id = await tenancy.tenant_of_call(
            caller_endpoint=tenancy.pjsip_endpoint_of(event.channel_name),
            dialled=str(dialplan.get("exten") or "") if isinstance(dialplan, dict) else "",
        )
        await self.start_service_call(
            event.channel_id or "",
            name,
            {"args": list(event.args[2:])},
            caller_id=event.caller_number or "",
            record_did=f"service:{name}",
            tenant_id=tenant_id,
        )

    async def start_service_call(
        self,
        channel_id: str,
        name: str,
        params: Mapping[str, Any],
        *,
        caller_id: str,
        record_did: str,
        tenant_id: int,
    ) -> None:
        """Run a call service on a channel that has no flow (feature codes,
        fax DIDs).  It runs as its own task: the channel's event queue must
        stay free to feed the service its events.  ``tenant_id``: whose call
        it is (``hotline.tenancy.tenant_of_call``); the service works in it."""
        await calls.open_record(
            channel_id,
            did=record_did,
            caller_id=caller_id,
            tenant_id=tenant_id,
            flow_version_id=None,
        )
        task = asyncio.create_task(
            self._direct_service(channel_id, name, params, caller_id, tenant_id),
            name=f"service-{name}-{channel_id}",
        )
        self.channels.own(channel_id, DirectServiceCall(channel_id, task))

    async def _direct_service(
        self,
        channel_id: str,
        name: str,
        params: Mapping[str, Any],
        caller_id: str,
        tenant_id: int,
    ) -> None:
        try:
            result = await self.run_call_service(
                channel_id,
                channel_id,
                name,
                params,
                {"caller_id": caller_id, "language": "en", "call_id": channel_id},
                tenant_id=tenant_id,
            )
            await calls.close_record(channel_id, result.outcome)
            if result.handed_off:
                return  # the dialplan has the channel now
            if result.outcome == OUTCOME_FAILED:
                # Never silence: the safe context announces, then hangs up.
                await self.ops.run(SafeFallback(channel_id))
                return
            await self.ops.run_best_effort(HangUp(channel_id))
        except asyncio.CancelledError:
            await calls.close_record(channel_id, "hangup")
            raise
        finally:
            holder = self.channels.owner(channel_id)
            if isinstance(holder, DirectServiceCall) and holder.task is asyncio.current_task():
                self.channels.release(channel_id, holder)

    async def on_global_event(self, event: AriEvent) -> None:
        if event.type == PEER_STATUS_CHANGE and event.endpoint:
            technology, _, resource = event.endpoint.partition("/")
            if technology != "PJSIP":
                return
            # The endpoint snapshot in the event has the state PJSIP just set.
            registered = event.endpoint_state == "online"
            if self.acd.acd.agent_registered(resource) in (None, registered):
                # Not an agent, or what the ACD knows already (reconcile
                # after a reconnect may have read it first).
                return
            with contextlib.suppress(AcdError):
                await self.acd.handle(AgentDeviceChanged(time.time(), resource, registered))

    async def on_handler_error(self, event: AriEvent, exc: BaseException) -> None:
        """A handler failed: put the call somewhere safe, never leave silence."""
        log.error("handler failed for %s on %s: %r", event.type, event.channel_id, exc)
        channel_id = event.channel_id
        if channel_id is None or event.type in (STASIS_END, CHANNEL_DESTROYED):
            return
        holder = self.channels.owner(channel_id)
        if isinstance(holder, FlowRunner):
            self.channels.release(channel_id, holder)
            holder.close()
            with contextlib.suppress(Exception):
                await calls.close_record(holder.call_id, "failed")
        if isinstance(holder, AgentLegHold):
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        await self.ops.run(SafeFallback(channel_id))

    # -- ACD -> flow ---------------------------------------------------------------
    async def on_queue_exit(self, call_id: str, outcome: str, goto_node: str | None) -> None:
        runner = self.channels.owner(call_id)
        if isinstance(runner, FlowRunner):
            runner.in_queue = False
            await runner.feed(QueueExited(outcome, goto_node))
        elif outcome != "answered":
            # Adopted after a restart without its flow: say goodbye safely.
            await self.ops.run(SafeFallback(call_id))

    # -- ContactCenter protocol (used by the web layer) -------------------------------
    def queue_names(self) -> list[str]:
        return list(self.acd.acd.queue_names())

    def queue_status(self, name: str) -> dict[str, Any] | None:
        if name not in self.acd.acd.queue_names():
            return None
        status = self.acd.acd.queue_status(name, time.time())
        return {
            "name": status.name,
            "strategy": status.strategy,
            "waiting": [
                {
                    "call_id": w.call_id,
                    "position": w.position,
                    "priority": w.priority,
                    "caller_id": w.caller_id,
                    "waited_s": round(w.waited_s, 1),
                    "ringing_agents": list(w.ringing_agents),
                    "kept_place": w.kept_place,
                }
                for w in status.waiting
            ],
            "agents_by_state": {k: list(v) for k, v in status.agents_by_state.items()},
            "unregistered_agents": list(status.unregistered_agents),
            "avg_handle_s": status.avg_handle_s,
            "longest_wait_s": round(status.longest_wait_s, 1),
            "estimated_wait_s": status.estimated_wait_s,
        }

    def agent_statuses(self) -> list[dict[str, Any]]:
        return [s for a in self.acd.acd.agent_ids() if (s := self.agent_status(a)) is not None]

    def agent_status(self, extension: str) -> dict[str, Any] | None:
        if extension not in self.acd.acd.agent_ids():
            return None
        status = self.acd.acd.agent_status(extension)
        return {
            "agent": status.agent_id,
            "extension": status.extension,
            "state": status.state,
            "reason": status.reason,
            "registered": status.registered,
            "queues": list(status.queues),
            "state_since": status.state_since,
            "offered_call_id": status.offered_call_id,
            "connected_call_id": status.connected_call_id,
            "wrap_up_ends_at": status.wrapup_ends_at,
            "held": self.acd.control.is_held(extension),
            "consulting": self.acd.control.consulting(extension),
        }

    async def agent_action(self, extension: str, action: str, reason: str | None) -> dict[str, Any]:
        if extension not in self.acd.acd.agent_ids():
            raise NotFound(f"no agent {extension!r}")
        now = time.time()
        events: dict[str, AcdEvent] = {
            "login": AgentLoggedIn(now, extension),
            "logout": AgentLoggedOut(now, extension),
            "ready": AgentReady(now, extension),
            "pause": AgentNotReady(now, extension, reason or "paused"),
            "extend": AgentWrapUpExtended(now, extension, WRAP_UP_EXTENSION_S),
        }
        if action not in events:
            raise InvalidRequest(f"unknown action {action!r}; use one of {sorted(events)}")
        try:
            await self.acd.handle(events[action])
        except AcdError as exc:
            raise InvalidRequest(str(exc)) from exc
        if action in ("pause", "ready"):
            # Persist the request itself: a pause asked during a call only
            # shows as a state change after wrap-up, and must survive a restart.
            self.acd.persist_pause_request(
                extension, paused=action == "pause", reason=reason or "paused"
            )
        status = self.agent_status(extension)
        assert status is not None
        return status

    async def start_test_call(
        self, extension: str, definition: dict[str, Any], *, tenant_id: int
    ) -> str:
        """Ring a user's phone and run ``definition`` (a draft) once answered,
        as a call of ``tenant_id``."""
        channel_id = f"hl-test-call-{uuid.uuid4().hex[:12]}"
        self.test_flows[channel_id] = (definition, tenant_id)
        try:
            await self.ops.run(
                Originate(
                    f"PJSIP/{extension}",
                    channel_id,
                    self.settings.ari_app,
                    ("test-flow",),
                    caller_id='"Flow test" <8000>',
                    timeout_s=30,
                )
            )
        except AriError as exc:
            self.test_flows.pop(channel_id, None)
            raise InvalidRequest(f"could not ring {extension}: {exc.message}") from exc
        return channel_id

    def ari_health(self) -> dict[str, float | None]:
        return {
            "reconnects": float(max(0, self.ari.connections - 1)),
            "event_lag_s": self.ari.event_lag_s,
        }

    def monitoring_sessions(self) -> list[dict[str, Any]]:
        return self.monitoring.session_list()

    async def start_monitoring(
        self, agent: str, supervisor: str, mode: str, actor: Actor
    ) -> dict[str, Any]:
        if agent not in self.acd.acd.agent_ids():
            raise NotFound(f"no agent {agent!r}")
        return await self.monitoring.start(agent, supervisor, mode, actor)

    async def change_monitoring(self, session_id: str, mode: str, actor: Actor) -> dict[str, Any]:
        return await self.monitoring.change_mode(session_id, mode, actor)

    async def stop_monitoring(self, session_id: str, actor: Actor) -> dict[str, Any]:
        return await self.monitoring.stop(session_id, actor)

    async def preview_call(
        self, tenant_id: int, campaign_id: int, contact_id: int, agent: str, actor: Actor
    ) -> dict[str, Any]:
        return await self.campaigns.preview_call(tenant_id, campaign_id, contact_id, agent, actor)

    def campaign_pacing(self, campaign_id: int) -> dict[str, Any] | None:
        return self.campaigns.pacing_figures(campaign_id)

    async def place_callback(
        self, tenant_id: int, callback_id: int, agent: str | None, actor: Actor
    ) -> dict[str, Any]:
        return await self.callbacks.place(tenant_id, callback_id, agent, actor)

    async def call_back_now(
        self,
        tenant_id: int,
        number: str,
        agent: str,
        actor: Actor,
        *,
        call_id: str | None = None,
        queue: str | None = None,
    ) -> dict[str, Any]:
        row = await callback_services.schedule(
            tenant_id,
            actor,
            self.callbacks.rules,
            number=number,
            agent=agent,
            due_at=datetime.now(UTC),
            call_id=call_id,
            queue=queue,
        )
        try:
            return await self.callbacks.place(tenant_id, int(row["id"]), agent, actor)
        except InvalidRequest as refused:
            raise InvalidRequest(
                f"{refused.message} (callback {row['id']} stays on {agent}'s desk)",
                {"field": "agent", "callback_id": row["id"]},
            ) from None

    async def fax_pdf(
        self,
        tenant_id: int,
        reference: str,
        title: str,
        pdf: bytes,
        number: str,
        call_id: str,
        actor: Actor,
    ) -> int:
        job = await fax_generated(
            self.settings,
            tenant_id=tenant_id,
            reference=reference,
            title=title,
            pdf=pdf,
            to=number,
            call_id=call_id,
            made_by=actor.username,
        )
        return job.id

    async def force_release(self, agent: str, actor: Actor) -> dict[str, Any]:
        if agent not in self.acd.acd.agent_ids():
            raise NotFound(f"no agent {agent!r}")
        return await self.monitoring.release(agent, actor)

    async def call_action(self, extension: str, action: str, target: str) -> dict[str, Any]:
        if extension not in self.acd.acd.agent_ids():
            raise NotFound(f"no agent {extension!r}")
        control = self.acd.control
        if action == "hold":
            await control.hold(extension)
        elif action == "resume":
            await control.resume(extension)
        elif action == "consult":
            kind, _, value = target.partition(":")
            if kind != "extension":
                raise InvalidRequest("target: extension:<digits>", {"field": "target"})
            await control.consult(extension, value)
        elif action == "complete":
            await control.complete_consult(extension)
        elif action == "cancel":
            await control.cancel_consult(extension)
        elif action == "transfer":
            kind, _, value = target.partition(":")
            if kind == "queue":
                await control.transfer_to_queue(extension, value)
            elif kind == "flow":
                await control.transfer_to_flow(extension, value)
            elif kind == "extension":
                await control.transfer_to_extension(extension, value)
            else:
                raise InvalidRequest(
                    "target: queue:<name>, flow:<name> or extension:<digits>", {"field": "target"}
                )
        else:
            raise InvalidRequest(
                f"action: one of hold, resume, transfer, consult, complete, cancel; not {action!r}",
                {"field": "action"},
            )
        return {
            "agent": extension,
            "action": action,
            "target": target or None,
            "held": control.is_held(extension),
            "consulting": control.consulting(extension),
        }

    def call_context(self, call_id: str) -> dict[str, Any] | None:
        runner = next((r for r in self.runners.values() if r.call_id == call_id), None)
        if runner is None:
            return self.virtual_hold.call_context(call_id)
        variables = dict(runner.session.variables)
        queued = self.acd.calls.get(call_id)
        return {
            "call_id": call_id,
            "caller_id": variables.get("caller_id", ""),
            "dialed_number": variables.get("dialed_number", ""),
            "queue": queued.queue if queued is not None else None,
            "variables": variables,
            "tenant_id": runner.tenant_id,
        }

    def live_calls(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []
        for runner in self.runners.values():
            result.append(
                {
                    "call_id": runner.call_id,
                    "stage": "queue" if runner.in_queue else "ivr",
                    "node": runner.session.current_node,
                    "caller_id": runner.session.variables.get("caller_id", ""),
                    # Whose call it is; hotline.live_status filters on it.
                    "tenant_id": runner.tenant_id,
                }
            )
        known = {r["call_id"] for r in result}
        for call_id, queued in self.acd.calls.items():
            if call_id in known:
                continue
            result.append(
                {"call_id": call_id, "stage": "queue", "node": None, "caller_id": queued.caller_id}
            )
        for item in result:
            queued_call = self.acd.calls.get(item["call_id"])
            if queued_call is not None:
                item["queue"] = queued_call.queue
                leg = queued_call.connected_leg
                item["agent"] = leg.agent_id if leg else None
                if leg:
                    item["stage"] = "connected"
        return result
