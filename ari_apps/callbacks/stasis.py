"""Placing a callback from an agent's phone: the adapter's side of callbacks.

Placing rings the agent's phone first (Stasis kind ``callback-agent``), so
the caller never answers to a machine waiting for an agent.  Once the agent
answers they hear ringing while the caller's number is dialled through
``[to-pstn]`` (kind ``callback-customer``, a Local channel, so telecom
staff's routes and the toll-fraud rules apply as to every outbound call).
When the caller answers both are bridged.  Either hang-up ends the call.

While a callback is placed the agent is not ready with the reason
"callback", so the ACD offers them no queue call; afterwards they are ready
again if they were before.  Every step lands in the callback's row
(``core`` decides the next state) and every placing in the audit log.
Nothing is left behind: the agent's and the caller's channels and the
bridge are owned in the adapter's channel registry and torn down on every
way out; a restart finds the rows still in progress and settles them
(``recover_after_restart``), and the adapter's reconcile hangs up the
channels no live state explains.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from ari_apps.ari.errors import AriError
from ari_apps.ari.events import AriEvent
from ari_apps.callbacks import core, services, store
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import (
    AddToBridge,
    ChannelOpsExecutor,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    PlayMedia,
    StopMedia,
)
from hotline import dial_policy
from hotline.bus import EventBus
from hotline.center import Actor
from hotline.errors import HotlineError, InvalidRequest

log = logging.getLogger(__name__)

AGENT_STASIS_KIND: Final = "callback-agent"
CUSTOMER_STASIS_KIND: Final = "callback-customer"
OUTBOUND_CONTEXT: Final = "to-pstn"
PAUSE_REASON: Final = "callback"
RING_AGENT_S: Final = 30
RING_CUSTOMER_S: Final = 45
# The agent's states from which a callback may be placed (not on a call).
_PLACEABLE_STATES: Final = frozenset({"ready", "not_ready"})


class AgentPort(Protocol):
    """What placing needs of the ACD."""

    def agent_state(self, extension: str) -> str | None:
        """The agent's state ("ready", "on_call", ...); None if not an agent."""

    def paused_for_callback(self, extension: str) -> bool:
        """Not ready with the reason a callback gives."""

    async def hold_for_callback(self, extension: str) -> bool:
        """Make the agent not ready (reason "callback"); True if they were ready."""

    async def release_after_callback(self, extension: str, was_ready: bool) -> None:
        """Ready again if they were ready before."""


@dataclass
class PlacedCallback:
    """One callback being placed; owns its agent and caller channels."""

    callback_id: int
    tenant_id: int
    agent: str
    number: str
    actor: Actor
    dialer: CallbackDialer
    token: str
    was_ready: bool = False
    connected: bool = False
    customer_up: bool = False
    finished: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def feature(self) -> str:
        return "callback"

    @property
    def call_id(self) -> str:
        return f"callback-{self.callback_id}"

    @property
    def agent_channel_id(self) -> str:
        return f"hl-cba-{self.callback_id}-{self.token}"

    @property
    def customer_channel_id(self) -> str:
        return f"hl-cbc-{self.callback_id}-{self.token}"

    @property
    def bridge_id(self) -> str:
        return f"hl-cbb-{self.callback_id}-{self.token}"

    @property
    def ringback_id(self) -> str:
        return f"hl-cbr-{self.callback_id}-{self.token}"

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            await self.dialer.channel_gone(self, event.channel_id or "")


class CallbackDialer:
    def __init__(
        self,
        ops: ChannelOpsExecutor,
        channels: ChannelRegistry,
        app: str,
        bus: EventBus,
        agents: AgentPort,
        rules: dial_policy.DialRules,
    ) -> None:
        self.ops = ops
        self.channels = channels
        self.app = app
        self.bus = bus
        self.agents = agents
        self.rules = rules
        self.placing: dict[int, PlacedCallback] = {}

    async def place(
        self, tenant_id: int, callback_id: int, agent: str | None, actor: Actor
    ) -> dict[str, Any]:
        """Ring ``agent``'s phone (the callback's own agent when None), then the caller."""
        callback = await services.get(tenant_id, callback_id)
        extension = agent or callback.agent
        await services.agent_of(tenant_id, extension)
        if not core.takes(callback.state, core.PLACE) or callback_id in self.placing:
            raise InvalidRequest(
                f"callback: {callback_id} is {callback.state} and cannot be placed now",
                {"field": "callback"},
            )
        services.checked_number(callback.number, self.rules)  # the rules may have changed since
        state = self.agents.agent_state(extension)
        if state not in _PLACEABLE_STATES:
            raise InvalidRequest(
                f"agent: {extension} is {state or 'not logged in'}; "
                "a callback needs a logged-in agent who is not on a call",
                {"field": "agent"},
            )
        placed = PlacedCallback(
            callback_id, tenant_id, extension, callback.number, actor, self, secrets.token_hex(3)
        )
        self.placing[callback_id] = placed
        placed.was_ready = await self.agents.hold_for_callback(extension)
        nxt, attempts = core.after(callback.state, core.PLACE, callback.attempts)
        if extension != callback.agent:
            callback.agent = extension
            await callback.save(update_fields=["agent"])
        await store.save_state(callback, nxt, attempts, "placing")
        self.channels.own(placed.agent_channel_id, placed)
        try:
            await self.ops.run(
                Originate(
                    f"PJSIP/{extension}",
                    placed.agent_channel_id,
                    app=self.app,
                    app_args=(AGENT_STASIS_KIND, str(callback_id)),
                    caller_id=f'"Callback" <{callback.number}>',
                    timeout_s=RING_AGENT_S,
                )
            )
        except AriError as refused:
            await self._finish(placed, core.AGENT_NOT_REACHED, "agent_phone_refused")
            raise InvalidRequest(
                f"agent: phone {extension} cannot be rung ({refused})", {"field": "agent"}
            ) from None
        await store.audit(actor, "callback_placed", callback)
        self._publish(placed, nxt)
        return store.as_dict(callback)

    # -- the adapter's Stasis starts ---------------------------------------------------
    def _placed(self, event: AriEvent) -> PlacedCallback | None:
        try:
            callback_id = int(event.args[1]) if len(event.args) > 1 else -1
        except ValueError:
            return None
        return self.placing.get(callback_id)

    async def agent_answered(self, event: AriEvent) -> None:
        channel_id = event.channel_id or ""
        placed = self._placed(event)
        if placed is None or placed.agent_channel_id != channel_id or placed.finished:
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        async with placed.lock:
            callback = await services.get(placed.tenant_id, placed.callback_id)
            nxt, attempts = core.after(callback.state, core.AGENT_ANSWERED, callback.attempts)
            await store.save_state(callback, nxt, attempts, "agent_answered")
            try:
                await self.ops.run(CreateBridge(placed.bridge_id, name="hotline-callback"))
                await self.ops.run(AddToBridge(placed.bridge_id, channel_id))
                # The agent hears the caller's phone ring (Asterisk's tone).
                await self.ops.run_best_effort(
                    PlayMedia(channel_id, ("tone:ring",), placed.ringback_id)
                )
                self.channels.own(placed.customer_channel_id, placed)
                await self.ops.run(
                    Originate(
                        f"Local/{placed.number}@{OUTBOUND_CONTEXT}/n",
                        placed.customer_channel_id,
                        app=self.app,
                        app_args=(CUSTOMER_STASIS_KIND, str(placed.callback_id)),
                        caller_id=f'"Hotline" <{placed.agent}>',
                        timeout_s=RING_CUSTOMER_S,
                    )
                )
            except AriError as error:
                log.warning("callback %s: dialling failed: %s", placed.callback_id, error)
                await self._finish_locked(placed, core.CUSTOMER_NOT_REACHED, "dial_failed")
                return
        self._publish(placed, nxt)

    async def customer_answered(self, event: AriEvent) -> None:
        channel_id = event.channel_id or ""
        placed = self._placed(event)
        if placed is None or placed.customer_channel_id != channel_id or placed.finished:
            await self.ops.run_best_effort(HangUp(channel_id))
            return
        async with placed.lock:
            placed.customer_up = True
            callback = await services.get(placed.tenant_id, placed.callback_id)
            nxt, attempts = core.after(callback.state, core.CUSTOMER_ANSWERED, callback.attempts)
            try:
                await self.ops.run_best_effort(StopMedia(placed.ringback_id))
                await self.ops.run(AddToBridge(placed.bridge_id, channel_id))
            except AriError as error:
                log.warning("callback %s: bridging failed: %s", placed.callback_id, error)
                await self._finish_locked(placed, core.CUSTOMER_NOT_REACHED, "bridge_failed")
                return
            placed.connected = True
            await store.save_state(callback, nxt, attempts, "connected")
        log.info("callback %s: %s connected to %s", placed.callback_id, placed.agent, placed.number)
        self._publish(placed, nxt)

    # -- ends --------------------------------------------------------------------------
    async def channel_gone(self, placed: PlacedCallback, channel_id: str) -> None:
        # Gone already: nothing to hang up on that side.
        self.channels.release(channel_id, placed)
        async with placed.lock:
            if placed.finished:
                return
            callback = await services.get(placed.tenant_id, placed.callback_id)
            if placed.connected:
                event, result = core.HUNG_UP, "completed"
            elif callback.state == core.RINGING_AGENT:
                event, result = core.AGENT_NOT_REACHED, "agent_not_reached"
            elif channel_id == placed.customer_channel_id:
                event, result = core.CUSTOMER_NOT_REACHED, "customer_not_reached"
            else:
                event, result = core.HUNG_UP, "agent_hung_up"
            await self._finish_locked(placed, event, result)

    async def _finish(self, placed: PlacedCallback, event: str, result: str) -> None:
        async with placed.lock:
            await self._finish_locked(placed, event, result)

    async def _finish_locked(self, placed: PlacedCallback, event: str, result: str) -> None:
        """Tear everything down once and store where the callback stands."""
        if placed.finished:
            return
        placed.finished = True
        self.placing.pop(placed.callback_id, None)
        for channel_id in (placed.agent_channel_id, placed.customer_channel_id):
            if self.channels.release(channel_id, placed):
                await self.ops.run_best_effort(HangUp(channel_id))
        await self.ops.run_best_effort(DestroyBridge(placed.bridge_id))
        callback = await store.get(placed.tenant_id, placed.callback_id)
        state = ""
        if callback is not None and core.takes(callback.state, event):
            state, attempts = core.after(callback.state, event, callback.attempts)
            delay = core.retry_delay(callback.state, event) if state == core.SCHEDULED else None
            due = datetime.now(UTC) + delay if delay is not None else None
            await store.save_state(callback, state, attempts, result, due)
            await store.audit(placed.actor, "callback_ended", callback, result=result)
        await self.agents.release_after_callback(placed.agent, placed.was_ready)
        log.info("callback %s: %s (%s)", placed.callback_id, state or "gone", result)
        self._publish(placed, state)

    async def stop_all(self) -> None:
        for placed in list(self.placing.values()):
            await self._finish(placed, core.RESTARTED, "stopped")

    async def recover_after_restart(self) -> None:
        """Rows a stopped Hotline left in progress: settled by the table, and
        their agents ready again if the callback had paused them."""
        for callback in await store.in_states(core.IN_PROGRESS):
            if callback.id in self.placing:
                continue
            state, attempts = core.after(callback.state, core.RESTARTED, callback.attempts)
            await store.save_state(callback, state, attempts, "restarted")
            if self.agents.paused_for_callback(callback.agent):
                await self.agents.release_after_callback(callback.agent, was_ready=True)
            log.info("callback %s: %s after a restart", callback.id, state)

    def _publish(self, placed: PlacedCallback, state: str) -> None:
        self.bus.publish(
            "callback",
            state or "ended",
            callback_id=placed.callback_id,
            agent=placed.agent,
            number=placed.number,
        )


class AgentControl(Protocol):
    def agent_status(self, extension: str) -> dict[str, Any] | None: ...

    async def agent_action(
        self, extension: str, action: str, reason: str | None
    ) -> dict[str, Any]: ...


class AcdAgents:
    """The dialer's ``AgentPort`` on the adapter's agent states and actions."""

    def __init__(self, center: AgentControl) -> None:
        self.center = center

    def agent_state(self, extension: str) -> str | None:
        status = self.center.agent_status(extension)
        return None if status is None else str(status["state"])

    def paused_for_callback(self, extension: str) -> bool:
        status = self.center.agent_status(extension)
        return status is not None and (status["state"], status["reason"]) == (
            "not_ready",
            PAUSE_REASON,
        )

    async def hold_for_callback(self, extension: str) -> bool:
        was_ready = self.agent_state(extension) == "ready"
        if self.agent_state(extension) in ("ready", "not_ready"):
            # Not ready says why on the wallboard: "callback".
            await self.center.agent_action(extension, "pause", PAUSE_REASON)
        return was_ready

    async def release_after_callback(self, extension: str, was_ready: bool) -> None:
        if not was_ready or not self.paused_for_callback(extension):
            # Paused for another reason since, or logged out: theirs to keep.
            return
        try:
            await self.center.agent_action(extension, "ready", None)
        except HotlineError as error:
            log.warning("agent %s: not made ready after a callback: %s", extension, error)
