"""The demo's campaign: a water-outage notice (自动通知) to three numbers of
the sandbox's simulated PSTN, left as a draft for the visitor to start."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from hotline.models_campaigns import Campaign, CampaignContact
from hotline.settings import Settings

DEMO_CAMPAIGN: Final = "Water outage notice (demo)"
# A person, an answering machine and a busy line (README: the simulated PSTN).
DEMO_NUMBERS: Final = ("+8613800000010", "+8613800000021", "+8613800000032")


async def seed_demo_campaign(settings: Settings, *, tenant_id: int) -> None:
    """Created once; what the visitor does with it afterwards is left alone."""
    if await Campaign.exists(tenant_id=tenant_id, name=DEMO_CAMPAIGN):
        return
    campaign = await Campaign.create(
        tenant_id=tenant_id,
        name=DEMO_CAMPAIGN,
        kind="notification",
        message_prompt="sound:vm-intro",
        max_attempts=2,
        retry_delay_s=60,
        created_by="seed",
    )
    now = datetime.now(UTC)
    for index, phone in enumerate(DEMO_NUMBERS, start=1):
        await CampaignContact.create(
            tenant_id=tenant_id,
            campaign=campaign,
            phone=phone,
            name=f"Household {index}",
            custom_fields={"district": "Building 9", "hours": "08:00-12:00"},
            next_attempt_at=now,
            source="seed",
        )
