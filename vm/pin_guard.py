"""Voicemail PIN checks by phone, with the lockouts of ``vm/pin_lockout.py``.

Failures and lockouts are rows (``hotline/models_toll_fraud.py``), so they
hold across calls, lines and restarts; each lockout writes an audit entry
(user "pstn", the caller's number as its source).  One check at a time in
this process: parallel calls guessing the same box must not each get a try
past the limit while the others are still being counted.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from enum import Enum

from tortoise.expressions import Q

from hotline.models_toll_fraud import PinFailure, PinLockout
from hotline.models_voicemail import Mailbox
from hotline.outbound_guard import audit_pstn, caller_key
from hotline.tenancy import scoped
from vm.mailboxes import check_pin
from vm.pin_lockout import BOX, CALLER, POLICY, LockoutPolicy, counting_since, locked_until

log = logging.getLogger(__name__)

_checking = asyncio.Lock()


class PinCheck(Enum):
    OPENED = "opened"
    WRONG = "wrong"
    LOCKED = "locked"


async def locked(box: str, caller: str, at: datetime) -> PinLockout | None:
    """The lockout that keeps ``caller`` from entering a PIN for ``box`` now."""
    return (
        await PinLockout.filter(
            Q(scope=BOX, key=box) | Q(scope=CALLER, key=caller_key(caller)), until__gt=at
        )
        .order_by("-until")
        .first()
    )


async def check(
    box: str,
    caller: str,
    pin: str,
    at: datetime | None = None,
    policy: LockoutPolicy = POLICY,
    *,
    tenant_id: int | None = None,
) -> PinCheck:
    """Does ``pin`` open ``box``?  Never checked while the box or the caller is locked.

    ``tenant_id``: whose call it is.  Another tenant's box never opens (it
    counts as a wrong PIN, as an unknown box does), and lockout audit rows are
    that tenant's.  The counters themselves hold across tenants: box numbers
    are one plan, and a caller guessing is the same caller whichever tenant's
    number they rang.
    """
    at = at or datetime.now(UTC)
    async with _checking:
        if await locked(box, caller, at) is not None:
            log.info("voicemail %s: PIN refused, locked out (caller %r)", box, caller)
            return PinCheck.LOCKED
        boxes = Mailbox.all() if tenant_id is None else scoped(Mailbox, tenant_id)
        mailbox = await boxes.get_or_none(number=box)
        if mailbox is not None and await check_pin(mailbox, pin):
            await PinFailure.filter(box=box).delete()
            return PinCheck.OPENED
        await PinFailure.filter(at__lt=at - policy.window).delete()
        await PinFailure.create(box=box, caller=caller_key(caller), at=at)
        locks = [
            await _lock_if_due(scope, box, caller, at, policy, tenant_id) for scope in (BOX, CALLER)
        ]
    return PinCheck.LOCKED if any(locks) else PinCheck.WRONG


async def _lock_if_due(
    scope: str, box: str, caller: str, at: datetime, policy: LockoutPolicy, tenant_id: int | None
) -> bool:
    key = box if scope == BOX else caller_key(caller)
    last = await PinLockout.filter(scope=scope, key=key).order_by("-locked_at").first()
    since = counting_since(at, last.locked_at if last else None, policy)
    counted = PinFailure.filter(at__gt=since)
    failures = await (
        counted.filter(box=key) if scope == BOX else counted.filter(caller=key)
    ).count()
    until = locked_until(failures, at, policy)
    if until is None:
        return False
    await PinLockout.filter(until__lt=at - policy.window).delete()
    await PinLockout.create(scope=scope, key=key, locked_at=at, until=until, failures=failures)
    log.warning("voicemail PIN lockout of %s %r until %s", scope, key, until.isoformat())
    await audit_pstn(
        "voicemail_pin_locked",
        "voicemail_box" if scope == BOX else "pstn_caller",
        key,
        caller_key(caller),
        {
            "scope": scope,
            "box": box,
            "caller": caller_key(caller),
            "failures": failures,
            "window_s": int(policy.window.total_seconds()),
            "locked_until": until.isoformat(),
        },
        tenant_id=tenant_id,
    )
    return True
