"""The dialer's steps in the database: which contacts to call now, and what
an attempt's end means for its contact.

No telephony: ``stasis.CampaignDialer`` places the calls these choose and
reports their ends here.  Every step keeps a contact in exactly one of
pending, dialing or done, and every placed call has its attempt row first.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from tortoise.transactions import in_transaction

from ari_apps.campaigns import core, policy, store
from hotline.models_campaigns import Campaign, CampaignAttempt, CampaignContact
from hotline.row_checks import NOT_NULL, any_row

log = logging.getLogger(__name__)

# Every day, all day: a campaign without a call window.
ANY_TIME: Final = {
    "timezone": "UTC",
    "hours": [{"days": "mon-sun", "from": "00:00", "to": "24:00"}],
}
MACHINE_REASONS: Final = {"hang_up": "machine", "leave_message": "machine: message left"}
# Variables a flow always has (not answers).
_FLOW_BUILTINS: Final = frozenset({"call_id", "caller_id", "dialed_number", "language"})


def retry_policy(campaign: Campaign) -> policy.RetryPolicy:
    return rules_of(campaign.retry_policy, campaign.max_attempts, campaign.retry_delay_s)


def rules_of(stored: Any, max_attempts: int, retry_delay_s: int) -> policy.RetryPolicy:
    """The retry rules: ``retry_delay_s`` for every outcome unless the stored
    policy gives that outcome its own delay or maximum."""
    base: dict[str, Any] = {
        outcome: {"delay_seconds": max(1, retry_delay_s)} for outcome in policy.RETRYABLE
    }
    for outcome, rule in (stored or {}).items():
        if isinstance(rule, dict) and outcome in base:
            base[outcome] = {**base[outcome], **rule}
        elif outcome not in base:
            raise policy.PolicyInvalid(str(outcome), "is not a retried outcome")
    base["max_attempts"] = max_attempts
    return policy.parse_retry_policy(base)


def call_window(campaign: Campaign) -> policy.CallWindow:
    return policy.parse_call_window(campaign.call_window or ANY_TIME)


def media_uri(media: str) -> str:
    """A campaign's ``prompt:NAME`` is a catalogue prompt, as in flows."""
    if media.startswith("prompt:"):
        return "sound:hotline/" + media[len("prompt:") :]
    return media


async def flow_variables(attempt: CampaignAttempt, campaign: Campaign) -> dict[str, str]:
    """What the campaign's flow knows of the callee: the number, the campaign,
    and each of the contact's list fields whose name can be a variable."""
    contact = await CampaignContact.get(id=attempt.contact_id)  # type: ignore[attr-defined]
    variables = {
        "caller_id": attempt.phone,
        "dialed_number": attempt.phone,
        "campaign": campaign.name,
        "campaign_attempt": str(attempt.id),
    }
    for name, value in (contact.custom_fields or {}).items():
        if name.isidentifier() and name not in _FLOW_BUILTINS:
            variables[name] = str(value)
    return variables


def answers_of(final: Mapping[str, str], given: Mapping[str, str]) -> dict[str, str]:
    """The variables the flow set (a survey's answers): those it did not start with."""
    return {
        name: value
        for name, value in final.items()
        if name not in given and name not in _FLOW_BUILTINS
    }


async def start_scheduled(now: datetime) -> None:
    """Draft campaigns whose start time has come are running."""
    if not await any_row(Campaign, state=core.DRAFT, scheduled_start=NOT_NULL):
        return  # the dialer asks every second (hotline/row_checks.py)
    for campaign in await Campaign.filter(state=core.DRAFT, scheduled_start__lte=now):
        campaign.state = core.next_state(campaign.state, core.START)
        await campaign.save(update_fields=["state", "updated_at"])
        log.info("campaign %s: started on schedule", campaign.id)


async def next_calls(
    campaign: Campaign, room: int, now: datetime, contact_id: int | None = None
) -> list[CampaignAttempt]:
    """Up to ``room`` attempts to place now, each written before its call
    (``contact_id``: that contact only, a preview's).

    Contacts the checks stop (do not call, outside their window, done) get
    their row and next step here and take no room."""
    rules, window = retry_policy(campaign), call_window(campaign)
    global_dnc, own_dnc = await store.dnc_entries(campaign)
    global_list, own_list = policy.compile_dnc(global_dnc), policy.compile_dnc(own_dnc)
    attempts: list[CampaignAttempt] = []
    for contact in await store.due_contacts(campaign, now, room * 4, contact_id):
        if len(attempts) >= room:
            break
        if not await store.claim(contact):
            continue
        previous = await store.previous_outcomes(contact)
        check = policy.dial_time_check(
            rules,
            window,
            phone=contact.phone,
            contact_timezone=contact.timezone,
            previous=previous,
            now=now,
            global_dnc=global_list,
            campaign_dnc=own_list,
        )
        if check.verdict == policy.DIAL_NOW:
            channel_id = f"hl-ob-{campaign.id}-{contact.id}-{secrets.token_hex(3)}"
            attempts.append(await store.open_attempt(campaign, contact, channel_id, now))
            continue
        if check.verdict == policy.DNC:
            await store.not_dialled(
                campaign, contact, core.DNC, f"do not call: {check.reason}", now
            )
            await _contact_done(contact, core.DNC, core.DNC)
        elif check.verdict == policy.OUTSIDE_WINDOW:
            await store.not_dialled(
                campaign, contact, core.OUTSIDE_WINDOW, "outside the call window", now
            )
            await _contact_due(contact, core.OUTSIDE_WINDOW, check.retry_at)
        else:
            await _contact_done(contact, contact.last_outcome, check.reason)
    return attempts


async def finish_if_exhausted(campaign: Campaign) -> None:
    """A running campaign with nobody left to call (now or later) is finished."""
    if await store.contacts_in(campaign, store.PENDING) or await store.contacts_in(
        campaign, store.DIALING
    ):
        return
    fresh = await Campaign.get_or_none(id=campaign.id)
    if fresh is None or fresh.state != core.RUNNING:
        return
    fresh.state = core.next_state(fresh.state, core.EXHAUSTED)
    await fresh.save(update_fields=["state", "updated_at"])
    log.info("campaign %s: finished, every contact is done", campaign.id)


async def settle(
    campaign: Campaign,
    attempt: CampaignAttempt,
    outcome: str,
    now: datetime,
    *,
    detail: str = "",
    hangup_cause: int | None = None,
    answers: Mapping[str, str] | None = None,
    agent: str = "",
) -> None:
    """The attempt's end: its row, and its contact's next step by the rules."""
    contact = await CampaignContact.get(id=attempt.contact_id)  # type: ignore[attr-defined]
    previous = await store.previous_outcomes(contact)
    effective = outcome
    if outcome == core.MACHINE and campaign.machine_action != "retry":
        # Hung up on or left the message: a machine is not called again.
        effective = core.HUMAN
    decision = policy.after_attempt(
        retry_policy(campaign),
        effective,
        previous,
        now,
        window=call_window(campaign),
        contact_timezone=contact.timezone,
    )
    async with in_transaction():
        attempt.state = store.ATTEMPT_ENDED
        attempt.outcome = outcome
        attempt.ended_at = now
        attempt.detail = detail[:100]
        attempt.hangup_cause = hangup_cause
        attempt.answers = dict(answers or {})
        attempt.agent = agent[:32]
        await attempt.save(
            update_fields=[
                "state",
                "outcome",
                "ended_at",
                "detail",
                "hangup_cause",
                "answers",
                "agent",
            ]
        )
        if decision.done:
            reason = decision.reason
            if effective != outcome:
                reason = MACHINE_REASONS.get(campaign.machine_action, reason)
            await _contact_done(contact, outcome, reason)
        else:
            await _contact_due(contact, outcome, decision.retry_at)


async def settle_interrupted(exclude_channels: set[str]) -> int:
    """Attempts left open by a Hotline that stopped or was killed: an answered
    one ends as what it was found to be (the callee was reached), a ringing
    one as failed, so its contact is retried by the rules.  Returns how many."""
    settled = 0
    now = datetime.now(UTC)
    for attempt in await store.open_attempts():
        if attempt.channel_id in exclude_channels:
            continue
        campaign = await Campaign.get(id=attempt.campaign_id)  # type: ignore[attr-defined]
        if attempt.state == store.ATTEMPT_ANSWERED:
            outcome = core.answered_outcome(attempt.amd_status)
        else:
            outcome = core.FAILED
        await settle(campaign, attempt, outcome, now, detail="interrupted by a restart")
        settled += 1
    # A contact claimed in the instant before its attempt row: back to pending.
    async with in_transaction():
        for contact in await CampaignContact.filter(state=store.DIALING):
            if not await CampaignAttempt.filter(
                contact=contact, state__in=store.OPEN_ATTEMPT_STATES
            ).exists():
                contact.state = store.PENDING
                await contact.save(update_fields=["state", "updated_at"])
    if settled:
        log.info("campaigns: %d attempts interrupted by a restart settled", settled)
    return settled


async def _contact_done(contact: CampaignContact, outcome: str, reason: str) -> None:
    contact.state = store.DONE
    contact.last_outcome = outcome
    contact.final_reason = reason[:64]
    contact.next_attempt_at = None
    await contact.save(
        update_fields=["state", "last_outcome", "final_reason", "next_attempt_at", "updated_at"]
    )


async def _contact_due(contact: CampaignContact, outcome: str, when: datetime | None) -> None:
    contact.state = store.PENDING
    contact.last_outcome = outcome
    contact.next_attempt_at = when
    await contact.save(update_fields=["state", "last_outcome", "next_attempt_at", "updated_at"])
