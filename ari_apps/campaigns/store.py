"""Campaigns, their contacts and attempts in the database, and their audit rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from ari_apps.campaigns import core
from hotline import audit_trail
from hotline.center import Actor
from hotline.models_campaigns import Campaign, CampaignAttempt, CampaignContact, DncNumber
from hotline.row_checks import any_row
from hotline.tenancy import scoped

PENDING = "pending"
DIALING = "dialing"
DONE = "done"
ATTEMPT_DIALING = "dialing"
ATTEMPT_ANSWERED = "answered"
ATTEMPT_ENDED = "ended"
OPEN_ATTEMPT_STATES = (ATTEMPT_DIALING, ATTEMPT_ANSWERED)


def campaign_dict(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "kind": campaign.kind,
        "state": campaign.state,
        "message_prompt": campaign.message_prompt,
        "flow": campaign.flow,
        "entry_node": campaign.entry_node,
        "queue": campaign.queue,
        "caller_id": campaign.caller_id,
        "max_attempts": campaign.max_attempts,
        "retry_delay_s": campaign.retry_delay_s,
        "retry_policy": campaign.retry_policy,
        "call_window": campaign.call_window,
        "amd_enabled": campaign.amd_enabled,
        "amd_params": campaign.amd_params,
        "machine_action": campaign.machine_action,
        "machine_message_prompt": campaign.machine_message_prompt,
        "max_concurrent": campaign.max_concurrent,
        "calls_per_second": campaign.calls_per_second,
        "ring_timeout_s": campaign.ring_timeout_s,
        "abandon_cap_pct": campaign.abandon_cap_pct,
        "country": campaign.country,
        "scheduled_start": (
            campaign.scheduled_start.isoformat() if campaign.scheduled_start else None
        ),
        "created_by": campaign.created_by,
    }


def contact_dict(contact: CampaignContact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "phone": contact.phone,
        "name": contact.name,
        "timezone": contact.timezone,
        "priority": contact.priority,
        "fields": contact.custom_fields,
        "state": contact.state,
        "attempts": contact.attempts,
        "last_outcome": contact.last_outcome,
        "final_reason": contact.final_reason,
        "next_attempt_at": (
            contact.next_attempt_at.isoformat() if contact.next_attempt_at else None
        ),
        "source": contact.source,
    }


def attempt_dict(attempt: CampaignAttempt) -> dict[str, Any]:
    def seconds(start: datetime | None, end: datetime | None) -> float | None:
        return round((end - start).total_seconds(), 1) if start and end else None

    return {
        "id": attempt.id,
        "contact_id": attempt.contact_id,  # type: ignore[attr-defined]
        "phone": attempt.phone,
        "number": attempt.number,
        "state": attempt.state,
        "outcome": attempt.outcome,
        "amd_status": attempt.amd_status,
        "amd_cause": attempt.amd_cause,
        "hangup_cause": attempt.hangup_cause,
        "detail": attempt.detail,
        "agent": attempt.agent,
        "answers": attempt.answers,
        "started_at": attempt.started_at.isoformat(),
        "answered_at": attempt.answered_at.isoformat() if attempt.answered_at else None,
        "ended_at": attempt.ended_at.isoformat() if attempt.ended_at else None,
        "ring_s": seconds(attempt.started_at, attempt.answered_at or attempt.ended_at),
        "talk_s": seconds(attempt.answered_at, attempt.ended_at),
    }


async def audit(actor: Actor, action: str, campaign: Campaign, **facts: Any) -> None:
    after = {"name": campaign.name, "state": campaign.state, **facts}
    await audit_trail.record(
        actor, action, "campaign", str(campaign.id), after, tenant_id=campaign.tenant_id
    )


async def get(tenant_id: int, campaign_id: int) -> Campaign | None:
    return await scoped(Campaign, tenant_id).get_or_none(id=campaign_id)


async def listed(tenant_id: int) -> list[Campaign]:
    return list(await scoped(Campaign, tenant_id).order_by("-id"))


async def running_campaigns() -> list[Campaign]:
    """Every tenant's running campaigns: the dialer's work list."""
    if not await any_row(Campaign, state=core.RUNNING):
        return []  # the dialer asks every second (hotline/row_checks.py)
    return list(await Campaign.filter(state=core.RUNNING).order_by("id"))


async def existing_phones(campaign: Campaign) -> set[str]:
    return set(await CampaignContact.filter(campaign=campaign).values_list("phone", flat=True))  # type: ignore[arg-type]


async def dnc_entries(campaign: Campaign) -> tuple[list[str], list[str]]:
    """(the tenant's global list, the campaign's own)."""
    rows = await DncNumber.filter(tenant_id=campaign.tenant_id).values_list("phone", "campaign_id")
    global_list = [str(phone) for phone, owner in rows if owner is None]
    own = [str(phone) for phone, owner in rows if owner == campaign.id]
    return global_list, own


async def previous_outcomes(contact: CampaignContact) -> list[str]:
    return [
        str(outcome)
        for outcome in await CampaignAttempt.filter(contact=contact, state=ATTEMPT_ENDED)
        .order_by("id")
        .values_list("outcome", flat=True)
    ]


async def due_contacts(
    campaign: Campaign, now: datetime, limit: int, contact_id: int | None = None
) -> list[CampaignContact]:
    """Pending contacts due now, the highest priority first, then the oldest
    (``contact_id``: that one only, if it is)."""
    query = CampaignContact.filter(campaign=campaign, state=PENDING, next_attempt_at__lte=now)
    if contact_id is not None:
        query = query.filter(id=contact_id)
    return list(await query.order_by("-priority", "next_attempt_at", "id").limit(limit))


async def claim(contact: CampaignContact) -> bool:
    """Pending → dialing, only if still pending: never two calls at once."""
    updated = await CampaignContact.filter(id=contact.id, state=PENDING).update(state=DIALING)
    return bool(updated)


async def open_attempt(
    campaign: Campaign, contact: CampaignContact, channel_id: str, now: datetime
) -> CampaignAttempt:
    """The attempt's row, written before the call is placed (one transaction
    with the contact's count, so a kill leaves both or neither)."""
    async with in_transaction():
        contact.attempts += 1
        await contact.save(update_fields=["attempts", "updated_at"])
        return await CampaignAttempt.create(
            tenant_id=campaign.tenant_id,
            campaign=campaign,
            contact=contact,
            phone=contact.phone,
            number=contact.attempts,
            channel_id=channel_id,
            state=ATTEMPT_DIALING,
            started_at=now,
        )


async def not_dialled(
    campaign: Campaign, contact: CampaignContact, outcome: str, detail: str, now: datetime
) -> CampaignAttempt:
    """A row for a contact the checks stopped before dialling (dnc, outside window)."""
    return await CampaignAttempt.create(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        contact=contact,
        phone=contact.phone,
        number=contact.attempts,
        channel_id=None,
        state=ATTEMPT_ENDED,
        outcome=outcome,
        detail=detail[:100],
        started_at=now,
        ended_at=now,
    )


async def mark_answered(attempt: CampaignAttempt, now: datetime) -> None:
    attempt.state = ATTEMPT_ANSWERED
    attempt.answered_at = now
    await attempt.save(update_fields=["state", "answered_at"])


async def save_detection(attempt: CampaignAttempt, status: str, cause: str) -> None:
    attempt.amd_status = status[:16]
    attempt.amd_cause = cause[:64]
    await attempt.save(update_fields=["amd_status", "amd_cause"])


async def open_attempts() -> list[CampaignAttempt]:
    """Every tenant's attempts still dialling or answered: after a restart, settled."""
    return list(await CampaignAttempt.filter(state__in=OPEN_ATTEMPT_STATES).order_by("id"))


async def contacts_in(campaign: Campaign, state: str) -> int:
    return await CampaignContact.filter(campaign=campaign, state=state).count()
