"""Step deadlines on business calendars (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.business_hours import parse_hours
from hotline.cases.deadlines import CalendarNeverOpens, CaseCalendar

SHANGHAI = "Asia/Shanghai"
OFFICE = CaseCalendar(
    SHANGHAI,
    parse_hours(
        [
            {"days": "mon-fri", "from": "08:30", "to": "12:00"},
            {"days": "mon-fri", "from": "13:30", "to": "17:30"},
        ]
    ),
    frozenset({date(2026, 12, 8)}),  # Tuesday: a holiday
)
# Monday 2026-12-07 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_round_the_clock_is_plain_hours() -> None:
    assert CaseCalendar().add(MONDAY_10, 24) == MONDAY_10 + timedelta(hours=24)


def test_given_office_hours_and_a_holiday_then_the_deadline_skips_both() -> None:
    # Monday: 2 h to noon and 4 h after lunch; Tuesday a holiday; Wednesday 2 h more.
    due = OFFICE.add(MONDAY_10, 8)
    assert due == datetime(2026, 12, 9, 2, 30, tzinfo=UTC)  # Wednesday 10:30 local
    assert OFFICE.open_hours_between(MONDAY_10, due) == pytest.approx(8)
    assert OFFICE.open_hours_between(due, MONDAY_10) == pytest.approx(-8)


def test_given_a_start_at_night_then_the_clock_starts_at_the_next_opening() -> None:
    friday_night = datetime(2026, 12, 11, 14, 0, tzinfo=UTC)  # 22:00 local
    assert OFFICE.add(friday_night, 1) == datetime(2026, 12, 14, 1, 30, tzinfo=UTC)


def test_given_a_calendar_that_never_opens_then_it_says_so() -> None:
    with pytest.raises(CalendarNeverOpens):
        CaseCalendar(SHANGHAI, ()).add(MONDAY_10, 1)


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    st.floats(min_value=0.25, max_value=200),
)
def test_the_open_hours_up_to_a_deadline_are_its_limit(start: datetime, hours: float) -> None:
    due = OFFICE.add(start, hours)
    assert due > start
    assert OFFICE.open_hours_between(start, due) == pytest.approx(hours, abs=1e-6)


BERLIN_ALL_DAY = CaseCalendar("Europe/Berlin")
# Europe/Berlin: clocks go forward on 2026-03-29 (a 23-hour day) and back on
# 2026-10-25 (a 25-hour day).


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC)),
        (datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 26, 12, tzinfo=UTC)),
    ],
)
def test_given_a_day_the_clocks_change_then_open_hours_are_real_hours(
    start: datetime, end: datetime
) -> None:
    assert BERLIN_ALL_DAY.open_hours_between(start, end) == 48.0
    assert BERLIN_ALL_DAY.add(start, 48) == end


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    st.floats(min_value=0.25, max_value=200),
)
def test_a_calendar_open_round_the_clock_counts_every_real_hour_whatever_its_zone(
    start: datetime, hours: float
) -> None:
    assert BERLIN_ALL_DAY.add(start, hours) == start + timedelta(hours=hours)
