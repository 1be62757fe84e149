"""Call services: features that borrow a caller's channel (voicemail, fax, ...).

A flow node asks for one with the RunCallService command; a dialplan line
``Stasis(hotline,service,<name>[,arg...])`` starts one directly on a channel
(feature codes, fax DIDs).  The service then talks to the caller itself
through ``CallServiceContext`` (ARI requests plus the channel's events, in
order) and returns a ``ServiceResult``; the flow continues on its outcome.

Services register by name on import, like node kinds; ``PLUGIN_MODULES``
lists the feature packages that provide them.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from ari_apps.ari.client import AriClient
from ari_apps.ari.events import AriEvent
from ari_apps.executor import ChannelOpsExecutor
from hotline.bus import EventBus
from hotline.settings import Settings

# Outcome every caller of a service must handle: the service raised or timed out.
OUTCOME_FAILED: Final = "failed"


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """How a service gave the channel back.

    ``handed_off`` means the channel left Stasis for the dialplan (SendFAX,
    for instance): the flow ends there and nobody may touch the channel.
    """

    outcome: str
    variables: Mapping[str, str] = field(default_factory=dict)
    handed_off: bool = False


class CallServiceContext:
    """One channel lent to one service: ARI access and the channel's events."""

    def __init__(
        self,
        *,
        ari: AriClient,
        settings: Settings,
        bus: EventBus,
        call_id: str,
        channel_id: str,
        variables: Mapping[str, str],
        tenant_id: int | None = None,
    ) -> None:
        self.ari = ari
        # Channel operations go through the adapter's one executor.
        self.ops = ChannelOpsExecutor(ari)
        # The tenant of the flow that lent the channel; None without a flow.
        self.tenant_id = tenant_id
        self.settings = settings
        self.bus = bus
        self.call_id = call_id
        self.channel_id = channel_id
        self.variables = dict(variables)
        self.hung_up = False
        self._events: asyncio.Queue[AriEvent] = asyncio.Queue()

    @property
    def caller_id(self) -> str:
        return self.variables.get("caller_id", "")

    @property
    def language(self) -> str:
        return self.variables.get("language", "en")

    def deliver(self, event: AriEvent) -> None:
        """Called by the adapter for every event of this channel, in order."""
        if event.is_channel_final:
            self.hung_up = True
        self._events.put_nowait(event)

    async def next_event(self, timeout_s: float | None = None) -> AriEvent | None:
        """The channel's next event, or None when ``timeout_s`` passes first."""
        try:
            return await asyncio.wait_for(self._events.get(), timeout_s)
        except TimeoutError:
            return None


class CallService(Protocol):
    name: str

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult: ...


CALL_SERVICES: dict[str, CallService] = {}


def register_call_service(service: CallService) -> CallService:
    existing = CALL_SERVICES.get(service.name)
    if existing is not None and existing is not service:
        raise ValueError(f"call service {service.name!r} is already registered")
    CALL_SERVICES[service.name] = service
    return service


# Feature packages whose import registers call services.
PLUGIN_MODULES: Final[tuple[str, ...]] = (
    "ari_apps.callbacks.keep_place",
    "ari_apps.campaigns.calls",
    "ari_apps.cases.calls",
    "ari_apps.customers.calls",
    "ari_apps.knowledge.calls",
    "fax.calls",
    "vm.calls",
    "vm.access",
)


def load_call_services() -> dict[str, CallService]:
    for module in PLUGIN_MODULES:
        importlib.import_module(module)
    return CALL_SERVICES
