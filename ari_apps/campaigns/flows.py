"""A campaign's answered call enters its flow at the campaign's entry node
(自动任务转接入口): a survey's questions, a notice that speaks the contact's
fields.  The dialer's ``FlowPort`` on the flow engine."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from ari_apps.campaigns.stasis import FlowDone
from ari_apps.ivr import routes
from ari_apps.ivr import stasis as ivr_stasis
from ari_apps.ivr.runner import FlowRunner

log = logging.getLogger(__name__)


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

        async def flow_over(runner: FlowRunner) -> None:
            if not self.host.channels.release(runner.channel_id, runner):
                return  # heard twice (StasisEnd, then ChannelDestroyed)
            runner.close()
            await on_done(runner.session.variables)

        await ivr_stasis.continue_with_flow(
            self.host, channel_id, definition, variables, tenant_id=tenant_id, on_gone=flow_over
        )
        return True
