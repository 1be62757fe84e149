"""Reading the staffing planner's form: every input inside the bounds of hotline.erlang.

Percentages are typed as percent and become fractions here; a bad field
raises FormInvalid naming it with an i18n key.  Bounds are checked before
anything is computed, so no form can make the planner's child process work
longer than the worst case measured in ``planner_job``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from hotline import erlang
from hotline.shifts.exceptions import FormInvalid
from hotline.shifts.schedule import parse_clock
from hotline.shifts.schedule_input import iso_date, text


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
