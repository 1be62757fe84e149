"""Reading an agent's schedule forms: a weekly pattern or a date exception.

Every parser takes the submitted form as plain strings, returns typed values
and raises FormInvalid naming each bad field with an i18n key, so the page
can re-render with what was typed.  The calendar and planner forms have
their own modules (``calendar_input``, ``planner_input``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hotline.shifts.exceptions import FormInvalid
from hotline.shifts.schedule import WEEKDAY_KEYS, WorkRange, parse_clock


def text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "") or "").strip()


def iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


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
