"""Reading the business calendar form: name, timezone, opening hours, holidays.

Hours are typed one range per line (``mon-fri 08:00-18:00``) and become the
entries a flow's ``time_condition`` node takes; holidays are one date and a
name per line.  A bad field raises FormInvalid naming it with an i18n key.
The flow engine still has the last word on the result (see
``hotline.calendars.check_calendar``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.shifts.exceptions import FormInvalid
from hotline.shifts.schedule import parse_clock
from hotline.shifts.schedule_input import iso_date, text

CALENDAR_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DAYS_RE: Final = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?")


@dataclass(frozen=True)
class CalendarInput:
    name: str
    timezone: str
    hours: list[dict[str, str]]
    holidays: list[dict[str, str]]


def _hours_lines(raw: str, errors: dict[str, str]) -> list[dict[str, str]]:
    """'mon-fri 08:00-18:00' per line -> time_condition hours entries."""
    hours: list[dict[str, str]] = []
    for line in filter(None, (line.strip() for line in raw.splitlines())):
        days, _, span = line.lower().partition(" ")
        start, _, end = span.strip().partition("-")
        start_minute, end_minute = parse_clock(start), parse_clock(end)
        if (
            not all(_DAYS_RE.fullmatch(part) for part in days.split(","))
            or start_minute is None
            or end_minute is None
            or end_minute <= start_minute
        ):
            errors["hours"] = "shifts.error.hours_line"
            continue
        hours.append({"days": days, "from": start.strip(), "to": end.strip()})
    return hours


def _holiday_lines(raw: str, errors: dict[str, str]) -> list[dict[str, str]]:
    """'2026-12-25 Christmas' per line -> {"date", "name"}, sorted, no duplicates."""
    by_date: dict[str, str] = {}
    for line in filter(None, (line.strip() for line in raw.splitlines())):
        day_text, _, name = line.partition(" ")
        day = iso_date(day_text)
        if day is None or day.isoformat() in by_date:
            errors["holidays"] = "shifts.error.holiday_line"
            continue
        by_date[day.isoformat()] = name.strip()
    return [{"date": day, "name": name} for day, name in sorted(by_date.items())]


def calendar(form: Mapping[str, Any]) -> CalendarInput:
    errors: dict[str, str] = {}
    name = text(form, "name")
    if not CALENDAR_NAME_RE.fullmatch(name):
        errors["name"] = "shifts.error.calendar_name"
    timezone = text(form, "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors["timezone"] = "shifts.error.timezone"
    hours = _hours_lines(text(form, "hours"), errors)
    holidays = _holiday_lines(text(form, "holidays"), errors)
    if errors:
        raise FormInvalid(errors)
    return CalendarInput(name, timezone, hours, holidays)
