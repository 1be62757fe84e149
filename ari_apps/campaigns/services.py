"""Campaigns (外呼任务): create, control, fill with contacts, and read results.

No telephony here: the admin pages and the API reach these use cases, and
the dialer (``stasis.CampaignDialer``) picks up a running campaign on its
next tick.  Every change is audited with who asked and from where.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from tortoise.exceptions import IntegrityError

from ari_apps.campaigns import contacts_import, core, dialing, policy, store
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models import AuditEntry
from hotline.models_campaigns import Campaign, CampaignAttempt, CampaignContact, DncNumber
from hotline.tenancy import scoped

MIN_RING_TIMEOUT_S: Final = 15
MAX_NAME: Final = 100
_MEDIA_SCHEMES: Final = ("sound:", "prompt:")
# The abandon rate's rolling window (METRICS.md, Outbound: the FTC 3 % rule).
ABANDON_WINDOW: Final = timedelta(days=30)


def _int(data: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    raw = data.get(name, default)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidRequest(f"{name}: give a whole number", {"field": name})
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"{name}: {raw!r} is not a whole number", {"field": name}) from None
    if not low <= value <= high:
        raise InvalidRequest(f"{name}: must be from {low} to {high}", {"field": name})
    return value


def _float(data: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    raw = data.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidRequest(f"{name}: {raw!r} is not a number", {"field": name}) from None
    if not low <= value <= high:
        raise InvalidRequest(f"{name}: must be from {low} to {high}", {"field": name})
    return value


def _media(data: dict[str, Any], name: str, default: str) -> str:
    value = str(data.get(name, default) or "").strip()
    if value and not (value.startswith(_MEDIA_SCHEMES) and len(value) <= 200):
        raise InvalidRequest(
            f"{name}: {value[:60]!r} must be sound:NAME or prompt:NAME", {"field": name}
        )
    return value


def _choice(data: dict[str, Any], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = str(data.get(name, default))
    if value not in choices:
        raise InvalidRequest(f"{name}: must be one of {', '.join(choices)}", {"field": name})
    return value


def _checked_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Every setting a campaign may be created with, checked; each refusal
    names its field."""
    settings: dict[str, Any] = {
        "kind": _choice(data, "kind", "notification", core.KINDS),
        "message_prompt": _media(data, "message_prompt", "sound:hello-world")
        or "sound:hello-world",
        "flow": str(data.get("flow", "") or "")[:100],
        "entry_node": str(data.get("entry_node", "") or "")[:100],
        "queue": str(data.get("queue", "") or "")[:64],
        "caller_id": "".join(str(data.get("caller_id", "") or "").split())[:32],
        "max_attempts": _int(data, "max_attempts", 3, 1, policy.MAX_ATTEMPTS_LIMIT),
        "retry_delay_s": _int(data, "retry_delay_s", 600, 1, policy.MAX_DELAY_SECONDS),
        "amd_enabled": bool(data.get("amd_enabled", True)),
        "machine_action": _choice(data, "machine_action", "hang_up", core.MACHINE_ACTIONS),
        "machine_message_prompt": _media(data, "machine_message_prompt", ""),
        "max_concurrent": _int(data, "max_concurrent", 2, 1, 500),
        "calls_per_second": _float(data, "calls_per_second", 1.0, 0.1, 100.0),
        "ring_timeout_s": _int(data, "ring_timeout_s", 25, MIN_RING_TIMEOUT_S, 120),
        "country": str(data.get("country", "CN") or "CN").upper()[:2],
    }
    settings["abandon_cap_pct"] = _float(
        data, "abandon_cap_pct", policy.default_abandon_cap_pct(settings["country"]), 0.0, 100.0
    )
    if settings["caller_id"] and not settings["caller_id"].lstrip("+").isdigit():
        raise InvalidRequest("caller_id: digits only (a leading + allowed)", {"field": "caller_id"})
    if settings["entry_node"] and not settings["flow"]:
        raise InvalidRequest("entry_node: name the flow it belongs to", {"field": "flow"})
    amd = data.get("amd_params", {}) or {}
    if not isinstance(amd, dict) or set(amd) - set(core.AMD_PARAMETERS):
        raise InvalidRequest(
            f"amd_params: known names are {', '.join(core.AMD_PARAMETERS)}",
            {"field": "amd_params"},
        )
    settings["amd_params"] = {name: _int(amd, name, 0, 1, 60_000) for name in amd}
    retry = data.get("retry_policy", {}) or {}
    window = data.get("call_window", {}) or {}
    try:
        dialing.rules_of(retry, settings["max_attempts"], settings["retry_delay_s"])
        if window:
            policy.parse_call_window(window)
    except policy.PolicyInvalid as invalid:
        raise InvalidRequest(str(invalid), {"field": invalid.field}) from None
    settings["retry_policy"], settings["call_window"] = retry, window
    scheduled = data.get("scheduled_start")
    settings["scheduled_start"] = _when(scheduled) if scheduled else None
    return settings


def _when(raw: Any) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        raise InvalidRequest(
            "scheduled_start: give an ISO 8601 time with its offset", {"field": "scheduled_start"}
        ) from None
    if value.tzinfo is None:
        raise InvalidRequest(
            "scheduled_start: give a time zone (ISO 8601 with offset)",
            {"field": "scheduled_start"},
        )
    return value


async def create(tenant_id: int, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    name = str(data.get("name", "") or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequest(f"name: give a name of 1 to {MAX_NAME} characters", {"field": "name"})
    settings = _checked_settings(data)
    try:
        campaign = await Campaign.create(
            tenant_id=tenant_id, name=name, created_by=actor.username, **settings
        )
    except IntegrityError:
        raise InvalidRequest(
            f"name: there is already a campaign {name!r}", {"field": "name"}
        ) from None
    await store.audit(actor, "campaign_created", campaign, kind=campaign.kind)
    return store.campaign_dict(campaign)


async def update(
    tenant_id: int, actor: Actor, campaign_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """New settings for a campaign that is not running (pause it first: a
    call in progress keeps the settings it was placed with).  Settings not
    given keep their value; each refusal names its field."""
    campaign = await campaign_of(tenant_id, campaign_id)
    if campaign.state == core.RUNNING:
        raise InvalidRequest("state: pause the campaign before changing it", {"field": "state"})
    before = store.campaign_dict(campaign)
    merged = {**before, **data}
    name = str(merged.get("name", "") or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequest(f"name: give a name of 1 to {MAX_NAME} characters", {"field": "name"})
    settings = _checked_settings(merged)
    campaign.update_from_dict({"name": name, **settings})
    try:
        await campaign.save()
    except IntegrityError:
        raise InvalidRequest(
            f"name: there is already a campaign {name!r}", {"field": "name"}
        ) from None
    changed = {k: v for k, v in store.campaign_dict(campaign).items() if before.get(k) != v}
    await store.audit(actor, "campaign_updated", campaign, changed=changed)
    return store.campaign_dict(campaign)


async def campaign_of(tenant_id: int, campaign_id: int) -> Campaign:
    campaign = await store.get(tenant_id, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found", {"campaign": campaign_id})
    return campaign


async def listed(tenant_id: int) -> list[dict[str, Any]]:
    campaigns = await store.listed(tenant_id)
    return [store.campaign_dict(c) | await progress_of(c) for c in campaigns]


async def detail(tenant_id: int, campaign_id: int) -> dict[str, Any]:
    campaign = await campaign_of(tenant_id, campaign_id)
    return store.campaign_dict(campaign) | await progress_of(campaign)


async def control(tenant_id: int, actor: Actor, campaign_id: int, action: str) -> dict[str, Any]:
    """start, pause, resume or stop; calls in progress finish either way."""
    if action not in core.ACTIONS:
        raise InvalidRequest(f"action: one of {', '.join(core.ACTIONS)}", {"field": "action"})
    campaign = await campaign_of(tenant_id, campaign_id)
    before = campaign.state
    campaign.state = core.next_state(campaign.state, action)
    await campaign.save(update_fields=["state", "updated_at"])
    await store.audit(actor, f"campaign_{action}", campaign, before=before)
    return store.campaign_dict(campaign)


# -- contacts ----------------------------------------------------------------------------


async def import_contacts(
    tenant_id: int, actor: Actor, campaign_id: int, data: bytes, filename: str
) -> dict[str, Any]:
    """A CSV or XLSX list: the good rows are kept, every bad one is reported
    with its line and reason (and kept for download as CSV)."""
    campaign = await campaign_of(tenant_id, campaign_id)
    existing = await store.existing_phones(campaign)
    # Parsing a large sheet takes seconds: off the event loop.
    report = await asyncio.to_thread(
        contacts_import.parse_contacts,
        data,
        filename,
        default_region=campaign.country,
        existing_phones=existing,
    )
    await _add_rows(campaign, report.accepted, "import")
    campaign.last_import_rejected = [
        {"line": row.line, "reason": row.reason, "values": list(row.values)}
        for row in report.rejected
    ]
    campaign.last_import_columns = list(report.columns)
    await campaign.save(update_fields=["last_import_rejected", "last_import_columns"])
    await store.audit(
        actor,
        "campaign_contacts_imported",
        campaign,
        file=filename[:100],
        accepted=len(report.accepted),
        rejected=len(report.rejected),
    )
    return {
        "accepted": len(report.accepted),
        "rejected": [{"line": row.line, "reason": row.reason} for row in report.rejected],
    }


async def rejected_rows_csv(tenant_id: int, campaign_id: int) -> bytes:
    """The last import's rejected rows, for download (formulas made inert)."""
    campaign = await campaign_of(tenant_id, campaign_id)
    report = contacts_import.ImportReport(
        columns=tuple(campaign.last_import_columns or ()),
        accepted=(),
        rejected=tuple(
            contacts_import.RejectedRow(int(r["line"]), str(r["reason"]), tuple(r["values"]))
            for r in campaign.last_import_rejected or []
        ),
        blank_rows=0,
    )
    return contacts_import.rejected_rows_csv(report)


async def add_contacts(
    tenant_id: int, actor: Actor, campaign_id: int, rows: list[Any], *, source: str = "api"
) -> dict[str, Any]:
    """Contacts from the API: ``[{"phone", "name", "timezone", "priority",
    "fields"}]``, checked as an import's rows are (line = position from 1)."""
    campaign = await campaign_of(tenant_id, campaign_id)
    seen = await store.existing_phones(campaign)
    accepted: list[contacts_import.ContactRow] = []
    rejected: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=1):
        try:
            accepted.append(_api_row(line, row, campaign.country, seen))
        except InvalidRequest as bad:
            rejected.append({"line": line, "reason": bad.message})
            continue
        seen.add(accepted[-1].phone)
    await _add_rows(campaign, accepted, source)
    await store.audit(
        actor,
        "campaign_contacts_added",
        campaign,
        source=source,
        accepted=len(accepted),
        rejected=len(rejected),
    )
    return {"accepted": len(accepted), "rejected": rejected}


def _api_row(line: int, row: Any, region: str, seen: set[str]) -> contacts_import.ContactRow:
    if not isinstance(row, dict):
        raise InvalidRequest("a contact is an object with at least phone")
    try:
        phone = contacts_import.normalise_phone(str(row.get("phone", "")), region)
    except contacts_import.PhoneInvalid as bad:
        raise InvalidRequest(f"phone: {bad}") from None
    if phone in seen:
        raise InvalidRequest(f"phone: {phone} is already in the list")
    timezone = row.get("timezone") or None
    if timezone is not None:
        try:
            policy.parse_call_window({"timezone": timezone, "hours": []})
        except policy.PolicyInvalid:
            raise InvalidRequest(f"timezone: {str(timezone)[:40]!r} is not a time zone") from None
    priority = row.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidRequest("priority: give a whole number")
    extra = row.get("fields", {}) or {}
    if not isinstance(extra, dict):
        raise InvalidRequest("fields: give an object of names and values")
    return contacts_import.ContactRow(
        line,
        phone,
        str(row.get("name", "") or "")[:100],
        str(timezone) if timezone else None,
        priority,
        {str(k)[:64]: str(v)[:1000] for k, v in extra.items()},
    )


async def _add_rows(
    campaign: Campaign,
    rows: tuple[contacts_import.ContactRow, ...] | list[contacts_import.ContactRow],
    source: str,
) -> None:
    now = datetime.now(UTC)
    await CampaignContact.bulk_create(
        [
            CampaignContact(
                tenant_id=campaign.tenant_id,
                campaign=campaign,
                phone=row.phone,
                name=row.name[:100],
                timezone=row.timezone,
                priority=row.priority,
                custom_fields=row.fields,
                next_attempt_at=now,
                source=source,
            )
            for row in rows
        ],
        batch_size=500,
    )


async def contacts(tenant_id: int, campaign_id: int, limit: int = 500) -> list[dict[str, Any]]:
    campaign = await campaign_of(tenant_id, campaign_id)
    rows = await CampaignContact.filter(campaign=campaign).order_by("id").limit(limit)
    return [store.contact_dict(row) for row in rows]


# -- preview (the agent sees the next contact and clicks to call) --------------------------


async def preview_next(campaign: Campaign, now: datetime | None = None) -> dict[str, Any] | None:
    """The contact a preview campaign's agent would call next (None: nobody
    is due); nothing is reserved: the call checks again."""
    due = await store.due_contacts(campaign, now or datetime.now(UTC), 1)
    return store.contact_dict(due[0]) if due else None


async def previews_for(tenant_id: int, queues: Iterable[str]) -> list[dict[str, Any]]:
    """The running preview campaigns served by an agent of ``queues``, each
    with its next contact (the desk's preview panel)."""
    served = set(queues)
    campaigns = await scoped(Campaign, tenant_id).filter(kind="preview", state=core.RUNNING)
    return [
        {"id": campaign.id, "name": campaign.name, "next": await preview_next(campaign)}
        for campaign in sorted(campaigns, key=lambda c: c.id)
        if campaign.queue in served
    ]


# -- do not call ---------------------------------------------------------------------------


async def add_dnc(
    tenant_id: int, actor: Actor, phone: str, campaign_id: int | None, reason: str = ""
) -> dict[str, Any]:
    campaign = await campaign_of(tenant_id, campaign_id) if campaign_id is not None else None
    entry = phone.strip()
    if not entry.endswith("*"):
        try:
            entry = contacts_import.normalise_phone(entry, campaign.country if campaign else "CN")
        except contacts_import.PhoneInvalid as bad:
            raise InvalidRequest(f"phone: {bad}", {"field": "phone"}) from None
    try:
        policy.compile_dnc([entry])
    except policy.PolicyInvalid as bad:
        raise InvalidRequest(f"phone: {bad}", {"field": "phone"}) from None
    row = await DncNumber.create(
        tenant_id=tenant_id,
        campaign=campaign,
        phone=entry,
        reason=reason[:100],
        created_by=actor.username,
    )
    await AuditEntry.create(
        username=actor.username,
        ip=actor.ip,
        source=actor.source,
        action="dnc_added",
        object_type="dnc",
        object_id=str(row.id),
        after={"phone": entry, "campaign": campaign_id, "reason": reason[:100]},
        tenant_id=tenant_id,
    )
    return {"id": row.id, "phone": entry, "campaign_id": campaign_id, "reason": row.reason}


async def dnc_list(tenant_id: int) -> list[dict[str, Any]]:
    rows = await scoped(DncNumber, tenant_id).order_by("id")
    return [
        {"id": r.id, "phone": r.phone, "campaign_id": r.campaign_id, "reason": r.reason}  # type: ignore[attr-defined]
        for r in rows
    ]


# -- results -------------------------------------------------------------------------------


async def attempts(tenant_id: int, campaign_id: int, limit: int = 5000) -> list[dict[str, Any]]:
    campaign = await campaign_of(tenant_id, campaign_id)
    rows = await CampaignAttempt.filter(campaign=campaign).order_by("id").limit(limit)
    return [store.attempt_dict(row) for row in rows]


def _pct(part: int, whole: int) -> float | None:
    """METRICS.md: a figure with a denominator of 0 has no value ("–")."""
    return round(100.0 * part / whole, 1) if whole else None


async def progress_of(campaign: Campaign, now: datetime | None = None) -> dict[str, Any]:
    """The live figures (METRICS.md, Outbound): attempts by outcome, contact
    rate, abandon rate over the rolling 30 days and today, what is left."""
    now = now or datetime.now(UTC)
    outcomes = Counter(
        str(outcome)
        for outcome in await CampaignAttempt.filter(campaign=campaign, state="ended").values_list(
            "outcome", flat=True
        )
    )
    recent = Counter(
        str(outcome)
        for outcome in await CampaignAttempt.filter(
            campaign=campaign, state="ended", started_at__gte=now - ABANDON_WINDOW
        ).values_list("outcome", flat=True)
    )
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = Counter(
        str(outcome)
        for outcome in await CampaignAttempt.filter(
            campaign=campaign, state="ended", started_at__gte=start_of_day
        ).values_list("outcome", flat=True)
    )
    dialled = sum(outcomes[o] for o in core.DIALLED_OUTCOMES)
    live = outcomes[core.HUMAN] + outcomes[core.ABANDONED]
    contacts_total = await CampaignContact.filter(campaign=campaign).count()
    done = await store.contacts_in(campaign, store.DONE)
    in_progress = await CampaignAttempt.filter(
        campaign=campaign, state__in=store.OPEN_ATTEMPT_STATES
    ).count()

    def abandon(counts: Counter[str]) -> float | None:
        return _pct(counts[core.ABANDONED], counts[core.HUMAN] + counts[core.ABANDONED])

    return {
        "contacts": contacts_total,
        "remaining": contacts_total - done,
        "in_progress": in_progress,
        "dialled": dialled,
        "answered": live,
        "outcomes": {outcome: outcomes[outcome] for outcome in core.OUTCOMES},
        "contact_rate_pct": _pct(live, dialled),
        "abandon_pct_30d": abandon(recent),
        "abandon_pct_today": abandon(today),
    }
