"""Agent feature codes dialled from SIP phones.

``*21`` login, ``*22`` logout, ``*23`` toggles pause with the default pause
reason, ``*23`` + a reason's digits (``*232``) pauses with that reason (see
``hotline/pause_reasons.py``).  The reason is looked up here, outside the
ACD's lock; the core only gets the reason string in its event.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, Protocol

from ari_apps.acd.call_control import CONSULT_STASIS_KIND, TRANSFER_STASIS_KIND
from ari_apps.acd.caller_options import parse_flow_options
from ari_apps.acd.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentPauseToggled,
    Event,
)
from ari_apps.acd.exceptions import AcdError
from ari_apps.acd.exits import QueueExit
from ari_apps.acd.services import AcdService
from ari_apps.ari.client import AriClient
from ari_apps.ari.events import PLAYBACK_FINISHED, AriEvent
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import Answer, ChannelOpsExecutor, HangUp, PlayMedia
from ari_apps.ivr.commands import EnterQueue
from ari_apps.ivr.events import QueueExited
from ari_apps.ivr.runner import FlowRunner
from ari_apps.stasis_routes import StasisStartHandler
from hotline.pause_reasons import phone_pause_reason
from hotline.tenancy import pjsip_endpoint_of


class FeatureCodeHost(Protocol):
    """What feature codes need of the call handling (``ari_apps.app.CallCenter``
    is one): declared here, so that this glue never imports what sits above."""

    ari: AriClient
    acd: AcdService
    channels: ChannelRegistry
    ops: ChannelOpsExecutor


log = logging.getLogger(__name__)

CONFIRMATIONS = {
    "agent-login": "sound:agent-loginok",
    "agent-logout": "sound:agent-loggedoff",
    "agent-toggle-pause": "sound:beep",
    "agent-pause": "sound:beep",
}


def agent_of(event: AriEvent) -> str | None:
    """The agent is the PJSIP endpoint the call came from, not its caller ID,
    which a phone can set to anything."""
    return pjsip_endpoint_of(event.channel_name)


async def acd_event_for(action: str, agent: str, digits: str | None) -> Event | None:
    """The ACD event a feature code asks for; None when it asks for nothing
    the ACD knows (an unknown action, or digits naming no active reason)."""
    if action == "agent-login":
        return AgentLoggedIn(time.time(), agent)
    if action == "agent-logout":
        return AgentLoggedOut(time.time(), agent)
    if action == "agent-toggle-pause":
        # Looked up even when the toggle will end the pause: the core decides
        # which way it goes, and ignores the reason then.
        reason = await phone_pause_reason(agent, None)
        return AgentPauseToggled(time.time(), agent, reason) if reason else None
    if action == "agent-pause" and digits:
        reason = await phone_pause_reason(agent, digits)
        return AgentNotReady(time.time(), agent, reason) if reason else None
    return None


async def start_feature(center: FeatureCodeHost, event: AriEvent) -> None:
    channel_id = event.channel_id or ""
    action = event.args[1] if len(event.args) > 1 else ""
    digits = event.args[2] if len(event.args) > 2 else None
    agent = agent_of(event)
    await center.ops.run(Answer(channel_id))
    acd_event = await acd_event_for(action, agent, digits) if agent else None
    media = "sound:beeperr"
    if agent and acd_event is not None:
        try:
            await center.acd.handle(acd_event)
            media = CONFIRMATIONS[action]
        except AcdError as exc:
            log.info("feature %s from %s refused: %s", action, agent, exc)
        else:
            if isinstance(acd_event, AgentNotReady):
                # As the API's pause does: a pause keyed during a call shows
                # only after wrap-up, and must survive a restart until then.
                center.acd.persist_pause_request(agent, paused=True, reason=acd_event.reason)
    center.channels.own(channel_id, FeatureCodeCall(center.ops, channel_id))
    await center.ops.run(PlayMedia(channel_id, (media,), f"hl-feature-{channel_id}"))


class FeatureCodeCall:
    """Owns a feature-code call while its confirmation plays, then hangs up."""

    feature = "acd.feature-code"

    def __init__(self, ops: ChannelOpsExecutor, channel_id: str) -> None:
        self.ops = ops
        self.call_id = channel_id

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.type == PLAYBACK_FINISHED:
            await self.ops.run_best_effort(HangUp(self.call_id))


class FlowQueueHandOff:
    """The ACD behind flows' queue nodes (``ari_apps.ivr.stasis.QueuePort``).

    The caller's flow keeps owning the channel while they wait and talk; the
    ACD tells the flow how they left, with everything the exit carries (a
    voicemail box too, which the generic exit handler cannot).
    """

    def __init__(self, acd: AcdService) -> None:
        self.acd = acd

    async def enter(self, runner: FlowRunner, command: EnterQueue) -> None:
        variables: dict[str, Any] = dict(runner.session.variables)
        # The node's parser already refused what the ACD cannot honour.
        options = parse_flow_options(command.options, command.max_wait_s)
        options = dataclasses.replace(options, offer_callback=command.offer_callback)

        async def left_queue(queue_exit: QueueExit) -> None:
            queue, priority, since = queue_exit.place or (None, 0, None)
            await runner.leave_queue(
                QueueExited(
                    queue_exit.outcome,
                    queue_exit.goto_node,
                    queue_exit.voicemail_box,
                    place_queue=queue,
                    place_priority=priority,
                    place_since=since,
                )
            )

        await self.acd.enqueue(
            runner.call_id,
            runner.channel_id,
            command.queue,
            command.priority,
            str(variables.get("caller_id", "")),
            command.joined_at,
            options=options,
            on_exit=left_queue,
        )

    async def leave_for_callback(self, runner: FlowRunner) -> None:
        await self.acd.caller_chose_callback(runner.call_id)

    def holds(self, call_id: str) -> bool:
        return call_id in self.acd.calls or self.acd.control.holds(call_id)

    async def caller_gone(self, call_id: str) -> None:
        await self.acd.caller_gone(call_id)


def stasis_claims(host: FeatureCodeHost) -> dict[str, StasisStartHandler]:
    """The Stasis kinds the ACD handles: an agent's leg answering (the ACD
    originates it with ``appArgs`` "agent") and the phones' feature codes."""

    async def agent_leg(event: AriEvent) -> None:
        await host.acd.leg_answered(event.channel_id or "")

    async def feature(event: AriEvent) -> None:
        await start_feature(host, event)

    async def transfer_target(event: AriEvent) -> None:
        await host.acd.control.target_answered(event)

    async def consult_target(event: AriEvent) -> None:
        await host.acd.control.consult_answered(event)

    return {
        "agent": agent_leg,
        "feature": feature,
        TRANSFER_STASIS_KIND: transfer_target,
        CONSULT_STASIS_KIND: consult_target,
    }
