"""When a step's time runs out: its limit in business hours from a start.

Pure.  A workflow may name a business calendar (the ones on /shifts, that
flows' time conditions use); its open hours count and its holidays do not.
Without one, every hour counts (24 × 7).  "Time left" is the same walk the
other way: the open hours between now and the deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hotline.business_hours import WeeklyRange

# A calendar with no open hour within this many days never lets a step end.
SEARCH_DAYS: Final = 400
ROUND_THE_CLOCK: Final = (WeeklyRange(frozenset(range(7)), 0, 24 * 60),)


class CalendarNeverOpens(ValueError):
    """The calendar has no open hours: no deadline can be computed."""


@dataclass(frozen=True)
class CaseCalendar:
    timezone: str = "UTC"
    hours: tuple[WeeklyRange, ...] = ROUND_THE_CLOCK
    holidays: frozenset[date] = frozenset()

    def _open_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open spans (UTC) from ``start`` on, in order, clipped to start."""
        zone = ZoneInfo(self.timezone)
        local_day = start.astimezone(zone).date()
        for offset in range(SEARCH_DAYS):
            day = local_day + timedelta(days=offset)
            if day in self.holidays:
                continue
            spans = sorted(
                (r.start_minute, r.end_minute) for r in self.hours if day.weekday() in r.weekdays
            )
            for first, last in spans:
                opens = _at(day, first, zone)
                closes = _at(day, last, zone)
                if closes <= start:
                    continue
                yield max(opens, start), closes

    def add(self, start: datetime, hours: float) -> datetime:
        """``hours`` of open time after ``start`` (aware), as a UTC instant."""
        left = timedelta(hours=hours)
        cursor = start
        for opens, closes in self._open_spans(start):
            opens = max(opens, cursor)
            if closes <= opens:
                continue
            if opens + left <= closes:
                return (opens + left).astimezone(UTC)
            left -= closes - opens
            cursor = closes
        raise CalendarNeverOpens(f"no open hours within {SEARCH_DAYS} days")

    def open_hours_between(self, start: datetime, end: datetime) -> float:
        """Open hours from ``start`` to ``end``; negative when ``end`` is past."""
        if end < start:
            return -self.open_hours_between(end, start)
        total = timedelta()
        cursor = start
        for opens, closes in self._open_spans(start):
            opens = max(opens, cursor)
            if opens >= end:
                break
            total += min(closes, end) - opens
            cursor = closes
        return total.total_seconds() / 3600


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The local ``day`` at ``minute`` as a UTC instant.

    In UTC, not in ``zone``: Python subtracts two datetimes of the same
    tzinfo by their wall clocks, so on a day the clocks change a span in
    local time would count the hour that was skipped (or miss the one
    repeated)."""
    if minute >= 24 * 60:
        local = datetime.combine(day + timedelta(days=1), time(), zone)
    else:
        local = datetime.combine(day, time(minute // 60, minute % 60), zone)
    return local.astimezone(UTC)
