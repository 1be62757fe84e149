"""What the shifts forms show: a stored calendar as the text typed, the planner's bounds.

Presentation only.  Reading what was submitted is the kernel's
(``hotline/shifts/*_input.py``); these are its inverse for the calendar form
and, for the planner, the bounds of ``hotline.erlang`` in the units the form
takes (percent where ``hotline.shifts.planner_input`` reads percent).
"""

from __future__ import annotations

from typing import Any, Final

from hotline import erlang


def calendar_form_values(timezone: str, hours: list[Any], holidays: list[Any]) -> dict[str, str]:
    """The stored calendar as the text the form shows."""
    return {
        "timezone": timezone,
        "hours": "\n".join(f"{h['days']} {h['from']}-{h['to']}" for h in hours),
        "holidays": "\n".join(f"{h['date']} {h.get('name', '')}".rstrip() for h in holidays),
    }


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
