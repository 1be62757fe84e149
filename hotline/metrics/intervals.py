"""Report intervals in the site's time zone (METRICS.md: 15 minutes by default).

A call belongs to the interval in which it entered the queue.  Interval
boundaries follow the site's local clock, so a day always starts at local
midnight, and a zone half or three quarters of an hour off UTC (India,
Nepal) still gets intervals on its own quarter hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hotline.metrics.visits import QueueVisit

INTERVAL_MINUTES: Final = (15, 30, 60)
DEFAULT_INTERVAL_MINUTES: Final = 15


def check_interval(minutes: int) -> int:
    if minutes not in INTERVAL_MINUTES:
        raise ValueError(f"interval: {minutes} minutes is not one of {INTERVAL_MINUTES}")
    return minutes


def interval_start(at: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """The local start of the ``minutes`` interval holding ``at`` (aware)."""
    check_interval(minutes)
    local = at.astimezone(zone)
    minute_of_day = local.hour * 60 + local.minute
    floored = minute_of_day - minute_of_day % minutes
    start = datetime.combine(local.date(), time(floored // 60, floored % 60), zone)
    # On the night the clocks go back the same local quarter hour comes
    # twice; keep the one ``at`` is in.
    if start.utcoffset() != local.utcoffset():
        start = start.replace(fold=1)
    return start


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as aware datetimes."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


def by_interval(
    visits: Iterable[QueueVisit], minutes: int, zone: ZoneInfo
) -> dict[datetime, list[QueueVisit]]:
    """Visits grouped by the interval they entered the queue in, in time order."""
    groups: defaultdict[datetime, list[QueueVisit]] = defaultdict(list)
    for visit in visits:
        groups[interval_start(visit.entered_at, minutes, zone)].append(visit)
    return dict(sorted(groups.items()))


# The queue report's groupings (METRICS.md: a call belongs to the interval,
# day, week or month in which it entered the queue, in the site's time zone).
GRAINS: Final = ("interval", "day", "week", "month")


def period_start(at: datetime, grain: str, zone: ZoneInfo, minutes: int = 15) -> datetime:
    """The local start of the ``grain`` holding ``at``: its interval, day,
    week (from Monday) or month."""
    if grain == "interval":
        return interval_start(at, minutes, zone)
    local = at.astimezone(zone).date()
    if grain == "week":
        local -= timedelta(days=local.weekday())
    elif grain == "month":
        local = local.replace(day=1)
    elif grain != "day":
        raise ValueError(f"grain: one of {GRAINS}, not {grain!r}")
    return datetime.combine(local, time(0), zone)


def by_period(
    visits: Iterable[QueueVisit], grain: str, zone: ZoneInfo, minutes: int = 15
) -> dict[datetime, list[QueueVisit]]:
    """Visits grouped by the period they entered the queue in, in time order."""
    groups: defaultdict[datetime, list[QueueVisit]] = defaultdict(list)
    for visit in visits:
        groups[period_start(visit.entered_at, grain, zone, minutes)].append(visit)
    return dict(sorted(groups.items()))
