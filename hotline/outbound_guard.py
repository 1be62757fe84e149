"""The toll-fraud guard in front of every call Hotline places for a PSTN caller.

``authorize`` applies ``hotline.dial_policy`` with the counts kept in
``pstn_outbound_request`` and writes an audit entry for every refusal;
``audit_placed`` writes one for every call that leaves (voicemail call-back,
each fax-back attempt).  Audit entries of these phone-side events name the
user "pstn", the source "pstn", and the caller's number where the UI shows a
source IP: there is no web user, and the number is who asked.  They have
no tenant (NULL: read as the home tenant's) unless the caller names one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hotline import dial_policy
from hotline.dial_policy import DailyLimits, DialRules, Refusal
from hotline.models import AuditEntry
from hotline.models_toll_fraud import OutboundRequest
from hotline.settings import Settings

log = logging.getLogger(__name__)

PSTN_USER: Final = "pstn"
PSTN_SOURCE: Final = "pstn"
DAY: Final = timedelta(hours=24)
# Counters older than this are of no use to any limit; they are pruned.
KEEP_COUNTS: Final = 2 * DAY

# One decision at a time: two calls asking at once must not both take the
# last request of a limit (one process; the counts are a few indexed rows).
_deciding = asyncio.Lock()


def now() -> datetime:
    return datetime.now(UTC)


def rules(settings: Settings) -> DialRules:
    return DialRules(
        allow=dial_policy.split_patterns(settings.dial_allow),
        refuse=dial_policy.split_patterns(settings.dial_refuse),
    )


def rules_or_defaults(settings: Settings | None) -> DialRules:
    """The configured rules; the defaults where no settings are loaded (tests)."""
    if settings is None:
        return DialRules(
            allow=dial_policy.split_patterns(dial_policy.DEFAULT_ALLOW),
            refuse=dial_policy.split_patterns(dial_policy.DEFAULT_REFUSE),
        )
    return rules(settings)


def limits(settings: Settings, kind: str) -> DailyLimits:
    if kind == dial_policy.FAX_BACK:
        return DailyLimits(settings.fax_back_per_caller_day, settings.fax_back_per_number_day)
    return DailyLimits(settings.callback_per_caller_day, settings.callback_per_number_day)


def caller_key(caller: str) -> str:
    """Withheld numbers share one key: together they are one anonymous caller."""
    return caller.strip()[:80] or "anonymous"


async def audit_pstn(
    action: str,
    object_type: str,
    object_id: str,
    caller: str,
    after: dict[str, Any],
    *,
    tenant_id: int | None = None,
) -> None:
    await AuditEntry.create(
        tenant_id=tenant_id,
        username=PSTN_USER,
        ip=caller[:64],
        source=PSTN_SOURCE,
        action=action,
        object_type=object_type,
        object_id=object_id[:128],
        after=after,
    )


async def authorize(
    kind: str,
    caller: str,
    number: str,
    settings: Settings,
    at: datetime | None = None,
    *,
    tenant_id: int | None = None,
) -> Refusal | None:
    """None when Hotline may dial ``number`` for ``caller``; else the refusal
    (recorded and audited, for ``tenant_id``: whose call asked).  An allowed
    request counts towards the limits, which hold across tenants: the trunk
    and its bill are shared."""
    if kind not in dial_policy.KINDS:
        raise ValueError(f"unknown outbound kind {kind!r}")
    at = at or now()
    key = caller_key(caller)
    async with _deciding:
        refusal = dial_policy.check_number(number, rules(settings))
        if refusal is None:
            since = at - DAY
            mine = OutboundRequest.filter(kind=kind, allowed=True, at__gt=since)
            refusal = dial_policy.check_limits(
                await mine.filter(caller=key).count(),
                await mine.filter(number=number).count(),
                limits(settings, kind),
            )
        await OutboundRequest.filter(at__lt=at - KEEP_COUNTS).delete()
        await OutboundRequest.create(
            kind=kind,
            caller=key,
            number=number[:32],
            at=at,
            allowed=refusal is None,
            reason=refusal.reason if refusal else "",
        )
    if refusal is not None:
        log.warning("%s to %r for caller %r refused: %s", kind, number, key, refusal.reason)
        await audit_pstn(
            f"{kind}_refused",
            "pstn_number",
            number[:32],
            key,
            {
                "caller": key,
                "number": number[:32],
                "reason": refusal.reason,
                "detail": refusal.detail,
            },
            tenant_id=tenant_id,
        )
    return refusal


async def requester(kind: str, number: str, asked_by: datetime) -> str:
    """The caller whose allowed request for ``number`` came last up to
    ``asked_by`` (a fax job's creation: the check runs just before it)."""
    row = (
        await OutboundRequest.filter(kind=kind, number=number, allowed=True, at__lte=asked_by)
        .order_by("-id")
        .first()
    )
    return row.caller if row is not None else ""


async def audit_placed(
    kind: str, caller: str, number: str, *, tenant_id: int | None = None, **details: Any
) -> None:
    """A call to ``number`` is leaving for ``caller``: the audit keeps every one."""
    after = {"caller": caller_key(caller), "number": number[:32], **details}
    await audit_pstn(
        f"{kind}_placed",
        "pstn_number",
        number[:32],
        caller_key(caller),
        after,
        tenant_id=tenant_id,
    )
