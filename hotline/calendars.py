"""Named business-hours calendars for flow ``time_condition`` nodes.

A node may say ``"calendar": "support-hours"`` instead of carrying its own
``timezone``, ``hours`` and ``holidays``.  ``resolve_calendars`` fills them
in from the stored calendar when a call starts, so the flow engine only ever
sees the inline form and a calendar edit takes effect on the next call
without republishing flows.

Calendars belong to a tenant (hotline/tenancy.py): a flow's calendar names
are looked up among its own tenant's calendars only, at validation and when
a call starts, so another tenant's calendar is as unknown as a missing one.

Whether a calendar is one a ``time_condition`` node accepts is decided by
the one hours grammar both read (``hotline/business_hours.py``,
``check_calendar``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotline.business_hours import HoursInvalid, parse_holidays, parse_hours, parse_timezone
from hotline.errors import HotlineError
from hotline.models_shifts import BusinessCalendar
from hotline.tenancy import scoped

CALENDAR_KEY = "calendar"
INLINE_KEYS = ("timezone", "hours", "holidays")


class UnknownCalendar(HotlineError):
    error_id = "unknown-calendar"
    status_code = 422

    def __init__(self, node_id: str, calendar: str) -> None:
        super().__init__(
            f"node {node_id!r}: there is no business calendar named {calendar!r}",
            {"node": node_id, "calendar": calendar},
        )


class CalendarInvalid(HotlineError):
    error_id = "calendar-invalid"
    status_code = 422


@dataclass(frozen=True)
class CalendarSpec:
    """What a time_condition needs from a calendar (holiday names stay in the UI)."""

    timezone: str
    hours: tuple[Mapping[str, Any], ...]
    holiday_dates: tuple[str, ...]

    def node_fields(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "hours": [dict(weekly) for weekly in self.hours],
            "holidays": list(self.holiday_dates),
        }


def check_calendar(spec: CalendarSpec) -> None:
    """Raise CalendarInvalid unless a time_condition node would accept ``spec``.

    The node reads hours with the same grammar (``hotline/business_hours.py``),
    so a stored calendar can never make a published flow fail when a call starts.
    """
    try:
        parse_timezone(spec.timezone)
        parse_hours([dict(weekly) for weekly in spec.hours])
        parse_holidays(list(spec.holiday_dates))
    except HoursInvalid as error:
        raise CalendarInvalid(str(error), {"reason": str(error)}) from error


def _time_condition_nodes(definition: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    nodes = definition.get("nodes")
    if not isinstance(nodes, dict):
        return []
    return [
        (node_id, node)
        for node_id, node in nodes.items()
        if isinstance(node, dict) and node.get("kind") == "time_condition"
    ]


def referenced_calendars(definition: Mapping[str, Any]) -> set[str]:
    """Names of the calendars a flow definition uses."""
    return {
        str(node[CALENDAR_KEY])
        for _, node in _time_condition_nodes(definition)
        if node.get(CALENDAR_KEY) is not None
    }


def apply_calendars(
    definition: Mapping[str, Any], calendars: Mapping[str, CalendarSpec]
) -> dict[str, Any]:
    """A copy of ``definition`` with every calendar reference made inline (pure)."""
    resolved: dict[str, Any] = copy.deepcopy(dict(definition))
    for node_id, node in _time_condition_nodes(resolved):
        if node.get(CALENDAR_KEY) is None:
            node.pop(CALENDAR_KEY, None)
            continue
        name = str(node.pop(CALENDAR_KEY))
        spec = calendars.get(name)
        if spec is None:
            raise UnknownCalendar(node_id, name)
        # The calendar wins over stale inline fields: one source of truth.
        node.update(spec.node_fields())
    return resolved


def spec_of(timezone: str, hours: list[Any], holidays: list[Any]) -> CalendarSpec:
    """From the stored form (holidays as {"date", "name"}) to a CalendarSpec."""
    dates = tuple(str(item["date"]) if isinstance(item, dict) else str(item) for item in holidays)
    return CalendarSpec(timezone, tuple(dict(weekly) for weekly in hours), dates)


async def load_calendars(names: set[str], tenant_id: int) -> dict[str, CalendarSpec]:
    """``tenant_id``'s calendars among ``names``, by name."""
    if not names:
        return {}
    rows = await scoped(BusinessCalendar, tenant_id).filter(name__in=sorted(names))
    return {row.name: spec_of(row.timezone, row.hours, row.holidays) for row in rows}


async def resolve_calendars(definition: dict[str, Any], *, tenant_id: int) -> dict[str, Any]:
    """A copy of ``definition`` whose time_condition nodes carry their calendar inline.

    ``tenant_id`` is the flow's tenant: only its calendars are found.  Raises
    UnknownCalendar (naming the node and the calendar) for a name that is not
    one of them.  Call it when a call starts and before validating a flow.
    """
    calendars = await load_calendars(referenced_calendars(definition), tenant_id)
    return apply_calendars(definition, calendars)
