"""The live calls the ACD holds: callers in their queue bridges, agent legs,
and the ACD's holds on those channels in the adapter's registry
(``ari_apps/channels.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ari_apps.acd.exits import QueueExit
from ari_apps.ari.events import AriEvent

# Told how one caller left (enqueue's on_exit): whoever put them in the queue.
QueueExitListener = Callable[[QueueExit], Awaitable[None]]


class LegEnds(Protocol):
    async def leg_gone(self, channel_id: str, cause: int | None) -> None: ...


class CallerEnds(Protocol):
    async def caller_gone(self, call_id: str) -> None: ...


def queue_bridge_id(call_id: str) -> str:
    # Deterministic, so a restarted Hotline finds the caller's bridge again.
    return f"hl-q-{call_id}"


@dataclass
class AgentLeg:
    channel_id: str
    call_id: str
    agent_id: str
    extension: str
    queue: str
    answered: bool = False


@dataclass
class QueuedCall:
    call_id: str
    channel_id: str
    queue: str
    bridge_id: str
    caller_id: str
    connected_leg: AgentLeg | None = None
    announcements: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # None for callers adopted after a restart: the global handler takes them.
    on_exit: QueueExitListener | None = None


class AgentLegHold:
    """The ACD's hold on an agent leg in the adapter's channel registry."""

    feature = "acd.leg"

    def __init__(self, service: LegEnds, leg: AgentLeg) -> None:
        self.service = service
        self.leg = leg

    @property
    def call_id(self) -> str:
        return self.leg.call_id

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            await self.service.leg_gone(self.leg.channel_id, event.cause)


class AdoptedCallerHold:
    """The ACD's hold on a caller adopted after a restart whose flow did not
    survive it; a caller who came through a flow is held by the flow."""

    feature = "acd.caller"

    def __init__(self, service: CallerEnds, call_id: str) -> None:
        self.service = service
        self.call_id = call_id

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            await self.service.caller_gone(self.call_id)
