"""Preview dialling: the agent sees the next contact and clicks to call.

Agent first, as callbacks do: the agent's phone rings (Stasis kind
``campaign-preview``) and, once they answer, hears ringing in a bridge of
their own while the contact is dialled like every campaign call (its
attempt row first, the same outcomes from the far half's cause, the same
restart recovery; ``stasis.CampaignDialer``).  A person who answers joins
the agent's bridge at once: there is nobody to wait for, so a preview call
is never abandoned, and no answering-machine detection runs (the agent
hears the machine and hangs up).

Meanwhile the agent is not ready with the reason "preview", so the ACD
offers them no queue call; afterwards they are ready again if they were.
Whoever hangs up first ends both legs.  An agent who does not answer
costs the contact nothing: no attempt is written until they do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ari_apps.ari.events import AriEvent
from hotline.models_campaigns import Campaign, CampaignAttempt

log = logging.getLogger(__name__)

STASIS_KIND: Final = "campaign-preview"
PAUSE_REASON: Final = "preview"
RING_AGENT_S: Final = 20
# The agent's states from which they may place a preview call.
PLACEABLE_STATES: Final = frozenset({"ready", "not_ready"})


class AgentHolds(Protocol):
    """What preview needs of the ACD's agents (plugged in by the composition)."""

    def agent_state(self, extension: str) -> str | None:
        """ "ready", "on_call", ...; None when not an agent."""

    async def hold(self, extension: str, reason: str) -> bool:
        """Not ready with ``reason``; True if they were ready."""

    async def release(self, extension: str, reason: str, was_ready: bool) -> None:
        """Ready again if they were, unless paused since for another reason."""


class PreviewEnds(Protocol):
    """The dialer (``stasis.CampaignDialer``), as a preview's agent leg reports its end."""

    async def preview_agent_gone(self, preview: PreviewCall) -> None: ...


class DialledContact(Protocol):
    """The contact's call (``stasis.OutboundCall``), as far as a preview needs it."""

    attempt: CampaignAttempt
    channel_id: str
    settled: bool


@dataclass
class PreviewCall:
    """One preview call; owns the agent's leg in the adapter's registry."""

    dialer: PreviewEnds
    campaign: Campaign
    contact_id: int
    phone: str
    agent: str
    token: str
    was_ready: bool = False
    bridged: bool = False
    outbound: DialledContact | None = None
    finished: bool = False

    @property
    def feature(self) -> str:
        return "campaign.preview"

    @property
    def call_id(self) -> str:
        return self.agent_channel_id

    @property
    def agent_channel_id(self) -> str:
        return f"hl-cpa-{self.campaign.id}-{self.contact_id}-{self.token}"

    @property
    def bridge_id(self) -> str:
        return f"hl-cpb-{self.campaign.id}-{self.contact_id}-{self.token}"

    @property
    def ringback_id(self) -> str:
        return f"hl-cpr-{self.campaign.id}-{self.contact_id}-{self.token}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign.id,
            "contact_id": self.contact_id,
            "phone": self.phone,
            "agent": self.agent,
            "attempt_id": self.outbound.attempt.id if self.outbound else None,
        }

    async def on_channel_event(self, event: AriEvent) -> None:
        if event.is_channel_final:
            await self.dialer.preview_agent_gone(self)
