"""A caller handed from their agent to a flow (the desk's "transfer to a
flow"): composition glue between the ACD (which knows the call) and the
flow engine (which runs flows), so that neither imports the other.

The caller's current flow (waiting at its queue node) is closed and the
named flow of the queue's tenant runs on the channel from its start, with
the variables the caller already gave (an account number keyed earlier is
still there).  When it ends, the call's record is closed as answered (the
agent did answer it) unless the flow closed it itself, and the call's end
is published.
"""

from __future__ import annotations

import logging

from ari_apps.ivr import routes
from ari_apps.ivr import stasis as ivr_stasis
from ari_apps.ivr.runner import FlowRunner
from hotline import calls
from hotline.errors import InvalidRequest
from hotline.models import Queue

log = logging.getLogger(__name__)


class FlowHandOff:
    def __init__(self, host: ivr_stasis.FlowHost) -> None:
        self.host = host

    async def check(self, queue: str, flow: str) -> None:
        """InvalidRequest unless ``flow`` is a published flow of the queue's tenant."""
        if await self._route(queue, flow) is None:
            raise InvalidRequest(f"flow: no published flow {flow!r}", {"field": "target"})

    async def _route(self, queue: str, flow: str) -> tuple[routes.FlowRoute, int] | None:
        row = await Queue.get_or_none(name=queue)
        if row is None or not flow:
            return None
        tenant_id: int = row.tenant_id  # type: ignore[attr-defined]
        route = await routes.published_flow(flow, tenant_id)
        return None if route is None else (route, tenant_id)

    async def run(self, call_id: str, channel_id: str, queue: str, flow: str) -> bool:
        """Run ``flow`` on the caller; False when it cannot (the caller is then
        the caller's problem no longer: the ACD puts them back in the queue)."""
        found = await self._route(queue, flow)
        if found is None:
            return False
        route, tenant_id = found
        holder = self.host.channels.owner(channel_id)
        variables: dict[str, str] = {}
        if isinstance(holder, FlowRunner):
            variables = {k: str(v) for k, v in holder.session.variables.items()}
            self.host.channels.release(channel_id, holder)
            holder.close()
        elif holder is None:
            return False  # the caller is gone already

        async def over(runner: FlowRunner) -> None:
            self.host.channels.release(runner.channel_id, runner)
            # A flow that ended by itself (a hangup node, say) closed the
            # record already; a caller who hung up during it did not.
            if not await calls.is_closed(call_id):
                await calls.close_record(call_id, "answered")
            self.host.bus.publish("call", "ended", call_id=call_id, queue=queue)

        log.info("call %s: to the flow %r", call_id, flow)
        await ivr_stasis.continue_with_flow(
            self.host, channel_id, route.definition, variables, tenant_id=tenant_id, on_gone=over
        )
        return True
