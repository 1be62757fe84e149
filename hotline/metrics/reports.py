"""Reports over any past period, from the stored rows (METRICS.md).

``queue_report`` is ``GET /api/v1/reports/queues`` (a contract: its field
names are METRICS.md's and outside checks read them) and will back the
``/reports`` pages and exports.  A period's figures are those of the calls
that entered a queue inside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline.errors import InvalidRequest
from hotline.metrics.intervals import GRAINS, by_period
from hotline.metrics.queue_figures import QueueFigures, queue_figures
from hotline.metrics.store import agent_state_changes, queue_visits, with_wrap_up
from hotline.metrics.visits import QueueVisit
from hotline.metrics.wallboard import targets_of
from hotline.models import Agent, Queue
from hotline.tenancy import scoped

# The longest period one request may ask for: a year of rows is read at once.
MAX_PERIOD_DAYS = 400


def parse_period(
    raw_from: str | None, raw_to: str | None, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """``from`` and ``to`` as ISO 8601; without an offset, the site's local time."""
    since = _instant("from", raw_from, zone)
    until = _instant("to", raw_to, zone)
    if until <= since:
        raise InvalidRequest("'to' must be after 'from'", {"field": "to"})
    if (until - since).days > MAX_PERIOD_DAYS:
        raise InvalidRequest(
            f"the period is longer than {MAX_PERIOD_DAYS} days; ask for less",
            {"field": "to"},
        )
    return since, until


def day_of(name: str, raw: str | None, default: date) -> date:
    """A form's day (``YYYY-MM-DD``), ``default`` when left out."""
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidRequest(
            f"'{name}': {raw[:40]!r} is not a date (YYYY-MM-DD)", {"field": name}
        ) from None


def days_period(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Whole days in the site's time zone, ``last`` included (a supervisor picks
    1 to 30 November, not 1 November to 1 December), checked as an API period."""
    if last < first:
        raise InvalidRequest("'to' must not be before 'from'", {"field": "to"})
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    return parse_period(since.isoformat(), until.isoformat(), zone)


def _instant(name: str, raw: str | None, zone: ZoneInfo) -> datetime:
    if not raw:
        raise InvalidRequest(
            f"'{name}' is required (ISO 8601, e.g. 2026-12-04T00:00:00+08:00)", {"field": name}
        )
    # An offset's "+" typed unencoded in a URL arrives as a space.
    raw = raw.strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(
            f"'{name}': {raw[:40]!r} is not an ISO 8601 time", {"field": name}
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def queue_row(queue: str, figures: QueueFigures) -> dict[str, Any]:
    """One queue's row, with METRICS.md's names (null: "–", an empty denominator)."""
    return {
        "queue": queue,
        "offered": figures.offered,
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "short_abandoned": figures.short_abandoned,
        "overflowed": figures.overflowed,
        "overflowed_by_rule": dict(figures.overflowed_by_rule),
        "callbacks": figures.callback_requested,
        "callbacks_completed": figures.callbacks_completed,
        "answered_within_sl": figures.answered_in_threshold,
        "service_level": _rate(figures.service_level),
        "abandon_rate": _rate(figures.abandon_rate),
        "asa_s": _seconds(figures.asa_s),
        "aht_s": _seconds(figures.aht_s),
        "avg_talk_s": _seconds(figures.avg_talk_s),
        "avg_wrap_up_s": _seconds(figures.avg_wrap_up_s),
        "time_to_callback_s": _seconds(figures.time_to_callback_s),
        "agent_connect_rate": _rate(figures.agent_connect_rate),
        "timely_answer_rate": _rate(figures.timely_answer_rate),
    }


async def queue_report(
    tenant_id: int, since: datetime, until: datetime, now: datetime
) -> list[dict[str, Any]]:
    """One row per queue of the tenant, over the calls that entered it in [since, until)."""
    queues = await scoped(Queue, tenant_id).order_by("name")
    extensions = await scoped(Agent, tenant_id).values_list("extension", flat=True)
    visits = await queue_visits(tenant_id, since, until)
    changes = await agent_state_changes([str(e) for e in extensions], since, now)
    visits = with_wrap_up(visits, changes, now)
    by_queue: Mapping[str, list[QueueVisit]] = _by_queue(visits)
    return [
        queue_row(queue.name, queue_figures(by_queue.get(queue.name, []), targets_of(queue), now))
        for queue in queues
    ]


def _by_queue(visits: list[QueueVisit]) -> dict[str, list[QueueVisit]]:
    grouped: defaultdict[str, list[QueueVisit]] = defaultdict(list)
    for visit in visits:
        grouped[visit.queue].append(visit)
    return grouped


async def queue_report_by(
    tenant_id: int, since: datetime, until: datetime, now: datetime, grain: str, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """The queue report per ``grain`` (interval, day, week, month): a row per
    queue and period that had calls, ``period`` the period's local start
    (ISO 8601), queues in name order within each period."""
    if grain not in GRAINS:
        raise InvalidRequest(f"by: one of {list(GRAINS)}, not {grain!r}", {"field": "by"})
    queues = {queue.name: queue for queue in await scoped(Queue, tenant_id)}
    extensions = await scoped(Agent, tenant_id).values_list("extension", flat=True)
    visits = await queue_visits(tenant_id, since, until)
    changes = await agent_state_changes([str(e) for e in extensions], since, now)
    visits = with_wrap_up(visits, changes, now)
    rows = []
    for start, in_period in by_period(visits, grain, zone).items():
        for name, queue_visits_ in sorted(_by_queue(in_period).items()):
            queue = queues.get(name)
            if queue is None:
                continue  # a queue deleted since: its calls stay in the stored records
            figures = queue_figures(queue_visits_, targets_of(queue), now)
            rows.append({"period": start.isoformat(), **queue_row(name, figures)})
    return rows
