"""Which caller IDs are VIP customers': asked by the ACD as each caller enters
a queue, so a VIP's mark raises them to the queue's VIP priority.

Why an index in memory: the question comes on the call path of every
queued caller, and most callers are no VIP.  The numbers of customers with
a VIP mark that has not been revoked (and whose expiry, if any, is still
ahead) are held here, with each mark's expiry; a caller ID that is none of
them is answered with no database read.  Only a VIP number asks the
database which tenant the queue is (a number is VIP in its own tenant).

Expiry needs no reload: each entry keeps its end and is compared with the
clock at every question, so a mark that ends at 17:00 stops counting at
17:00.  The index is dropped when a mark or a number is saved or deleted
(Tortoise signals), by ``invalidate()`` after bulk changes (imports), and
as a backstop after ``MAX_AGE_S`` (a change made behind Hotline's back).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Final

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.signals import post_delete, post_save

from hotline.customers import core
from hotline.models import Queue
from hotline.models_customers import CustomerMark, CustomerNumber

MAX_AGE_S: Final = 30.0

# E.164 number -> (tenant id, the mark's end or None) for each VIP mark.
_Entries = dict[str, list[tuple[int, datetime | None]]]
_index: list[tuple[float, _Entries]] = []


def invalidate() -> None:
    _index.clear()


async def _changed(*_args: Any, **_kwargs: Any) -> None:
    invalidate()


VIP_MODELS: Final[tuple[type[Model], ...]] = (CustomerMark, CustomerNumber)
for _model in VIP_MODELS:
    post_save(_model)(_changed)
    post_delete(_model)(_changed)


async def _entries(now: datetime) -> _Entries:
    loaded_at = time.monotonic()
    if _index and loaded_at - _index[0][0] < MAX_AGE_S:
        return _index[0][1]
    marks = await CustomerMark.filter(kind=core.VIP, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    ends: dict[int, list[tuple[int, datetime | None]]] = defaultdict(list)
    for mark in marks:
        ends[mark.customer_id].append((mark.tenant_id, mark.expires_at))  # type: ignore[attr-defined]
    entries: _Entries = defaultdict(list)
    if ends:
        for number in await CustomerNumber.filter(customer_id__in=list(ends)):
            entries[number.number] += ends[number.customer_id]  # type: ignore[attr-defined]
    _index[:] = [(loaded_at, dict(entries))]
    return _index[0][1]


async def is_vip_caller(queue: str, caller_id: str, now: datetime | None = None) -> bool:
    """Whether ``caller_id`` is the number of a customer of ``queue``'s
    tenant whose VIP mark counts now."""
    key = core.match_key(caller_id)
    if key is None:
        return False
    at = now or datetime.now(UTC)
    entries = (await _entries(at)).get(key)
    if not entries:
        return False
    row = await Queue.get_or_none(name=queue)
    tenant_id = row.tenant_id if row is not None else None  # type: ignore[attr-defined]
    return any(tenant == tenant_id and (ends is None or at < ends) for tenant, ends in entries)
