"""The queues page's list: each queue of the tenant with the live ACD's numbers."""

from __future__ import annotations

from typing import Any

from ari_apps.acd.config import OVERFLOW_QUEUE
from hotline.center import ContactCenter
from hotline.models import Queue
from hotline.tenancy import scoped


async def live_rows(center: ContactCenter, tenant_id: int) -> list[dict[str, Any]]:
    """One row per queue of the tenant, configured or still live in the ACD.

    A deleted queue stays live only while another queue still overflows into
    it (or until the reload that follows its deletion).  The ACD does not know
    tenants, so such a queue is listed for the tenant whose queue overflows
    into it, and no other live queue is: another tenant's queue, live or
    still live, is not listed.
    """
    configured = {q.name: q for q in await scoped(Queue, tenant_id)}
    still_live = {
        q.overflow_target
        for q in configured.values()
        if q.overflow_kind == OVERFLOW_QUEUE and q.overflow_target
    }
    live = set(center.queue_names())
    orphans = {
        name for name in (live & still_live) - set(configured) if not await Queue.exists(name=name)
    }
    names = sorted(set(configured) | orphans)
    rows = []
    for name in names:
        status = center.queue_status(name) or {}
        by_state = status.get("agents_by_state") or {}
        rows.append(
            {
                "name": name,
                "configured": name in configured,
                "strategy": configured[name].strategy if name in configured else "",
                "live": bool(status),
                "waiting": len(status.get("waiting") or []),
                "longest_wait_s": round(float(status.get("longest_wait_s") or 0)),
                "estimated_wait_s": status.get("estimated_wait_s"),
                "agents_by_state": {state: len(exts) for state, exts in sorted(by_state.items())},
            }
        )
    return rows
