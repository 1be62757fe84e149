"""The disposition and entry (DID and flow) reports.

* **Dispositions:** per queue, how many answered calls the agents closed
  with each of the queue's outcome codes, and how many with none recorded.
* **Entries:** per number dialled (DID), the calls that came in, how many
  reached a queue, and how many callers hung up in the IVR before that,
  with the flow node they hung up at (where callers drop out).

Pure row builders (``disposition_rows``, ``entry_rows``) over plain facts,
and the two queries that gather those facts for a period: a call belongs to
the period its record started in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from tortoise.expressions import Q

from hotline.models import CallEvent, CallRecord
from hotline.tenancy import home_tenant_id
from hotline.writer import WRITER

NONE_RECORDED: Final = "(none)"
# The record's disposition when the caller hung up in the flow (ivr/stasis.py).
DROPPED_IN_IVR: Final = "abandoned_in_ivr"
TOP_DROP_NODES: Final = 3


@dataclass(frozen=True, slots=True)
class AnsweredCall:
    queue: str
    agent_disposition: str | None


@dataclass(frozen=True, slots=True)
class EnteredCall:
    did: str
    reached_queue: bool
    dropped_in_ivr: bool
    last_node: str | None


def disposition_rows(calls: Iterable[AnsweredCall]) -> list[dict[str, Any]]:
    """One row per queue and code; ``share`` of the queue's answered calls (0-1)."""
    by_queue: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for call in calls:
        by_queue[call.queue][call.agent_disposition or NONE_RECORDED] += 1
    rows = []
    for queue in sorted(by_queue):
        counts = by_queue[queue]
        total = sum(counts.values())
        for code, calls_with_code in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rows.append(
                {
                    "queue": queue,
                    "disposition": code,
                    "calls": calls_with_code,
                    "share": round(calls_with_code / total, 4),
                }
            )
    return rows


def entry_rows(calls: Iterable[EnteredCall]) -> list[dict[str, Any]]:
    """One row per DID: calls, reached a queue, dropped in the IVR (rate:
    of the calls; "–"/null without calls never happens: a DID with no call
    has no row), and the nodes most callers dropped at."""
    by_did: defaultdict[str, list[EnteredCall]] = defaultdict(list)
    for call in calls:
        by_did[call.did].append(call)
    rows = []
    for did in sorted(by_did):
        entered = by_did[did]
        dropped = [c for c in entered if c.dropped_in_ivr]
        nodes = Counter(c.last_node or NONE_RECORDED for c in dropped)
        rows.append(
            {
                "did": did,
                "calls": len(entered),
                "reached_queue": sum(c.reached_queue for c in entered),
                "dropped_in_ivr": len(dropped),
                "ivr_drop_rate": round(len(dropped) / len(entered), 4),
                "dropped_at": "; ".join(
                    f"{node} {count}" for node, count in _top(nodes, TOP_DROP_NODES)
                ),
            }
        )
    return rows


def _top(counts: Counter[str], n: int) -> Sequence[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


async def _records(tenant_id: int, since: datetime, until: datetime) -> list[CallRecord]:
    await WRITER.flush()
    rows = CallRecord.filter(started_at__gte=since, started_at__lt=until)
    if tenant_id == await home_tenant_id():
        # A record of no tenant is the home tenant's (hotline/calls.py).
        rows = rows.filter(Q(tenant_id=tenant_id) | Q(tenant_id=None))
    else:
        rows = rows.filter(tenant_id=tenant_id)
    return list(await rows)


async def disposition_report(
    tenant_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    records = await _records(tenant_id, since, until)
    return disposition_rows(
        AnsweredCall(r.queue, r.agent_disposition)
        for r in records
        if r.queue and r.answered_at is not None and r.agent_extension
    )


async def entry_report(tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    records = [r for r in await _records(tenant_id, since, until) if r.did]
    if not records:
        return []
    ids = [r.call_id for r in records]
    events = (
        await CallEvent.filter(call_id__in=ids, kind__in=("node", "queue_joined"))
        .order_by("id")
        .values("call_id", "kind", "data")
    )
    last_node: dict[str, str] = {}
    queued: set[str] = set()
    for event in events:
        if event["kind"] == "queue_joined":
            queued.add(event["call_id"])
        elif isinstance(event["data"], dict) and event["data"].get("node"):
            last_node[event["call_id"]] = str(event["data"]["node"])
    return entry_rows(
        EnteredCall(
            r.did or "",
            r.call_id in queued,
            r.disposition == DROPPED_IN_IVR,
            last_node.get(r.call_id),
        )
        for r in records
    )
