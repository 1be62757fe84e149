"""A campaign's dialing policy: retries are bounded, windows are kept, dnc is final."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ari_apps.campaigns import policy as p
from ari_apps.campaigns.policy import (
    CallWindow,
    Decision,
    DialCheck,
    PolicyInvalid,
    RetryPolicy,
    RetryRule,
    after_attempt,
    dial_time_check,
    next_opening,
    window_allows,
)
from hotline.business_hours import WeeklyRange

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
MOBILE = "+8613800138000"
# Office hours in China: weekdays 09:00-12:00 and 13:30-20:00, Saturdays 10:00-16:00.
WINDOW = p.parse_call_window(
    {
        "timezone": "Asia/Shanghai",
        "hours": [
            {"days": "mon-fri", "from": "09:00", "to": "12:00"},
            {"days": "mon-fri", "from": "13:30", "to": "20:00"},
            {"days": "sat", "from": "10:00", "to": "16:00"},
        ],
        "holidays": ["2025-10-01", "2025-10-02"],
    }
)
ALWAYS = CallWindow("UTC", (WeeklyRange(frozenset(range(7)), 0, 24 * 60),))
# Tuesday 2025-09-30, 10:00 in Shanghai.
TUESDAY_10 = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)


def _at(day: int, hour: int, minute: int = 0, *, month: int = 9) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


# -- the retry policy --------------------------------------------------------


def test_the_default_policy_is_the_documented_one() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 3
    assert {o: (policy.rule(o).delay_seconds, policy.rule(o).max_retries) for o in p.RETRYABLE} == {
        "busy": (300, 3),
        "no_answer": (1800, 3),
        "machine": (3600, 2),
        "failed": (600, 2),
        "abandoned": (600, 1),
    }
    assert p.parse_retry_policy(policy.as_dict()) == policy
    assert p.parse_retry_policy({}) == policy


def test_outcomes_are_exactly_the_dialers_words() -> None:
    assert set(p.OUTCOMES) == {
        "human",
        "machine",
        "busy",
        "no_answer",
        "failed",
        "abandoned",
        "dnc",
        "outside_window",
        "trunk_busy",
    }


def test_a_full_trunk_spends_no_attempt_and_the_contact_is_due_shortly() -> None:
    one_attempt = RetryPolicy(max_attempts=1)
    now = TUESDAY_10
    decision = after_attempt(one_attempt, p.TRUNK_BUSY, ["trunk_busy"] * 30, now)
    assert decision == Decision(p.TRUNK_BUSY, now + p.TRUNK_BUSY_RETRY)
    assert p.attempts_made(["trunk_busy"] * 30) == 0
    # Still the one attempt to make: the contact is dialled.
    check = dial_time_check(
        one_attempt, ALWAYS, phone=MOBILE, contact_timezone=None, previous=["trunk_busy"], now=now
    )
    assert check.verdict == p.DIAL_NOW


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": "3"}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"busy": {"delay_seconds": 0}}, "busy.delay_seconds"),
        ({"no_answer": {"delay_seconds": 10**9}}, "no_answer.delay_seconds"),
        ({"machine": {"max_retries": -1}}, "machine.max_retries"),
        ({"abandoned": {"max_retries": 1.5}}, "abandoned.max_retries"),
        ({"failed": {"delay": 60}}, "failed.delay"),
        ({"failed": 60}, "failed"),
        ({"human": {"max_retries": 1}}, "human"),
    ],
)
def test_given_a_bad_setting_then_the_error_names_the_field(
    raw: dict[str, object], field: str
) -> None:
    with pytest.raises(PolicyInvalid) as caught:
        p.parse_retry_policy(raw)
    error = caught.value
    assert (error.field, error.details["field"], error.status_code) == (field, field, 422)
    assert error.message.startswith(f"{field!r}:")


def test_given_a_policy_built_in_code_then_it_is_checked_too() -> None:
    with pytest.raises(PolicyInvalid, match=r"'busy\.delay_seconds'"):
        RetryPolicy(busy=RetryRule(-5, 1))


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"timezone": "Mars/Base", "hours": []}, "timezone"),
        ({"timezone": "UTC", "hours": [{"days": "mon", "from": "10:00", "to": "09:00"}]}, "hours"),
        ({"timezone": "UTC", "hours": [], "holidays": ["31/12"]}, "holidays"),
        ({"timezone": "UTC", "hours": [], "open": True}, "open"),
    ],
)
def test_given_a_bad_window_then_the_error_names_the_field(
    raw: dict[str, object], field: str
) -> None:
    with pytest.raises(PolicyInvalid) as caught:
        p.parse_call_window(raw)
    assert caught.value.field == field


# -- after an attempt ----------------------------------------------------------


def test_given_a_human_then_the_contact_is_reached() -> None:
    assert after_attempt(RetryPolicy(), p.HUMAN, [p.BUSY], TUESDAY_10) == Decision(p.REACHED)


def test_given_busy_then_it_is_retried_after_the_busy_delay() -> None:
    decision = after_attempt(RetryPolicy(), p.BUSY, [], TUESDAY_10)
    assert not decision.done
    assert decision == Decision(p.BUSY, TUESDAY_10 + timedelta(seconds=300))


def test_given_the_last_attempt_then_the_contact_is_done() -> None:
    policy = RetryPolicy()
    assert after_attempt(policy, p.NO_ANSWER, [p.BUSY], TUESDAY_10).retry_at is not None
    decision = after_attempt(policy, p.NO_ANSWER, [p.BUSY, p.MACHINE], TUESDAY_10)
    assert decision == Decision(p.MAX_ATTEMPTS)
    assert decision.done


def test_given_an_outcomes_retries_used_up_then_it_is_final_for_that_reason() -> None:
    policy = RetryPolicy(abandoned=RetryRule(600, 1), machine=RetryRule(60, 0), max_attempts=10)
    assert not after_attempt(policy, p.ABANDONED, [], TUESDAY_10).done
    assert after_attempt(policy, p.ABANDONED, [p.ABANDONED], TUESDAY_10) == Decision(
        "max abandoned retries"
    )
    assert after_attempt(policy, p.MACHINE, [], TUESDAY_10) == Decision("max machine retries")
    busy = RetryPolicy(busy=RetryRule(300, 3), max_attempts=10)
    assert not after_attempt(busy, p.BUSY, [p.BUSY] * 2, TUESDAY_10).done
    assert after_attempt(busy, p.BUSY, [p.BUSY] * 3, TUESDAY_10) == Decision("max busy retries")


def test_given_counts_or_a_list_then_the_history_reads_the_same() -> None:
    policy = RetryPolicy(max_attempts=5)
    as_list = after_attempt(policy, p.BUSY, [p.BUSY, p.NO_ANSWER, p.BUSY], TUESDAY_10)
    as_counts = after_attempt(policy, p.BUSY, {"busy": 2, "no_answer": 1}, TUESDAY_10)
    assert as_list == as_counts == Decision(p.BUSY, TUESDAY_10 + timedelta(minutes=5))
    assert p.attempts_made({"busy": 2, "outside_window": 7, "dnc": 0}) == 2
    with pytest.raises(ValueError, match="'ringing' is not an outcome"):
        after_attempt(policy, p.BUSY, ["ringing"], TUESDAY_10)
    with pytest.raises(ValueError, match="'ringing' is not an outcome"):
        after_attempt(policy, "ringing", [], TUESDAY_10)
    with pytest.raises(ValueError, match="not a count"):
        p.attempts_made({"busy": -1})
    with pytest.raises(TypeError):
        p.attempts_made("busy")


def test_given_dnc_then_it_is_final_and_stays_final() -> None:
    assert after_attempt(RetryPolicy(), p.DNC, [], TUESDAY_10) == Decision(p.DNC)
    assert after_attempt(RetryPolicy(), p.BUSY, [p.DNC], TUESDAY_10) == Decision(p.DNC)


def test_given_outside_window_then_it_waits_for_the_opening_and_counts_no_attempt() -> None:
    policy = RetryPolicy(max_attempts=2)
    evening = _at(30, 21)  # Tuesday 21:00; Oct 1 and 2 are holidays
    decision = after_attempt(policy, p.OUTSIDE_WINDOW, [p.BUSY], evening, window=WINDOW)
    assert decision == Decision(p.OUTSIDE_WINDOW, _at(3, 9, month=10))
    # Many of them still leave the second attempt.
    history = [p.BUSY, *[p.OUTSIDE_WINDOW] * 10]
    assert after_attempt(policy, p.OUTSIDE_WINDOW, history, evening, window=WINDOW).retry_at
    assert p.attempts_made(history) == 1
    with pytest.raises(ValueError, match="call window"):
        after_attempt(policy, p.OUTSIDE_WINDOW, [], evening)


def test_given_outside_window_while_it_looks_open_then_it_is_rechecked_shortly() -> None:
    decision = after_attempt(RetryPolicy(), p.OUTSIDE_WINDOW, [], TUESDAY_10, window=WINDOW)
    assert decision.retry_at == TUESDAY_10 + p.RECHECK_AFTER


def test_given_a_window_then_a_retry_is_moved_to_its_opening() -> None:
    late = _at(30, 19, 58)
    decision = after_attempt(RetryPolicy(), p.BUSY, [], late, window=WINDOW)
    assert decision == Decision(p.BUSY, _at(3, 9, month=10))
    # The callee's own zone: 19:58 in Shanghai is 07:58 in New York, open at 09:00.
    ny = after_attempt(
        RetryPolicy(), p.BUSY, [], late, window=WINDOW, contact_timezone="America/New_York"
    )
    assert ny.retry_at == datetime(2025, 9, 30, 9, 0, tzinfo=NEW_YORK)
    closed = CallWindow("UTC", ())
    assert after_attempt(RetryPolicy(), p.BUSY, [], late, window=closed) == Decision(p.NEVER_OPENS)


# -- call windows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (_at(30, 8, 59), False),
        (_at(30, 9, 0), True),
        (_at(30, 11, 59), True),
        (_at(30, 12, 0), False),
        (_at(30, 13, 30), True),
        (_at(30, 20, 0), False),
        (_at(27, 15, 59), True),  # Saturday
        (_at(28, 11, 0), False),  # Sunday
        (_at(1, 11, 0, month=10), False),  # a holiday
        (_at(3, 11, 0, month=10), True),
    ],
)
def test_the_window_is_read_in_the_callees_time(moment: datetime, allowed: bool) -> None:
    assert window_allows(WINDOW, None, moment) is allowed
    assert window_allows(WINDOW, "Asia/Shanghai", moment.astimezone(UTC)) is allowed


def test_given_a_contact_zone_then_its_local_time_and_holidays_count() -> None:
    # 22:00 in Shanghai is 10:00 in New York on a Tuesday.
    assert not window_allows(WINDOW, None, _at(30, 22))
    assert window_allows(WINDOW, "America/New_York", _at(30, 22))
    # Oct 1, 10:00 in New York is a holiday there, whatever the date in Shanghai.
    oct_1_ny = datetime(2025, 10, 1, 10, 0, tzinfo=NEW_YORK)
    assert not window_allows(WINDOW, "America/New_York", oct_1_ny)
    # Oct 2, 14:00 in New York: Oct 3 in Shanghai, but still the holiday in New York.
    assert not window_allows(WINDOW, "America/New_York", datetime(2025, 10, 2, 14, tzinfo=NEW_YORK))
    assert window_allows(WINDOW, "America/New_York", datetime(2025, 10, 3, 14, tzinfo=NEW_YORK))


def test_given_a_naive_time_or_an_unknown_zone_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        window_allows(WINDOW, None, datetime(2025, 9, 30, 10))
    with pytest.raises(ValueError, match="Mars"):
        window_allows(WINDOW, "Mars/Base", TUESDAY_10)


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (_at(30, 10, 0), _at(30, 10, 0)),  # open: now
        (_at(30, 8, 0), _at(30, 9, 0)),
        (
            _at(
                30,
                12,
                0,
            ),
            _at(30, 13, 30),
        ),
        (_at(29, 12, 30), _at(29, 13, 30)),
        (_at(26, 20, 0), _at(27, 10, 0)),  # Friday evening: Saturday
        (_at(27, 16, 0), _at(29, 9, 0)),  # Saturday afternoon: Monday
        (_at(30, 20, 0), _at(3, 9, 0, month=10)),  # over the holidays
        (datetime(2025, 9, 30, 8, 59, 30, tzinfo=SHANGHAI), _at(30, 9, 0)),
    ],
)
def test_next_opening_is_the_windows_next_start(now: datetime, opening: datetime) -> None:
    assert next_opening(WINDOW, None, now) == opening


def test_next_opening_is_in_nows_time_zone() -> None:
    found = next_opening(WINDOW, None, _at(30, 8).astimezone(UTC))
    assert found is not None and found.tzinfo is UTC
    assert found == _at(30, 9)


def test_given_a_window_that_never_opens_then_there_is_no_opening() -> None:
    assert next_opening(CallWindow("UTC", ()), None, TUESDAY_10) is None
    every_day = frozenset(date(2025, 9, 30) + timedelta(days=n) for n in range(400))
    closed = CallWindow("Asia/Shanghai", WINDOW.hours, every_day)
    assert next_opening(closed, None, TUESDAY_10) is None
    # The search goes past the first day's end.
    monday = CallWindow("UTC", (WeeklyRange(frozenset({0}), 0, 60),))
    assert next_opening(monday, None, datetime(2025, 9, 30, tzinfo=UTC)) == datetime(
        2025, 10, 6, tzinfo=UTC
    )


def test_given_the_clock_springs_forward_then_the_opening_is_the_jump() -> None:
    # New York, Sunday 2025-03-09: 02:00 EST becomes 03:00 EDT.
    window = CallWindow("America/New_York", (WeeklyRange(frozenset({6}), 150, 240),))
    now = datetime(2025, 3, 9, 0, 0, tzinfo=NEW_YORK)
    found = next_opening(window, None, now)
    assert found == datetime(2025, 3, 9, 7, 0, tzinfo=UTC)  # 03:00 EDT, not 03:30
    skipped = CallWindow("America/New_York", (WeeklyRange(frozenset({6}), 120, 150),))
    assert next_opening(skipped, None, now) == datetime(2025, 3, 16, 2, 0, tzinfo=NEW_YORK)


def test_given_the_clock_falls_back_then_the_repeated_hour_opens_again() -> None:
    # New York, Sunday 2025-11-02: 02:00 EDT becomes 01:00 EST.
    window = CallWindow("America/New_York", (WeeklyRange(frozenset({6}), 60, 90),))
    after_first_pass = datetime(2025, 11, 2, 5, 45, tzinfo=UTC)  # 01:45 EDT
    assert next_opening(window, None, after_first_pass) == datetime(2025, 11, 2, 6, 0, tzinfo=UTC)


# -- do not call ------------------------------------------------------------


def test_is_blocked_names_the_list_with_exact_numbers_and_prefixes() -> None:
    assert p.is_blocked(MOBILE, [MOBILE], []) == p.GLOBAL_LIST
    assert p.is_blocked(MOBILE, [], {MOBILE}) == p.CAMPAIGN_LIST
    assert p.is_blocked(MOBILE, [MOBILE], [MOBILE]) == p.GLOBAL_LIST
    assert p.is_blocked("+864001234567", [], ["+86400*"]) == p.CAMPAIGN_LIST
    assert p.is_blocked("+86400", ["+86400*"], []) == p.GLOBAL_LIST
    assert p.is_blocked("+8640", ["+86400*"], []) is None
    assert p.is_blocked(MOBILE, ["+8613800138001", " ", "+86139*"], ()) is None
    compiled = p.compile_dnc([" +86400* ", MOBILE, ""])
    assert compiled == p.DncList(frozenset({MOBILE}), frozenset({"+86400"}))
    assert p.is_blocked(MOBILE, (), compiled) == p.CAMPAIGN_LIST


@pytest.mark.parametrize("entry", ["13800138000", "+86 138", "*", "+86*400", "+"])
def test_given_a_bad_dnc_entry_then_it_is_named(entry: str) -> None:
    with pytest.raises(PolicyInvalid, match=r"is not an E\.164 number") as caught:
        p.compile_dnc([entry])
    assert caught.value.field == "dnc"


# -- the dial-time check --------------------------------------------------------


def _check(
    now: datetime,
    previous: list[str] | None = None,
    *,
    global_dnc: list[str] | None = None,
    campaign_dnc: list[str] | None = None,
) -> DialCheck:
    return dial_time_check(
        RetryPolicy(),
        WINDOW,
        phone=MOBILE,
        contact_timezone=None,
        previous=previous or [],
        now=now,
        global_dnc=global_dnc or [],
        campaign_dnc=campaign_dnc or [],
    )


def test_the_dial_time_check_dials_a_fresh_contact_in_the_window() -> None:
    assert _check(TUESDAY_10) == DialCheck(p.DIAL_NOW)


def test_the_dial_time_check_puts_dnc_first() -> None:
    late = _at(30, 23)
    exhausted = [p.BUSY] * 3
    assert _check(late, exhausted, global_dnc=[MOBILE]) == DialCheck(p.DNC, p.GLOBAL_LIST)
    assert _check(late, campaign_dnc=["+86138*"]) == DialCheck(p.DNC, p.CAMPAIGN_LIST)
    assert _check(TUESDAY_10, [p.DNC]) == DialCheck(p.DNC, p.MARKED)
    assert _check(TUESDAY_10, [p.DNC]).final


def test_the_dial_time_check_ends_a_finished_contact_before_waiting_for_a_window() -> None:
    late = _at(30, 23)
    assert _check(late, [p.BUSY, p.MACHINE, p.NO_ANSWER]) == DialCheck(p.DONE, p.MAX_ATTEMPTS)
    assert _check(late, [p.NO_ANSWER, p.HUMAN]) == DialCheck(p.DONE, p.REACHED)
    policy = RetryPolicy(abandoned=RetryRule(60, 0))
    found = dial_time_check(
        policy, WINDOW, phone=MOBILE, contact_timezone=None, previous=[p.ABANDONED], now=late
    )
    assert found == DialCheck(p.DONE, "max abandoned retries")


def test_the_dial_time_check_waits_for_the_window() -> None:
    check = _check(_at(30, 23), [p.BUSY, p.OUTSIDE_WINDOW])
    assert check == DialCheck(p.OUTSIDE_WINDOW, retry_at=_at(3, 9, month=10))
    assert not check.final
    never = dial_time_check(
        RetryPolicy(),
        CallWindow("UTC", ()),
        phone=MOBILE,
        contact_timezone=None,
        previous=[],
        now=TUESDAY_10,
    )
    assert never == DialCheck(p.DONE, p.NEVER_OPENS)


# -- invariants ----------------------------------------------------------------

_ZONES = (
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute clock change
    "Pacific/Chatham",  # UTC+12:45
    "America/Santiago",  # changes its clock at midnight
    "UTC",
)
# Days the clocks change in some of _ZONES, to start near one often.
_CHANGES = (
    datetime(2025, 3, 9, 7, tzinfo=UTC),
    datetime(2025, 11, 2, 6, tzinfo=UTC),
    datetime(2025, 3, 30, 1, tzinfo=UTC),
    datetime(2025, 10, 26, 1, tzinfo=UTC),
    datetime(2025, 4, 5, 15, tzinfo=UTC),
    datetime(2025, 10, 4, 15, tzinfo=UTC),
    datetime(2025, 4, 6, 3, tzinfo=UTC),
    datetime(2025, 9, 7, 4, tzinfo=UTC),
)

_rules = st.builds(RetryRule, st.integers(1, 3 * 86400), st.integers(0, 4))
_policies = st.builds(
    RetryPolicy,
    busy=_rules,
    no_answer=_rules,
    machine=_rules,
    failed=_rules,
    abandoned=_rules,
    max_attempts=st.integers(1, 6),
)


@st.composite
def _ranges(draw: st.DrawFn) -> WeeklyRange:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start = draw(st.integers(0, 24 * 60 - 1))
    end = draw(st.integers(start + 1, min(start + 8 * 60, 24 * 60)))
    return WeeklyRange(days, start, end)


_windows = st.builds(
    CallWindow,
    st.sampled_from(_ZONES),
    st.lists(_ranges(), max_size=3).map(tuple),
    st.frozensets(st.dates(date(2025, 1, 1), date(2026, 2, 1)), max_size=8),
)
_nows = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda base, minutes: base + timedelta(minutes=minutes),
        st.sampled_from(_CHANGES),
        st.integers(-3 * 1440, 3 * 1440),
    ),
)
_contact_zones = st.none() | st.sampled_from(_ZONES)


@settings(max_examples=200, deadline=None)
@given(_windows, _contact_zones, _nows)
def test_next_opening_is_the_first_allowed_instant_and_never_a_holiday(
    window: CallWindow, zone: str | None, now: datetime
) -> None:
    found = next_opening(window, zone, now)
    local_zone = ZoneInfo(zone or window.timezone)
    horizon = now + timedelta(days=2)
    if found is not None:
        assert found >= now
        assert window_allows(window, zone, found)
        assert found.astimezone(local_zone).date() not in window.holidays
        horizon = min(horizon, found)
    # Nothing earlier is allowed: every minute from now to it (or for two days) is closed.
    moment = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if found != now:
        assert not window_allows(window, zone, now)
    while moment < horizon:
        assert not window_allows(window, zone, moment), moment
        moment += timedelta(minutes=1)


@settings(max_examples=200, deadline=None)
@given(
    _policies,
    st.one_of(st.just(ALWAYS), _windows),
    _contact_zones,
    _nows,
    st.lists(st.sampled_from(p.OUTCOMES), min_size=1, max_size=25),
)
def test_a_contact_is_never_dialled_beyond_its_policy(
    policy: RetryPolicy,
    window: CallWindow,
    zone: str | None,
    now: datetime,
    outcomes: list[str],
) -> None:
    history: list[str] = []
    dialled = 0
    for outcome in outcomes:
        check = dial_time_check(
            policy, window, phone=MOBILE, contact_timezone=zone, previous=history, now=now
        )
        if check.verdict == p.OUTSIDE_WINDOW:
            assert check.retry_at is not None and check.retry_at > now
            assert window_allows(window, zone, check.retry_at)
            now = check.retry_at
            check = dial_time_check(
                policy, window, phone=MOBILE, contact_timezone=zone, previous=history, now=now
            )
        if check.final:
            break
        assert check.verdict == p.DIAL_NOW
        if outcome in p.ATTEMPTED:
            dialled += 1
        decision = after_attempt(
            policy, outcome, history, now, window=window, contact_timezone=zone
        )
        history.append(outcome)
        if decision.done:
            if decision.reason != p.NEVER_OPENS:
                again = dial_time_check(
                    policy, window, phone=MOBILE, contact_timezone=zone, previous=history, now=now
                )
                assert again.final
            break
        assert decision.retry_at is not None and decision.retry_at > now
        now = decision.retry_at
    assert dialled <= policy.max_attempts
    assert p.attempts_made(history) == dialled
    for outcome in p.RETRYABLE:
        assert history.count(outcome) <= policy.rule(outcome).max_retries + 1


@settings(max_examples=100, deadline=None)
@given(
    _policies,
    _windows,
    st.lists(st.sampled_from(p.OUTCOMES), max_size=8),
    _nows,
    st.sampled_from([p.GLOBAL_LIST, p.CAMPAIGN_LIST, p.MARKED]),
)
def test_dnc_is_always_final(
    policy: RetryPolicy, window: CallWindow, history: list[str], now: datetime, how: str
) -> None:
    assert after_attempt(policy, p.DNC, history, now, window=window).done
    history = [*history, p.DNC] if how == p.MARKED else [o for o in history if o != p.DNC]
    check = dial_time_check(
        policy,
        window,
        phone=MOBILE,
        contact_timezone=None,
        previous=history,
        now=now,
        global_dnc=[MOBILE] if how == p.GLOBAL_LIST else [],
        campaign_dnc=["+86138*"] if how == p.CAMPAIGN_LIST else [],
    )
    assert check == DialCheck(p.DNC, how)
    assert check.final
    for outcome in p.OUTCOMES:
        assert after_attempt(policy, outcome, [*history, p.DNC], now, window=window).done
