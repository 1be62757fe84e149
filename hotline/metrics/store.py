"""Reading the figures' source data: call timelines and agent state changes.

Every figure is computed from stored rows (METRICS.md, "Source data"), so a
past period is reproducible and the live wallboard shows the same numbers a
report for "today" would.  The ordered writer is flushed first, so the rows
of the last 50 ms are read too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from tortoise.expressions import Q

from hotline.metrics.agent_figures import WRAP_UP, AgentStateChange
from hotline.metrics.visits import ANSWERED, QueueVisit, TimelineEntry, visits_from_timeline
from hotline.models import CallEvent, CallRecord
from hotline.models_live import AgentStateLog
from hotline.tenancy import home_tenant_id
from hotline.writer import WRITER

# The timeline kinds a visit is read from.
VISIT_KINDS = ("queue_joined", "answered", "queue_left", "ended", "transferred", "held", "resumed")
# How far from the end of a call the agent's wrap-up may begin and still be
# that call's: the ACD moves the agent as it learns of the hang-up.
WRAP_UP_SLACK = timedelta(seconds=5)


async def _tenant_calls(tenant_id: int) -> Q:
    """The call records a tenant reads (a record of no tenant is the home tenant's)."""
    if tenant_id == await home_tenant_id():
        return Q(call__tenant_id=tenant_id) | Q(call__tenant_id=None)
    return Q(call__tenant_id=tenant_id)


async def queue_visits(tenant_id: int, since: datetime, until: datetime) -> list[QueueVisit]:
    """The tenant's queue visits that entered a queue in [since, until)."""
    await WRITER.flush()
    owned = await _tenant_calls(tenant_id)
    entering = CallEvent.filter(
        owned, kind__in=("queue_joined", "queue_left"), at__gte=since, at__lt=until
    )
    call_ids = await entering.distinct().values_list("call_id", flat=True)
    if not call_ids:
        return []
    rows = await CallEvent.filter(call_id__in=list(call_ids), kind__in=VISIT_KINDS).values(
        "call_id", "at", "kind", "data"
    )
    timelines: defaultdict[str, list[TimelineEntry]] = defaultdict(list)
    for row in rows:
        timelines[row["call_id"]].append(TimelineEntry(row["at"], row["kind"], row["data"]))
    return [
        visit
        for call_id, entries in timelines.items()
        for visit in visits_from_timeline(call_id, entries)
        if since <= visit.entered_at < until
    ]


async def caller_numbers(call_ids: Iterable[str]) -> dict[str, str]:
    """Each call's caller number, for the lists that show who called."""
    ids = sorted(set(call_ids))
    if not ids:
        return {}
    rows = await CallRecord.filter(call_id__in=ids).values_list("call_id", "caller_id")
    return {str(call_id): str(caller) for call_id, caller in rows}


async def agent_state_changes(
    agents: Sequence[str], since: datetime, until: datetime
) -> list[AgentStateChange]:
    """The agents' changes in [since, until), with the last one before ``since``."""
    await WRITER.flush()
    changes: list[AgentStateChange] = []
    for agent in agents:
        before = (
            await AgentStateLog.filter(agent=agent, at__lt=since).order_by("-at", "-id").first()
        )
        if before is not None:
            changes.append(AgentStateChange(agent, before.state, before.at, before.reason))
    rows = await AgentStateLog.filter(agent__in=list(agents), at__gte=since, at__lt=until).order_by(
        "at", "id"
    )
    changes.extend(AgentStateChange(row.agent, row.state, row.at, row.reason) for row in rows)
    return changes


def with_wrap_up(
    visits: Sequence[QueueVisit], changes: Sequence[AgentStateChange], now: datetime
) -> list[QueueVisit]:
    """Answered visits with the wrap-up their agent did after them (pure).

    The wrap-up is the agent's ``wrap_up`` state that began within
    ``WRAP_UP_SLACK`` of the call's end, until the agent's next change (or
    ``now``, while it lasts).
    """
    by_agent: defaultdict[str, list[AgentStateChange]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: c.at):
        by_agent[change.agent].append(change)
    result: list[QueueVisit] = []
    for visit in visits:
        if visit.outcome != ANSWERED or visit.agent is None or visit.talk_s is None:
            result.append(visit)
            continue
        assert visit.left_at is not None
        call_end = visit.left_at + timedelta(seconds=visit.talk_s)
        runs = by_agent.get(visit.agent, [])
        wrap_up_s = 0.0
        for index, change in enumerate(runs):
            if change.state == WRAP_UP and abs(change.at - call_end) <= WRAP_UP_SLACK:
                end = runs[index + 1].at if index + 1 < len(runs) else now
                wrap_up_s = max(0.0, (end - change.at).total_seconds())
                break
        result.append(replace(visit, wrap_up_s=wrap_up_s))
    return result
