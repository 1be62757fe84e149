"""Named business calendars resolved into flow time_condition nodes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ari_apps.ivr.commands import Hangup, InputRecorded
from ari_apps.ivr.testing import ScriptedCall
from hotline.calendars import (
    CalendarInvalid,
    CalendarSpec,
    UnknownCalendar,
    apply_calendars,
    check_calendar,
    referenced_calendars,
    resolve_calendars,
    spec_of,
)
from hotline.models_shifts import BusinessCalendar
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id

SHANGHAI_HOURS = [{"days": "mon-fri", "from": "09:00", "to": "18:00"}]
NATIONAL_DAY = {"date": "2026-10-01", "name": "National Day"}


def flow_using(calendar: str, **inline: Any) -> dict[str, Any]:
    return {
        "start": "hours",
        "nodes": {
            "hours": {
                "kind": "time_condition",
                "calendar": calendar,
                "open": "open",
                "closed": "closed",
                "holiday": "holiday",
                **inline,
            },
            "open": {"kind": "hangup", "reason": "open"},
            "closed": {"kind": "hangup", "reason": "closed"},
            "holiday": {"kind": "hangup", "reason": "holiday"},
        },
    }


@pytest.fixture
async def support_hours(seeded: Settings) -> BusinessCalendar:
    return await BusinessCalendar.create(
        tenant_id=await home_tenant_id(),
        name="support-hours",
        timezone="Asia/Shanghai",
        hours=SHANGHAI_HOURS,
        holidays=[NATIONAL_DAY],
    )


@pytest.mark.parametrize(
    ("utc_instant", "branch"),
    [
        (datetime(2026, 9, 30, 1, 0, tzinfo=UTC), "open"),  # Wednesday 09:00 Shanghai
        (datetime(2026, 9, 30, 0, 59, tzinfo=UTC), "closed"),  # Wednesday 08:59 Shanghai
        (datetime(2026, 9, 30, 10, 0, tzinfo=UTC), "closed"),  # Wednesday 18:00 Shanghai
        (datetime(2026, 10, 3, 3, 0, tzinfo=UTC), "closed"),  # Saturday
        (datetime(2026, 10, 1, 3, 0, tzinfo=UTC), "holiday"),  # Thursday, National Day
        (datetime(2026, 9, 30, 17, 0, tzinfo=UTC), "holiday"),  # already Oct 1 in Shanghai
    ],
)
async def test_given_flow_naming_a_calendar_when_call_arrives_then_branch_follows_calendar(
    support_hours: BusinessCalendar, utc_instant: datetime, branch: str
) -> None:
    resolved = await resolve_calendars(
        flow_using("support-hours"), tenant_id=await home_tenant_id()
    )

    call = ScriptedCall(resolved, now=utc_instant)
    commands = call.start()

    assert InputRecorded("hours", "time_condition", branch) in commands
    assert commands[-1] == Hangup(branch)


async def test_given_resolved_flow_then_calendar_key_is_gone_and_original_is_untouched(
    support_hours: BusinessCalendar,
) -> None:
    original = flow_using("support-hours")

    resolved = await resolve_calendars(original, tenant_id=await home_tenant_id())

    node = resolved["nodes"]["hours"]
    assert "calendar" not in node
    assert node["timezone"] == "Asia/Shanghai"
    assert node["hours"] == SHANGHAI_HOURS
    assert node["holidays"] == ["2026-10-01"]
    assert original["nodes"]["hours"]["calendar"] == "support-hours"
    assert "timezone" not in original["nodes"]["hours"]


async def test_given_calendar_edited_then_next_resolution_uses_new_hours(
    support_hours: BusinessCalendar,
) -> None:
    support_hours.hours = [{"days": "sat", "from": "10:00", "to": "12:00"}]
    await support_hours.save()

    resolved = await resolve_calendars(
        flow_using("support-hours"), tenant_id=await home_tenant_id()
    )
    saturday_11 = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)

    assert ScriptedCall(resolved, now=saturday_11).start()[-1] == Hangup("open")


async def test_given_unknown_calendar_then_error_names_node_and_calendar(
    support_hours: BusinessCalendar,
) -> None:
    with pytest.raises(UnknownCalendar) as raised:
        await resolve_calendars(flow_using("night-hours"), tenant_id=await home_tenant_id())

    error = raised.value
    assert error.error_id == "unknown-calendar" and error.status_code == 422
    assert error.details == {"node": "hours", "calendar": "night-hours"}
    assert "'hours'" in error.message and "'night-hours'" in error.message


async def test_given_flow_without_calendars_then_resolution_is_an_equal_copy(
    seeded: Settings,
) -> None:
    inline = flow_using("x")
    del inline["nodes"]["hours"]["calendar"]
    inline["nodes"]["hours"].update(timezone="UTC", hours=SHANGHAI_HOURS)

    resolved = await resolve_calendars(inline, tenant_id=await home_tenant_id())

    assert resolved == inline and resolved is not inline


def test_given_calendar_and_stale_inline_fields_then_calendar_wins() -> None:
    spec = CalendarSpec("Europe/Paris", ({"days": "sun", "from": "10:00", "to": "11:00"},), ())
    definition = flow_using("paris", timezone="UTC", hours=[], holidays=["2026-01-01"])

    resolved = apply_calendars(definition, {"paris": spec})

    assert resolved["nodes"]["hours"]["timezone"] == "Europe/Paris"
    assert resolved["nodes"]["hours"]["holidays"] == []
    assert referenced_calendars(definition) == {"paris"}
    assert referenced_calendars(resolved) == set()


def test_given_calendar_the_engine_would_refuse_then_check_fails() -> None:
    check_calendar(spec_of("Asia/Shanghai", SHANGHAI_HOURS, [NATIONAL_DAY]))
    with pytest.raises(CalendarInvalid):
        check_calendar(spec_of("Mars/Olympus", SHANGHAI_HOURS, []))
    with pytest.raises(CalendarInvalid):
        check_calendar(spec_of("UTC", [{"days": "fri-mon", "from": "09:00", "to": "17:00"}], []))
