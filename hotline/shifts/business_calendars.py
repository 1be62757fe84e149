"""Business calendars: the named opening hours and holidays flows' time conditions use.

Calendars are the tenant's (``tenant_id``, the signed-in user's), and only its
own flows can use one (hotline/calendars.py looks names up in the flow's
tenant).  Calendar names stay one namespace, so a name another tenant holds
is refused as "not available", saying no more.  The form is read by
``calendar_input``; the flow engine judges the result
(``hotline.calendars.check_calendar``), so a stored calendar never makes a
published flow fail when a call starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.calendars import CalendarInvalid, check_calendar, referenced_calendars, spec_of
from hotline.errors import NotFound
from hotline.models import Flow, FlowVersion
from hotline.models_shifts import BusinessCalendar
from hotline.shifts import calendar_input
from hotline.shifts.change import Change
from hotline.shifts.exceptions import CalendarInUse, FormInvalid
from hotline.tenancy import scoped


def _calendar_json(row: BusinessCalendar) -> dict[str, Any]:
    return {
        "name": row.name,
        "timezone": row.timezone,
        "hours": row.hours,
        "holidays": row.holidays,
    }


async def list_calendars(tenant_id: int) -> list[dict[str, Any]]:
    rows = await scoped(BusinessCalendar, tenant_id).order_by("name")
    return [_calendar_json(row) for row in rows]


async def _calendar(tenant_id: int, name: str) -> BusinessCalendar:
    """The tenant's calendar ``name``; another tenant's is as missing as none."""
    row = await scoped(BusinessCalendar, tenant_id).get_or_none(name=name)
    if row is None:
        raise NotFound(f"no calendar named {name!r}", {"calendar": name})
    return row


async def get_calendar(tenant_id: int, name: str) -> dict[str, Any]:
    row = await _calendar(tenant_id, name)
    return {**_calendar_json(row), "used_by": await calendar_usage(tenant_id, name)}


async def calendar_usage(tenant_id: int, name: str) -> list[str]:
    """The tenant's flows whose draft or live version names the calendar.

    Only a flow of the calendar's tenant can use it: other tenants' flows
    look the name up among their own calendars.
    """
    used: list[str] = []
    for flow in await scoped(Flow, tenant_id).order_by("name"):
        definitions = [flow.draft]
        if flow.published_version_id is not None:
            live = await scoped(FlowVersion, tenant_id).get_or_none(id=flow.published_version_id)
            if live is not None:
                definitions.append(live.definition)
        if any(isinstance(d, dict) and name in referenced_calendars(d) for d in definitions):
            used.append(flow.name)
    return used


def _checked(form: Mapping[str, Any]) -> calendar_input.CalendarInput:
    parsed = calendar_input.calendar(form)
    try:
        check_calendar(spec_of(parsed.timezone, parsed.hours, parsed.holidays))
    except CalendarInvalid as error:
        # The form parser accepts what the flow engine accepts; this is the
        # engine's last word, shown on the hours field.
        raise FormInvalid({"hours": "shifts.error.hours_line"}) from error
    return parsed


async def create_calendar(tenant_id: int, form: Mapping[str, Any]) -> Change:
    parsed = _checked(form)
    if await scoped(BusinessCalendar, tenant_id).filter(name=parsed.name).exists():
        raise FormInvalid({"name": "shifts.error.calendar_exists"})
    if await BusinessCalendar.exists(name=parsed.name):
        # Another tenant's: names are global, but whose it is is not ours to say.
        raise FormInvalid({"name": "shifts.error.calendar_unavailable"})
    row = await BusinessCalendar.create(
        tenant_id=tenant_id,
        name=parsed.name,
        timezone=parsed.timezone,
        hours=parsed.hours,
        holidays=parsed.holidays,
    )
    return Change(row.name, None, _calendar_json(row))


async def update_calendar(tenant_id: int, name: str, form: Mapping[str, Any]) -> Change:
    row = await _calendar(tenant_id, name)
    # The name is how flows refer to the calendar, so it is not editable here.
    parsed = _checked({**form, "name": name})
    before = _calendar_json(row)
    row.timezone, row.hours, row.holidays = parsed.timezone, parsed.hours, parsed.holidays
    await row.save()
    return Change(name, before, _calendar_json(row))


async def delete_calendar(tenant_id: int, name: str) -> Change:
    row = await _calendar(tenant_id, name)
    # Only the tenant's own flows can use its calendar (see calendar_usage).
    used_by = await calendar_usage(tenant_id, name)
    if used_by:
        raise CalendarInUse(name, used_by)
    before = _calendar_json(row)
    await row.delete()
    return Change(name, before, None)
