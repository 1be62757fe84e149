"""Reconcile Asterisk's live channels with Hotline's persisted call state.

Runs on every (re)connect of the events websocket, before new events are
handled.  Asterisk keeps channels in our Stasis app while Hotline is down
(callers keep hearing MOH in their queue bridge), so after a crash or a
restart we adopt what is still there and clean only what is truly orphaned:

- a waiting caller whose channel is alive goes back into the ACD with their
  original join time, so nobody loses their place;
- a caller bridged to an agent keeps the bridge; the pair is tracked again,
  and an agent who had the caller on hold or was consulting is put back
  with them (a hold and a consultation live in the process only);
- a caller who was still in the IVR restarts the flow from its start (the
  flow position is not persisted);
- agent legs that were ringing (an offer in flight) are hung up: the caller
  is re-offered from the front of the queue;
- rows whose channel is gone, and our bridges no live call or session
  owns (queue, monitoring, consultation), are removed.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from ari_apps.acd.call_control import (
    CONSULT_BRIDGE_PREFIX,
    CONSULT_LEG_PREFIX,
    CONSULT_STASIS_KIND,
    TRANSFER_LEG_PREFIX,
    TRANSFER_STASIS_KIND,
)
from ari_apps.acd.events import CallerArrived, CallRestored
from ari_apps.acd.exceptions import AcdError
from ari_apps.acd.exits import EXIT_OVERFLOW
from ari_apps.acd.live import AgentLeg, QueuedCall, queue_bridge_id
from ari_apps.acd.services import AGENT_LEG_PREFIX, AcdService
from ari_apps.ari.errors import AriNotFound
from ari_apps.ari.events import AriEvent, parse_event
from ari_apps.executor import AddToBridge, CreateBridge, DestroyBridge, HangUp
from ari_apps.ivr import stasis as ivr_stasis
from ari_apps.monitoring.services import BRIDGE_PREFIX as MONITOR_BRIDGE_PREFIX
from ari_apps.monitoring.services import MonitorService
from ari_apps.recordings.services import CallRecorder
from hotline import calls
from hotline.models import CallRecord, ConnectedCall, WaitingCaller
from hotline.settings import Settings
from hotline.writer import WRITER


class ReconcileHost(ivr_stasis.FlowHost, Protocol):
    """What adoption after a restart needs of the call handling
    (``ari_apps.app.CallCenter`` is one): flows it restarts, and more."""

    settings: Settings
    acd: AcdService
    recorder: CallRecorder
    monitoring: MonitorService

    async def on_handler_error(self, event: AriEvent, exc: BaseException) -> None: ...


log = logging.getLogger(__name__)

# Legs Hotline rang that had not answered: in no Stasis app yet, so only
# the ids Hotline gave them tell them.
RINGING_LEG_PREFIXES = (AGENT_LEG_PREFIX, TRANSFER_LEG_PREFIX, CONSULT_LEG_PREFIX)


def stasis_args(channel: dict[str, Any], app: str) -> list[str] | None:
    """The Stasis() arguments of a channel in our app, or None if not ours."""
    dialplan = channel.get("dialplan") or {}
    if str(dialplan.get("app_name", "")).lower() != "stasis":
        return None
    parts = str(dialplan.get("app_data", "")).split(",")
    if not parts or parts[0] != app:
        return None
    return parts[1:]


def _transfer_target(
    members: list[str], channels: dict[str, dict[str, Any]], app: str
) -> str | None:
    """The extension's leg talking with a transferred caller in their bridge:
    a blind transfer's, or a completed consultation's."""
    for channel_id in members:
        args = stasis_args(channels.get(channel_id, {}), app) or [""]
        if args[0] in (TRANSFER_STASIS_KIND, CONSULT_STASIS_KIND):
            return channel_id
    return None


def _extension_of(channel: dict[str, Any]) -> str:
    """ "PJSIP/1002-0000001a" -> "1002"."""
    name = str(channel.get("name", ""))
    return name.partition("/")[2].rpartition("-")[0] or name


async def _hangup(center: ReconcileHost, channel_id: str) -> None:
    await center.ops.run_best_effort(HangUp(channel_id))


async def reconcile(center: ReconcileHost) -> None:
    ari = center.ari
    app = center.settings.ari_app
    # Rows the background writer still holds must be in the tables we read.
    await WRITER.flush()
    channels = {str(c["id"]): c for c in await ari.list_channels()}
    acd = center.acd
    now = time.time()

    # Forget in-memory calls whose channels vanished during an outage: their
    # owners (flows, agent legs, adopted callers) clean up as on a hang-up.
    await center.channels.forget_vanished(channels)
    for call_id in [c for c in acd.calls if acd.calls[c].channel_id not in channels]:
        await acd.caller_gone(call_id)

    # Which bridge each channel is in: an agent who had their caller on hold
    # (or was consulting) is not in the call's bridge.
    members_of = {
        str(bridge["id"]): [str(c) for c in bridge.get("channels", [])]
        for bridge in await ari.list_bridges()
    }
    bridge_of = {channel: bridge for bridge, members in members_of.items() for channel in members}

    # Connected pairs.
    for row in await ConnectedCall.all():
        caller_alive = row.call_id in channels
        agent_alive = row.agent_channel_id in channels
        if row.call_id in acd.calls:
            continue
        if caller_alive and agent_alive:
            leg = AgentLeg(
                row.agent_channel_id,
                row.call_id,
                row.agent_extension,
                row.agent_extension,
                row.queue,
                answered=True,
            )
            queued = QueuedCall(
                row.call_id,
                row.call_id,
                row.queue,
                row.bridge_id,
                channels[row.call_id].get("caller", {}).get("number", ""),
            )
            queued.connected_leg = leg
            acd.adopt_caller(queued)
            acd.track_leg(leg)
            try:
                await acd.handle_locked(
                    CallRestored(
                        now,
                        row.call_id,
                        row.agent_extension,
                        row.queue,
                        connected_at=row.answered_at,
                    )
                )
            except AcdError as exc:
                # The ACD cannot account for it (agent already busy): end the
                # call cleanly rather than let an agent carry two calls.
                log.warning("could not restore call %s in the ACD: %s", row.call_id, exc)
                acd.calls.pop(row.call_id, None)
                await acd.leg_gone(leg.channel_id, None)
                for channel_id in (row.call_id, row.agent_channel_id):
                    await _hangup(center, channel_id)
                await row.delete()
                await calls.close_record(row.call_id, "answered")
                continue
            log.info("adopted connected call %s with agent %s", row.call_id, row.agent_extension)
            await acd.control.rejoin_after_restart(queued, leg, bridge_of.get(row.agent_channel_id))
            continue
        for channel_id in (row.call_id, row.agent_channel_id):
            if channel_id in channels:
                await _hangup(center, channel_id)
        await row.delete()
        await calls.close_record(row.call_id, "answered")

    # Waiting callers, oldest first so the ACD sees them in queue order.
    for waiting in await WaitingCaller.all().order_by("joined_at"):
        if waiting.call_id in acd.calls:
            continue
        if waiting.call_id not in channels:
            await waiting.delete()
            await calls.close_record(waiting.call_id, "abandoned")
            continue
        bridge_id = queue_bridge_id(waiting.call_id)
        try:
            await ari.get_bridge(bridge_id)
        except AriNotFound:
            await center.ops.run(CreateBridge(bridge_id))
            await center.ops.run(AddToBridge(bridge_id, waiting.call_id))
        acd.adopt_caller(
            QueuedCall(
                waiting.call_id, waiting.call_id, waiting.queue, bridge_id, waiting.caller_id
            )
        )
        # A VIP's mark is asked again: the row keeps only the priority asked for.
        vip = await acd.caller_is_vip(waiting.queue, waiting.caller_id)
        try:
            await acd.handle_locked(
                CallerArrived(
                    now,
                    waiting.call_id,
                    waiting.queue,
                    waiting.priority,
                    waiting.caller_id,
                    joined_at=waiting.joined_at,
                    vip=vip,
                )
            )
        except AcdError as exc:
            # Their queue was deleted while Hotline was down: let them go
            # through the safe path rather than fail the whole reconnect.
            log.warning("could not re-queue caller %s: %s", waiting.call_id, exc)
            acd.hand_back(waiting.call_id, EXIT_OVERFLOW)
            continue
        log.info("adopted waiting caller %s in %s", waiting.call_id, waiting.queue)

    # Callers an agent had transferred to an extension: a transfer lives in
    # the process only.  Still in their queue bridge with no row, they must
    # not go through their flow again (a prompt played to a channel in a
    # bridge is dropped when it leaves it, and the flow would wait forever).
    for call_id, channel in channels.items():
        if call_id in center.channels or stasis_args(channel, app) is None:
            continue
        bridge_id = queue_bridge_id(call_id)
        if bridge_of.get(call_id) != bridge_id:
            continue
        record = await CallRecord.get_or_none(call_id=call_id)
        if record is None or not record.queue:
            continue
        queued = QueuedCall(
            call_id, call_id, record.queue, bridge_id, channel.get("caller", {}).get("number", "")
        )
        target = _transfer_target(members_of[bridge_id], channels, app)
        if target is not None:
            acd.adopt_transferred(queued, target, _extension_of(channels[target]))
        else:
            await acd.requeue_cut_transfer(queued)

    # Recordings of the conversations adopted above go on; the others are
    # finished (below) from what Asterisk kept.
    recording_snoops = await center.recorder.adopt(set(acd.calls), set(channels))

    # Channels in our app that no persisted state explains.
    for channel_id, channel in channels.items():
        args = stasis_args(channel, app)
        if args is None:
            if channel_id.startswith(RINGING_LEG_PREFIXES) and channel_id not in center.channels:
                log.info("hanging up orphaned ringing leg %s", channel_id)
                await _hangup(center, channel_id)
            continue
        if channel_id in center.channels or channel_id in recording_snoops:
            continue
        kind = args[0] if args else ""
        if kind == "inbound":
            log.info("adopting caller %s found in the IVR; restarting its flow", channel_id)
            event = parse_event(
                {"type": "StasisStart", "args": args, "channel": channel, "application": app}
            )
            await _restart_flow(center, event)
        else:
            # Ringing agent legs and feature-code calls from before the restart.
            log.info("hanging up orphaned %s channel %s", kind or "unknown", channel_id)
            await _hangup(center, channel_id)

    center.recorder.finish_unfinished()

    # Our queue bridges that no call owns any more, and supervisors'
    # monitoring bridges and agents' consultation bridges that did not
    # survive (a restart ends them; their phones were hung up above as
    # orphans).
    live_monitor_bridges = {
        s.bridge_id for s in center.monitoring.sessions.values() if s.bridge_id is not None
    }
    live_consult_bridges = acd.control.live_consult_bridges()

    def outlived(bridge_id: str) -> bool:
        if bridge_id.startswith("hl-q-"):
            call_id = bridge_id[len("hl-q-") :]
            return call_id not in acd.calls and not acd.control.holds(call_id)
        if bridge_id.startswith(MONITOR_BRIDGE_PREFIX):
            return bridge_id not in live_monitor_bridges
        if bridge_id.startswith(CONSULT_BRIDGE_PREFIX):
            return bridge_id not in live_consult_bridges
        return False  # not one of ours

    for bridge in await ari.list_bridges():
        bridge_id = str(bridge.get("id", ""))
        if outlived(bridge_id):
            await center.ops.run_best_effort(DestroyBridge(bridge_id))


async def _restart_flow(center: ReconcileHost, event: AriEvent) -> None:
    try:
        await ivr_stasis.start_inbound(center, event)
    except Exception:
        log.exception("could not restart the flow of %s", event.channel_id)
        await center.on_handler_error(event, RuntimeError("restart failed"))
