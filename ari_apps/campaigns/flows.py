"""A campaign's answered call enters its flow at the campaign's entry node
(自动任务转接入口): a survey's questions, a notice that speaks the contact's
fields.  The dialer's ``FlowPort`` on the flow engine."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from ari_apps.campaigns.agent_pacing import QueueSnapshot
from ari_apps.campaigns.stasis import (
    ABANDON_MESSAGE,
    ABANDON_NODE,
    CONNECT_WITHIN_S,
    FlowDone,
    FlowEnd,
)
from ari_apps.ivr import routes
from ari_apps.ivr import stasis as ivr_stasis
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.runner import FlowRunner
from hotline import calls
from hotline.errors import HotlineError
from hotline.models import CallRecord

# An agent campaign's person waits first in the queue (this priority), at
# most CONNECT_WITHIN_S, then hears the abandon message.
AGENT_CAMPAIGN_PRIORITY = 1000

log = logging.getLogger(__name__)


class QueueStatusSource(Protocol):
    def queue_status(self, name: str) -> dict[str, Any] | None: ...

    def agent_status(self, extension: str) -> dict[str, Any] | None: ...


class CampaignAgents:
    """The dialer's ``QueueAgents`` on the ACD's live queue and agent status."""

    def __init__(self, center: QueueStatusSource) -> None:
        self.center = center

    def snapshot(self, queue: str) -> QueueSnapshot:
        status = self.center.queue_status(queue)
        if status is None:
            return QueueSnapshot(frozenset(), {}, 0)
        by_state = status["agents_by_state"]
        # A ready agent whose phone is not registered is offered nothing.
        ready = frozenset(by_state.get("ready", ())) - set(status["unregistered_agents"])
        connected: dict[str, str] = {}
        for agent in by_state.get("on_call", ()):
            agent_status = self.center.agent_status(agent)
            if agent_status is not None and agent_status.get("connected_call_id"):
                connected[str(agent_status["connected_call_id"])] = agent
        return QueueSnapshot(ready, connected, len(status["waiting"]))


class AgentControl(Protocol):
    def agent_status(self, extension: str) -> dict[str, Any] | None: ...

    async def agent_action(
        self, extension: str, action: str, reason: str | None
    ) -> dict[str, Any]: ...


class PreviewAgents:
    """The dialer's ``AgentHolds`` (``preview.py``) on the adapter's agent
    states and actions: not ready while a preview call is placed."""

    def __init__(self, center: AgentControl) -> None:
        self.center = center

    def agent_state(self, extension: str) -> str | None:
        status = self.center.agent_status(extension)
        return None if status is None else str(status["state"])

    async def hold(self, extension: str, reason: str) -> bool:
        was_ready = self.agent_state(extension) == "ready"
        # Not ready says why on the wallboard ("preview").
        await self.center.agent_action(extension, "pause", reason)
        return was_ready

    async def release(self, extension: str, reason: str, was_ready: bool) -> None:
        status = self.center.agent_status(extension)
        if (
            not was_ready
            or status is None
            or (status["state"], status["reason"])
            != (
                "not_ready",
                reason,
            )
        ):
            return  # paused for another reason since, or logged out: theirs to keep
        try:
            await self.center.agent_action(extension, "ready", None)
        except HotlineError as error:
            log.warning("agent %s: not made ready after a preview call: %s", extension, error)


class CampaignFlows:
    def __init__(self, host: ivr_stasis.FlowHost) -> None:
        self.host = host

    async def run_flow(
        self,
        channel_id: str,
        tenant_id: int,
        flow: str,
        entry_node: str,
        variables: Mapping[str, str],
        on_done: FlowDone,
    ) -> bool:
        route = await routes.published_flow(flow, tenant_id)
        if route is None:
            log.warning("campaign call %s: flow %r has no published version", channel_id, flow)
            return False
        definition = route.definition
        if entry_node:
            if entry_node not in definition.nodes:
                log.warning(
                    "campaign call %s: flow %r has no node %r", channel_id, flow, entry_node
                )
                return False
            definition = dataclasses.replace(definition, start=entry_node)
        # The flow's timeline (nodes, keys, the end) belongs to a call record,
        # as an inbound call's does: /calls keeps the survey's call.
        await _open_record(channel_id, tenant_id, variables)

        async def flow_over(runner: FlowRunner) -> None:
            if not self.host.channels.release(runner.channel_id, runner):
                return  # heard twice (StasisEnd, then ChannelDestroyed)
            runner.close()
            await _close_record(channel_id)
            await on_done(FlowEnd(runner.session.variables, runner.session.current_node))

        await ivr_stasis.continue_with_flow(
            self.host, channel_id, definition, variables, tenant_id=tenant_id, on_gone=flow_over
        )
        return True

    async def run_queue(
        self,
        channel_id: str,
        tenant_id: int,
        queue: str,
        variables: Mapping[str, str],
        on_done: FlowDone,
    ) -> bool:
        """The ACD's queue node on a flow of two nodes, made here: the queue
        (first in line, for at most ``CONNECT_WITHIN_S``) and the abandon
        message.  The call gets a call record as an inbound one does, so the
        agent's desk pops it (number dialled: ``campaign``) and /calls keeps it."""
        definition = FlowDefinition.from_json(
            {
                "start": "agent",
                "nodes": {
                    "agent": {
                        "kind": "queue",
                        "queue": queue,
                        "priority": AGENT_CAMPAIGN_PRIORITY,
                        "max_wait_s": CONNECT_WITHIN_S,
                        "on_timeout": ABANDON_NODE,
                        "on_overflow": ABANDON_NODE,
                    },
                    ABANDON_NODE: {
                        "kind": "hangup",
                        "media": list(ABANDON_MESSAGE),
                        "reason": "campaign_abandoned",
                    },
                },
            }
        )
        await _open_record(channel_id, tenant_id, variables)

        async def call_over(runner: FlowRunner) -> None:
            if not self.host.channels.release(runner.channel_id, runner):
                return
            runner.close()
            # As for any caller (ivr_stasis.caller_gone): the ACD ends their
            # queue visit or conversation, hanging up the agent's leg.
            if self.host.queues.holds(runner.call_id):
                await self.host.queues.caller_gone(runner.call_id)
            await _close_record(channel_id)
            record = await CallRecord.get_or_none(call_id=channel_id)
            agent = record.agent_extension if record is not None else None
            await on_done(FlowEnd(runner.session.variables, runner.session.current_node, agent))

        await ivr_stasis.continue_with_flow(
            self.host, channel_id, definition, variables, tenant_id=tenant_id, on_gone=call_over
        )
        return True


async def _open_record(channel_id: str, tenant_id: int, variables: Mapping[str, str]) -> None:
    """A campaign call's record: number dialled ``campaign``."""
    await calls.open_record(
        channel_id,
        did="campaign",
        caller_id=variables.get("caller_id", ""),
        tenant_id=tenant_id,
        flow_version_id=None,
    )


async def _close_record(channel_id: str) -> None:
    if not await calls.is_closed(channel_id):
        await calls.close_record(channel_id, "campaign_call_ended")
    await calls.flush()
