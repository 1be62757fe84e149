"""Reading the shifts forms: typed values, or the field that is wrong and why.

Every parser returns plain values and raises FormInvalid naming each bad
field with an i18n key, so the page can re-render with what was typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from admin_ui.shifts.exceptions import FormInvalid
from admin_ui.shifts.schedule import WEEKDAY_KEYS, WorkRange, parse_clock
from hotline import erlang

CALENDAR_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DAYS_RE: Final = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?")


def text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "") or "").strip()


def work_range(form: Mapping[str, Any], errors: dict[str, str]) -> WorkRange | None:
    start = parse_clock(text(form, "start"))
    end = parse_clock(text(form, "end"))
    if start is None:
        errors["start"] = "shifts.error.clock"
    if end is None:
        errors["end"] = "shifts.error.clock"
    if start is None or end is None:
        return None
    if end <= start:
        errors["end"] = "shifts.error.end_before_start"
        return None
    return WorkRange(start, end)


def weekly_pattern(form: Mapping[str, Any]) -> tuple[int, WorkRange]:
    errors: dict[str, str] = {}
    weekday = text(form, "weekday")
    if weekday not in WEEKDAY_KEYS:
        errors["weekday"] = "shifts.error.weekday"
    hours = work_range(form, errors)
    if errors or hours is None:
        raise FormInvalid(errors)
    return WEEKDAY_KEYS.index(weekday), hours


@dataclass(frozen=True)
class ExceptionInput:
    day: date
    off: bool
    hours: WorkRange | None
    note: str


def date_exception(form: Mapping[str, Any]) -> ExceptionInput:
    errors: dict[str, str] = {}
    day = iso_date(text(form, "day"))
    if day is None:
        errors["day"] = "shifts.error.date"
    off = text(form, "kind") != "hours"
    hours = None if off else work_range(form, errors)
    note = text(form, "note")
    if len(note) > 200:
        errors["note"] = "shifts.error.too_long"
    if errors or day is None:
        raise FormInvalid(errors)
    return ExceptionInput(day, off, hours, note)


def iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


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


def calendar_form_values(timezone: str, hours: list[Any], holidays: list[Any]) -> dict[str, str]:
    """The stored calendar as the text the form shows."""
    return {
        "timezone": timezone,
        "hours": "\n".join(f"{h['days']} {h['from']}-{h['to']}" for h in hours),
        "holidays": "\n".join(f"{h['date']} {h.get('name', '')}".rstrip() for h in holidays),
    }


@dataclass(frozen=True)
class PlannerInput:
    calls: tuple[float, ...]
    interval_minutes: int
    first_start_minute: int
    day: date
    aht_s: float
    service_level: float
    answer_within_s: float
    max_occupancy: float | None
    shrinkage: float


# Longer than any real number: float() of a huge string is not free.
_MAX_NUMBER_CHARS: Final = 32
# 96 numbers of up to 9 characters with separators, and room for untidy pasting.
_MAX_CALLS_CHARS: Final = 4_000


def _display(value: float) -> str:
    return f"{value:g}"


# What the bounds of hotline.erlang look like in the form's units (the
# values the error messages name).
PLANNER_LIMITS: Final = {
    "max_calls": _display(erlang.MAX_CALLS_PER_INTERVAL),
    "max_intervals": str(erlang.MAX_INTERVALS),
    "min_aht": _display(erlang.MIN_AHT_S),
    "max_aht": _display(erlang.MAX_AHT_S),
    "min_service_level": _display(erlang.MIN_SERVICE_LEVEL * 100),
    "max_service_level": _display(round(erlang.MAX_SERVICE_LEVEL * 100, 6)),
    "max_answer_within": _display(erlang.MAX_ANSWER_WITHIN_S),
    "min_occupancy": _display(erlang.MIN_OCCUPANCY_CAP * 100),
    "max_shrinkage": _display(round(erlang.MAX_SHRINKAGE * 100, 6)),
    "max_agents": str(erlang.MAX_AGENTS),
}


def _number(form: Mapping[str, Any], name: str, errors: dict[str, str]) -> float | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        value = float(raw) if len(raw) <= _MAX_NUMBER_CHARS else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors[name] = "shifts.error.number"
        return None
    return value


def _bounded(
    form: Mapping[str, Any],
    name: str,
    errors: dict[str, str],
    *,
    lowest: float,
    highest: float,
    percent: bool = False,
    optional: bool = False,
) -> float | None:
    """The field's value (a fraction for a percentage), or None with its error set."""
    value = _number(form, name, errors)
    if value is None:
        if not optional:
            errors.setdefault(name, f"shifts.error.{name}_range")
        return None
    if percent:
        # Rounded so that 99.9 % is exactly the 0.999 the core allows.
        value = round(value / 100.0, 9)
    if not lowest <= value <= highest:
        errors[name] = f"shifts.error.{name}_range"
        return None
    return value


def _calls(raw: str, errors: dict[str, str]) -> list[float]:
    if len(raw) > _MAX_CALLS_CHARS:
        errors["calls"] = "shifts.error.too_many_intervals"
        return []
    calls: list[float] = []
    for token in re.split(r"[\s,;]+", raw):
        if not token:
            continue
        try:
            value = float(token) if len(token) <= _MAX_NUMBER_CHARS else math.nan
        except ValueError:
            value = math.nan
        if not 0 <= value <= erlang.MAX_CALLS_PER_INTERVAL:  # NaN fails too
            errors["calls"] = "shifts.error.calls"
        calls.append(value)
    if not calls:
        errors["calls"] = "shifts.error.calls_missing"
    elif len(calls) > erlang.MAX_INTERVALS:
        errors["calls"] = "shifts.error.too_many_intervals"
    return calls


def planner(form: Mapping[str, Any], today: date) -> PlannerInput:
    """Every input inside the bounds of hotline.erlang, or FormInvalid naming each field."""
    errors: dict[str, str] = {}
    calls = _calls(text(form, "calls"), errors)
    interval = text(form, "interval") or "30"
    if interval not in ("15", "30", "60"):
        errors["interval"] = "shifts.error.interval"
    first_start = parse_clock(text(form, "start") or "00:00")
    if first_start is None:
        errors["start"] = "shifts.error.clock"
    elif interval.isdigit() and first_start + len(calls) * int(interval) > 24 * 60:
        errors.setdefault("calls", "shifts.error.past_midnight")
    day = iso_date(text(form, "date")) if text(form, "date") else today
    if day is None:
        errors["date"] = "shifts.error.date"
    aht = _bounded(form, "aht", errors, lowest=erlang.MIN_AHT_S, highest=erlang.MAX_AHT_S)
    level = _bounded(
        form,
        "service_level",
        errors,
        lowest=erlang.MIN_SERVICE_LEVEL,
        highest=erlang.MAX_SERVICE_LEVEL,
        percent=True,
    )
    within = _bounded(form, "answer_within", errors, lowest=0.0, highest=erlang.MAX_ANSWER_WITHIN_S)
    occupancy = _bounded(
        form,
        "max_occupancy",
        errors,
        lowest=erlang.MIN_OCCUPANCY_CAP,
        highest=1.0,
        percent=True,
        optional=True,
    )
    shrinkage = _bounded(
        form,
        "shrinkage",
        errors,
        lowest=0.0,
        highest=erlang.MAX_SHRINKAGE,
        percent=True,
        optional=True,
    )
    if errors:
        raise FormInvalid(errors)
    assert first_start is not None and day is not None and aht is not None
    assert level is not None and within is not None
    return PlannerInput(
        calls=tuple(calls),
        interval_minutes=int(interval),
        first_start_minute=first_start,
        day=day,
        aht_s=aht,
        service_level=level,
        answer_within_s=within,
        max_occupancy=occupancy,
        shrinkage=shrinkage or 0.0,
    )
