"""Inbound calls entering Stasis: look up the DID, start the published flow."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import aiohttp

from ari_apps.ari.client import AriClient
from ari_apps.ari.events import AriEvent
from ari_apps.call_services import ServiceResult
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import Answer, ChannelOpsExecutor, SafeFallback
from ari_apps.ivr import routes
from ari_apps.ivr.commands import EnterQueue
from ari_apps.ivr.core import FlowSession
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.runner import FlowRunner
from ari_apps.stasis_routes import StasisStartHandler
from hotline import calls, tenancy
from hotline.bus import EventBus
from hotline.calendars import resolve_calendars


class QueuePort(Protocol):
    """Where a flow's queue node hands its caller (``EnterQueue``).

    Declared by the flow engine, implemented by the feature that runs queues
    (the ACD: ``ari_apps/acd/stasis.py``) and plugged in by the composition
    (``ari_apps/app.py``), so that flows never import the ACD.  The queue
    answers the runner with ``FlowRunner.leave_queue`` when the caller leaves.
    """

    async def enter(self, runner: FlowRunner, command: EnterQueue) -> None: ...

    async def leave_for_callback(self, runner: FlowRunner) -> None:
        """The caller asked for a call back keeping their place (a stale
        request, the caller already answered or gone, is ignored)."""

    def holds(self, call_id: str) -> bool:
        """Whether the call is still in a queue (waiting or with an agent)."""
        ...

    async def caller_gone(self, call_id: str) -> None: ...


class FlowHost(Protocol):
    """What running flows needs of the call handling (``ari_apps.app.CallCenter``
    is one): declared here, so that this glue never imports what sits above."""

    ari: AriClient
    http: aiohttp.ClientSession | None
    bus: EventBus
    channels: ChannelRegistry
    ops: ChannelOpsExecutor
    queues: QueuePort
    test_flows: dict[str, tuple[dict[str, Any], int]]

    async def start_service_call(
        self,
        channel_id: str,
        name: str,
        params: Mapping[str, Any],
        *,
        caller_id: str,
        record_did: str,
        tenant_id: int,
    ) -> None: ...

    async def run_call_service(
        self,
        channel_id: str,
        call_id: str,
        name: str,
        params: Mapping[str, Any],
        variables: Mapping[str, str],
        *,
        tenant_id: int | None = None,
    ) -> ServiceResult: ...


log = logging.getLogger(__name__)


async def start_test_flow(center: FlowHost, event: AriEvent) -> None:
    """A "test call" from the flow editor answered: run the draft on it."""
    channel_id = event.channel_id or ""
    pending = center.test_flows.pop(channel_id, None)
    if pending is None:
        await center.ops.run(SafeFallback(channel_id))
        return
    # The tested flow's tenant: its record, and its http_lookup allow-list.
    definition, tenant_id = pending
    await calls.open_record(
        channel_id, did="test", caller_id="", tenant_id=tenant_id, flow_version_id=None
    )
    resolved = await resolve_calendars(definition, tenant_id=tenant_id)
    resolved = await routes.without_foreign_prompts(resolved, tenant_id, "tested draft")
    await _run_flow(
        center,
        channel_id,
        FlowDefinition.from_json(resolved),
        "test",
        "",
        event.channel_state,
        tenant_id=tenant_id,
    )


async def start_inbound(center: FlowHost, event: AriEvent) -> None:
    channel_id = event.channel_id or ""
    did = event.args[1] if len(event.args) > 1 else ""
    caller_id = event.caller_number or ""
    route = await routes.route_for(did)
    if isinstance(route, routes.FaxRoute):
        # ReceiveFAX runs in the dialplan; the fax.receive service hands it over.
        await center.start_service_call(
            channel_id,
            "fax.receive",
            {"did": did},
            caller_id=caller_id,
            record_did=did,
            tenant_id=await tenancy.tenant_of_call(caller_endpoint=None, dialled=did),
        )
        return
    if route is None:
        log.warning("call %s to %s: no published flow for this DID", channel_id, did)
        await center.ops.run(SafeFallback(channel_id))
        return
    await calls.open_record(
        channel_id,
        did=did,
        caller_id=caller_id,
        tenant_id=route.tenant_id,
        flow_version_id=route.version_id,
    )
    await _run_flow(
        center,
        channel_id,
        route.definition,
        did,
        caller_id,
        event.channel_state,
        tenant_id=route.tenant_id,
    )


async def _run_flow(
    center: FlowHost,
    channel_id: str,
    definition: FlowDefinition,
    did: str,
    caller_id: str,
    channel_state: str | None,
    tenant_id: int | None = None,
) -> None:
    runner = _runner(
        center,
        channel_id,
        definition,
        {"caller_id": caller_id, "dialed_number": did, "language": "en"},
        tenant_id,
        lambda gone: caller_gone(center, gone),
    )
    center.channels.own(channel_id, runner)
    center.bus.publish("call", "entered", call_id=channel_id, did=did, caller_id=caller_id)
    if channel_state != "Up":
        # The app answers, not [from-pstn]: a digit pressed before the flow
        # runs would be lost.  A channel that arrives answered (a test call
        # the admin's phone picked up, a dialplan of one's own) needs no answer.
        await center.ops.run(Answer(channel_id))
    await runner.start()


async def continue_with_flow(
    center: FlowHost,
    channel_id: str,
    definition: FlowDefinition,
    variables: Mapping[str, str],
    *,
    tenant_id: int | None,
    on_gone: Callable[[FlowRunner], Awaitable[None]],
) -> FlowRunner:
    """Run another flow on a channel of ours that is already up (a caller
    whose agent hung up, sent to the post-call survey).  Whoever held the
    channel must have released it; ``on_gone`` hears the end instead of the
    usual call-record close (the call's record is already closed)."""
    runner = _runner(center, channel_id, definition, variables, tenant_id, on_gone)
    center.channels.own(channel_id, runner)
    await runner.start()
    return runner


def _runner(
    center: FlowHost,
    channel_id: str,
    definition: FlowDefinition,
    variables: Mapping[str, str],
    tenant_id: int | None,
    on_gone: Callable[[FlowRunner], Awaitable[None]],
) -> FlowRunner:
    session = FlowSession(definition, channel_id, variables)
    assert center.http is not None
    return FlowRunner(
        center.ari,
        session,
        channel_id,
        http=center.http,
        on_enter_queue=center.queues.enter,
        on_call_service=lambda r, cmd: center.run_call_service(
            r.channel_id,
            r.call_id,
            cmd.service,
            cmd.params,
            r.session.variables,
            tenant_id=r.tenant_id,
        ),
        on_gone=on_gone,
        on_callback_requested=center.queues.leave_for_callback,
        tenant_id=tenant_id,
        ops=center.ops,
    )


async def caller_gone(center: FlowHost, runner: FlowRunner) -> None:
    """The caller's channel left: end the flow, and their queue visit if any.

    Safe to call twice (StasisEnd, then ChannelDestroyed; a reconcile that
    finds the channel gone): only the call that still owned it counts.
    """
    if not center.channels.release(runner.channel_id, runner):
        return
    runner.close()
    if center.queues.holds(runner.call_id):
        await center.queues.caller_gone(runner.call_id)
    else:
        await calls.close_record(runner.call_id, "abandoned_in_ivr")
    center.bus.publish("call", "ended", call_id=runner.call_id)


def stasis_claims(host: FlowHost) -> dict[str, StasisStartHandler]:
    """The Stasis kinds flows handle: calls to a DID (the dialplan's
    ``Stasis(hotline,inbound,<DID>)``) and the flow editor's test calls."""

    async def inbound(event: AriEvent) -> None:
        await start_inbound(host, event)

    async def test_flow(event: AriEvent) -> None:
        await start_test_flow(host, event)

    return {"inbound": inbound, "test-flow": test_flow}
