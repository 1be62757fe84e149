"""The grammar of business hours: weekly ranges, holidays and a time zone.

One parser for everyone who reads hours: the flow engine's ``time_condition``
node (``ari_apps/ivr/node_time.py``) and the business calendars a node may
name (``hotline/calendars.py``).  A calendar is stored only if this parser
accepts it, and calls run the same parser, so a saved calendar can never
make a published flow fail when a call starts.

``days`` is a day, a ``mon-fri`` range, a comma list or a list of those.
``from`` is inclusive, ``to`` exclusive and may be ``24:00``; a range over
midnight is written as two ranges.

Pure; errors are ``HoursInvalid`` with a message naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_RE: Final = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")


class HoursInvalid(ValueError):
    """Business hours, holidays or a time zone that cannot be read."""


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    weekdays: frozenset[int]  # 0 = Monday, as datetime.weekday()
    start_minute: int
    end_minute: int

    def contains(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.weekdays and self.start_minute <= minute < self.end_minute


def parse_timezone(raw: Any) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise HoursInvalid(f"'timezone': {raw!r} is not a known IANA time zone") from None
    return str(raw)


def parse_days(raw: Any) -> frozenset[int]:
    parts: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, str):
            raise HoursInvalid("'hours': 'days' must be a string or a list of strings")
        parts.extend(part.strip().lower() for part in item.split(","))
    days: set[int] = set()
    for part in parts:
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise HoursInvalid(f"'hours': {part!r} is not a weekday or weekday range")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if end < start:
            raise HoursInvalid(f"'hours': range {part!r} runs backwards")
        days.update(range(start, end + 1))
    return frozenset(days)


def parse_clock(raw: Any) -> int:
    match = _CLOCK_RE.fullmatch(raw) if isinstance(raw, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= 24 * 60:
        raise HoursInvalid(f"'hours': {raw!r} is not a HH:MM time")
    return minutes


def parse_hours(raw_ranges: Any) -> tuple[WeeklyRange, ...]:
    if not isinstance(raw_ranges, list):
        raise HoursInvalid("'hours' must be a list of {days, from, to} objects")
    ranges: list[WeeklyRange] = []
    for raw in raw_ranges:
        if not isinstance(raw, dict) or set(raw) != {"days", "from", "to"}:
            raise HoursInvalid("'hours' entries must have exactly 'days', 'from' and 'to'")
        weekly = WeeklyRange(
            parse_days(raw["days"]), parse_clock(raw["from"]), parse_clock(raw["to"])
        )
        if weekly.start_minute >= weekly.end_minute:
            raise HoursInvalid(f"'hours': {raw['from']}-{raw['to']} is empty or crosses midnight")
        ranges.append(weekly)
    return tuple(ranges)


def parse_holidays(raw: Any) -> frozenset[date]:
    raw = raw or []
    if not isinstance(raw, list):
        raise HoursInvalid("'holidays' must be a list of YYYY-MM-DD dates")
    holidays: set[date] = set()
    for item in raw:
        try:
            holidays.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise HoursInvalid(f"'holidays': {item!r} is not a YYYY-MM-DD date") from None
    return frozenset(holidays)
