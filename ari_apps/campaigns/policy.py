"""What the dialer does with a campaign's contact: dial it now, later, or never again.

Pure: the policy, the contact's history and ``now`` in, a verdict out; no
clock, no database, no ARI.  The dialer asks :func:`dial_time_check` just
before it dials a contact, and :func:`after_attempt` with what the attempt
gave; it stores the answer (the contact is done, or due at ``retry_at``).

Outcomes, each the result of one attempt (or of the check before one):

* ``human``: someone answered; the contact is done (reached).
* ``machine``, ``busy``, ``no_answer``, ``failed``, ``abandoned`` (answered,
  but no agent was free in time): retried after the outcome's delay, at
  most the outcome's ``max_retries`` times, and never beyond the campaign's
  ``max_attempts`` dialled attempts in all.
* ``dnc``: the number is on a do-not-call list; final, never dialled.
* ``outside_window``: not the time to call the callee (their local time,
  :class:`CallWindow`); not an attempt, moved to the window's next opening.

The history of a contact is either its outcomes so far, in order, or their
counts (``{"busy": 2}``); only the six dialled outcomes count as attempts.

Call windows reuse the kernel's grammar of business hours
(``hotline/business_hours.py``): weekly ranges in the callee's time zone
(the contact's, else the window's), and holidays as dates in that zone.

Do-not-call entries are E.164 numbers, or prefixes ending in ``*``
(``+86400*``).  Compile a list once (:func:`compile_dnc`) when it is long:
a check is then a few set look-ups, whatever its size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from hotline.business_hours import (
    HoursInvalid,
    WeeklyRange,
    parse_holidays,
    parse_hours,
    parse_timezone,
)
from hotline.errors import HotlineError

HUMAN: Final = "human"
MACHINE: Final = "machine"
BUSY: Final = "busy"
NO_ANSWER: Final = "no_answer"
FAILED: Final = "failed"
ABANDONED: Final = "abandoned"
DNC: Final = "dnc"
OUTSIDE_WINDOW: Final = "outside_window"
# The trunk had no free line (never reached the network): not an attempt.
TRUNK_BUSY: Final = "trunk_busy"
OUTCOMES: Final = (
    HUMAN,
    MACHINE,
    BUSY,
    NO_ANSWER,
    FAILED,
    ABANDONED,
    DNC,
    OUTSIDE_WINDOW,
    TRUNK_BUSY,
)
RETRYABLE: Final = (BUSY, NO_ANSWER, MACHINE, FAILED, ABANDONED)
# Outcomes of a dialled attempt: the ones max_attempts counts.
ATTEMPTED: Final = frozenset({HUMAN, *RETRYABLE})

# Why a contact is done (Decision.reason, DialCheck.reason); besides these,
# "max <outcome> retries" (max_retries_reason).
REACHED: Final = "reached"
MAX_ATTEMPTS: Final = "max attempts"
NEVER_OPENS: Final = "window never opens"  # no opening in the next SEARCH_DAYS days

# DialCheck verdicts, besides DNC and OUTSIDE_WINDOW.
DIAL_NOW: Final = "dial"
DONE: Final = "done"
# Which list blocked a number (is_blocked); MARKED: an earlier outcome was dnc.
GLOBAL_LIST: Final = "global"
CAMPAIGN_LIST: Final = "campaign"
MARKED: Final = "marked"

MAX_DELAY_SECONDS: Final = 30 * 24 * 3600
MAX_RETRIES: Final = 100
MAX_ATTEMPTS_LIMIT: Final = 100
SEARCH_DAYS: Final = 366
# An outside_window result while the window looks open (clocks disagree):
# the contact is tried again this much later, never at the same instant.
RECHECK_AFTER: Final = timedelta(minutes=1)
# A contact whose call found the trunk full is due again this much later.
TRUNK_BUSY_RETRY: Final = timedelta(seconds=15)
_DNC_ENTRY_RE: Final = re.compile(r"\+[0-9]{1,15}\*?")

# The abandoned-call cap a campaign gets by default, in % of live answers,
# by the callee country's regulator (a campaign may set its own, lower or
# higher), and the period the regulator measures it over.  Where no rule is
# listed, 3 % over 30 days.  A campaign's figures show both periods.
DEFAULT_ABANDON_CAP_PCT: Final = 3.0
OVER_30_DAYS: Final = "30d"
OVER_A_DAY: Final = "today"
ABANDON_RULES_BY_COUNTRY: Final[dict[str, tuple[float, str]]] = {
    "US": (3.0, OVER_30_DAYS),  # FTC Telemarketing Sales Rule, per campaign
    "GB": (3.0, OVER_A_DAY),  # Ofcom, persistent misuse policy: 24 hours
    "CA": (5.0, OVER_A_DAY),  # CRTC Unsolicited Telecommunications Rules: per day
}


def default_abandon_cap_pct(country: str) -> float:
    """The campaign default for callees in ``country`` (ISO 3166 alpha-2)."""
    return ABANDON_RULES_BY_COUNTRY.get(country.upper(), (DEFAULT_ABANDON_CAP_PCT, ""))[0]


def abandon_period(country: str) -> str:
    """Over which period the cap holds for ``country``: OVER_30_DAYS or OVER_A_DAY."""
    return ABANDON_RULES_BY_COUNTRY.get(country.upper(), (0.0, OVER_30_DAYS))[1]


class PolicyInvalid(HotlineError):
    """A retry policy, call window or do-not-call entry that cannot be used."""

    error_id = "campaign-policy-invalid"
    status_code = 422

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name!r}: {message}", {"field": field_name})
        self.field = field_name


@dataclass(frozen=True, slots=True)
class RetryRule:
    delay_seconds: int  # from the attempt to the retry
    max_retries: int  # retries this outcome may cause; 0: it is final


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    busy: RetryRule = RetryRule(300, 3)
    no_answer: RetryRule = RetryRule(1800, 3)
    machine: RetryRule = RetryRule(3600, 2)
    failed: RetryRule = RetryRule(600, 2)
    abandoned: RetryRule = RetryRule(600, 1)
    max_attempts: int = 3  # dialled attempts in all, whatever their outcomes

    def __post_init__(self) -> None:
        _check_int("max_attempts", self.max_attempts, 1, MAX_ATTEMPTS_LIMIT)
        for outcome in RETRYABLE:
            rule = self.rule(outcome)
            if not isinstance(rule, RetryRule):
                raise PolicyInvalid(outcome, "must be a retry rule")
            _check_int(f"{outcome}.delay_seconds", rule.delay_seconds, 1, MAX_DELAY_SECONDS)
            _check_int(f"{outcome}.max_retries", rule.max_retries, 0, MAX_RETRIES)

    def rule(self, outcome: str) -> RetryRule:
        if outcome not in RETRYABLE:
            raise ValueError(f"{outcome!r} is not retried")
        rule: RetryRule = getattr(self, outcome)
        return rule

    def as_dict(self) -> dict[str, Any]:
        """The policy as :func:`parse_retry_policy` reads it (for storing as JSON)."""
        return {
            "max_attempts": self.max_attempts,
            **{
                outcome: {
                    "delay_seconds": self.rule(outcome).delay_seconds,
                    "max_retries": self.rule(outcome).max_retries,
                }
                for outcome in RETRYABLE
            },
        }


@dataclass(frozen=True, slots=True)
class CallWindow:
    timezone: str  # for contacts without their own
    hours: tuple[WeeklyRange, ...]
    holidays: frozenset[date] = field(default_factory=frozenset)  # in the callee's time


@dataclass(frozen=True, slots=True)
class Decision:
    """After an attempt: done (``retry_at`` None) for ``reason``, or due again at ``retry_at``.

    ``reason`` is REACHED, DNC, MAX_ATTEMPTS, NEVER_OPENS or "max <outcome>
    retries" when done, else the outcome that is retried.
    """

    reason: str
    retry_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.retry_at is None


@dataclass(frozen=True, slots=True)
class DialCheck:
    """Before dialling: DIAL_NOW, DNC (final), OUTSIDE_WINDOW (due at ``retry_at``) or DONE (final).

    ``reason``: for DNC the list (GLOBAL_LIST, CAMPAIGN_LIST, MARKED), for
    DONE as in :class:`Decision`.
    """

    verdict: str
    reason: str = ""
    retry_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.verdict in (DNC, DONE)


@dataclass(frozen=True, slots=True)
class DncList:
    numbers: frozenset[str]
    prefixes: frozenset[str]  # without their "*"

    def blocks(self, phone: str) -> bool:
        if phone in self.numbers:
            return True
        return bool(self.prefixes) and any(
            phone[:length] in self.prefixes for length in range(1, len(phone) + 1)
        )


# -- reading settings -------------------------------------------------------


def parse_retry_policy(raw: Mapping[str, Any]) -> RetryPolicy:
    """A policy from its JSON form (:meth:`RetryPolicy.as_dict`); missing keys keep defaults."""
    if not isinstance(raw, Mapping):
        raise PolicyInvalid("retry", "must be an object")
    unknown = sorted(set(raw) - {"max_attempts", *RETRYABLE})
    if unknown:
        raise PolicyInvalid(str(unknown[0]), "is not a retry setting")
    defaults = RetryPolicy()
    rules: dict[str, RetryRule] = {}
    for outcome in RETRYABLE:
        given = raw.get(outcome, {})
        if not isinstance(given, Mapping):
            raise PolicyInvalid(outcome, "must be an object with delay_seconds and max_retries")
        extra = sorted(set(given) - {"delay_seconds", "max_retries"})
        if extra:
            raise PolicyInvalid(f"{outcome}.{extra[0]}", "is not a retry setting")
        default = defaults.rule(outcome)
        rules[outcome] = RetryRule(
            given.get("delay_seconds", default.delay_seconds),
            given.get("max_retries", default.max_retries),
        )
    return RetryPolicy(
        busy=rules[BUSY],
        no_answer=rules[NO_ANSWER],
        machine=rules[MACHINE],
        failed=rules[FAILED],
        abandoned=rules[ABANDONED],
        max_attempts=raw.get("max_attempts", defaults.max_attempts),
    )


def parse_call_window(raw: Mapping[str, Any]) -> CallWindow:
    """A window from ``{"timezone", "hours", "holidays"}``, the business-hours grammar."""
    if not isinstance(raw, Mapping):
        raise PolicyInvalid("window", "must be an object with timezone, hours and holidays")
    unknown = sorted(set(raw) - {"timezone", "hours", "holidays"})
    if unknown:
        raise PolicyInvalid(str(unknown[0]), "is not a call window setting")
    try:
        timezone = parse_timezone(raw.get("timezone"))
    except HoursInvalid as exc:
        raise PolicyInvalid("timezone", str(exc)) from None
    try:
        hours = parse_hours(raw.get("hours"))
    except HoursInvalid as exc:
        raise PolicyInvalid("hours", str(exc)) from None
    try:
        holidays = parse_holidays(raw.get("holidays"))
    except HoursInvalid as exc:
        raise PolicyInvalid("holidays", str(exc)) from None
    return CallWindow(timezone, hours, holidays)


def compile_dnc(entries: Iterable[str]) -> DncList:
    """A do-not-call list from E.164 numbers and ``+prefix*`` entries (blank ones skipped)."""
    numbers: set[str] = set()
    prefixes: set[str] = set()
    for entry in entries:
        text = entry.strip() if isinstance(entry, str) else entry
        if text == "":
            continue
        if not isinstance(text, str) or not _DNC_ENTRY_RE.fullmatch(text):
            raise PolicyInvalid(
                "dnc", f"{text!r} is not an E.164 number or a +prefix* (such as +86400*)"
            )
        if text.endswith("*"):
            prefixes.add(text[:-1])
        else:
            numbers.add(text)
    return DncList(frozenset(numbers), frozenset(prefixes))


# -- do not call ------------------------------------------------------------


def is_blocked(
    phone_e164: str,
    global_dnc: Collection[str] | DncList,
    campaign_dnc: Collection[str] | DncList,
) -> str | None:
    """GLOBAL_LIST or CAMPAIGN_LIST if that list blocks the number (global first), else None."""
    for name, entries in ((GLOBAL_LIST, global_dnc), (CAMPAIGN_LIST, campaign_dnc)):
        dnc = entries if isinstance(entries, DncList) else compile_dnc(entries)
        if dnc.blocks(phone_e164):
            return name
    return None


# -- call windows -----------------------------------------------------------


def window_allows(window: CallWindow, contact_timezone: str | None, now: datetime) -> bool:
    """Whether the callee may be called at ``now`` (aware): in a range, not on a holiday."""
    return _allows(window, _zone(window, contact_timezone), _aware(now))


def next_opening(
    window: CallWindow, contact_timezone: str | None, now: datetime
) -> datetime | None:
    """The first instant at or after ``now`` the window allows (``now`` itself if it is
    open), in ``now``'s time zone; None if it does not open in SEARCH_DAYS days.

    The search goes day by day and range by range in the callee's time:
    the window opens either where the local clock reaches a range's start
    (on either side of a clock change) or at a clock change itself (a jump
    into a range), so those instants are the only ones to try.
    """
    zone = _zone(window, contact_timezone)
    now = _aware(now)
    if _allows(window, zone, now):
        return now
    first_day = now.astimezone(zone).date()
    for offset in range(SEARCH_DAYS + 1):
        day = first_day + timedelta(days=offset)
        found = _openings(window, zone, day, now)
        if found:
            # A clock change around midnight may put the next day's first
            # opening before this day's: both are tried.
            found += _openings(window, zone, day + timedelta(days=1), now)
            return min(found).astimezone(now.tzinfo)
    return None


def _openings(window: CallWindow, zone: ZoneInfo, day: date, now: datetime) -> list[datetime]:
    if day in window.holidays:
        return []
    starts = {r.start_minute for r in window.hours if day.weekday() in r.weekdays}
    if not starts:
        return []
    candidates = [_instant(day, start, zone, fold) for start in starts for fold in (0, 1)]
    candidates += _clock_changes(day, zone)
    return [c for c in candidates if c >= now and _allows(window, zone, c)]


def _allows(window: CallWindow, zone: ZoneInfo, moment: datetime) -> bool:
    local = moment.astimezone(zone)
    if local.date() in window.holidays:
        return False
    return any(weekly.contains(local) for weekly in window.hours)


def _instant(day: date, minute: int, zone: ZoneInfo, fold: int) -> datetime:
    """The instant the clock in ``zone`` shows ``minute`` past ``day``'s midnight
    (``fold`` picks the first or second of a repeated time; a skipped time
    maps to either side of the jump)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def _clock_changes(day: date, zone: ZoneInfo) -> list[datetime]:
    """The instant the UTC offset changes around ``day``, found to the second."""
    low = int(_instant(day, 0, zone, 0).timestamp()) - 6 * 3600
    high = int(_instant(day, 24 * 60, zone, 1).timestamp()) + 6 * 3600

    def offset(stamp: int) -> timedelta | None:
        return datetime.fromtimestamp(stamp, UTC).astimezone(zone).utcoffset()

    before = offset(low)
    if before == offset(high):
        return []
    while high - low > 1:
        middle = (low + high) // 2
        if offset(middle) == before:
            low = middle
        else:
            high = middle
    return [datetime.fromtimestamp(high, UTC)]


def _zone(window: CallWindow, contact_timezone: str | None) -> ZoneInfo:
    return ZoneInfo(parse_timezone(contact_timezone or window.timezone))


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


# -- attempts ---------------------------------------------------------------


def outcome_counts(previous: Mapping[str, int] | Iterable[str]) -> Counter[str]:
    """How many times each outcome happened, from the outcomes or their counts."""
    if isinstance(previous, str):
        raise TypeError("previous outcomes must be a list or counts, not a string")
    if isinstance(previous, Mapping):
        counts = Counter({outcome: previous[outcome] for outcome in previous})
    else:
        counts = Counter(previous)
    for outcome, count in counts.items():
        if outcome not in OUTCOMES:
            raise ValueError(f"{outcome!r} is not an outcome")
        if not isinstance(count, int) or count < 0:
            raise ValueError(f"{outcome!r}: {count!r} is not a count")
    return counts


def attempts_made(previous: Mapping[str, int] | Iterable[str]) -> int:
    """Dialled attempts in a history (outside_window, dnc and trunk_busy are not attempts)."""
    counts = outcome_counts(previous)
    return sum(counts[outcome] for outcome in ATTEMPTED)


def max_retries_reason(outcome: str) -> str:
    return f"max {outcome} retries"


def after_attempt(
    policy: RetryPolicy,
    outcome: str,
    previous: Mapping[str, int] | Iterable[str],
    now: datetime,
    *,
    window: CallWindow | None = None,
    contact_timezone: str | None = None,
) -> Decision:
    """What follows ``outcome``, given the outcomes ``previous`` to it.

    A retry is due the outcome's delay after ``now``, and with a ``window``
    at its first opening from then.  ``outside_window`` needs the window:
    the contact is due at its next opening, and no attempt is counted.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"{outcome!r} is not an outcome")
    counts = outcome_counts(previous)
    final = _final(counts)
    if final is not None:
        return Decision(final)
    if outcome == HUMAN:
        return Decision(REACHED)
    if outcome == DNC:
        return Decision(DNC)
    if outcome == OUTSIDE_WINDOW:
        if window is None:
            raise ValueError("an outside_window outcome is rescheduled by a call window")
        opening = next_opening(window, contact_timezone, now)
        if opening is not None and opening <= now:  # open already: try again shortly
            opening = next_opening(window, contact_timezone, now + RECHECK_AFTER)
        return Decision(NEVER_OPENS) if opening is None else Decision(OUTSIDE_WINDOW, opening)
    if outcome == TRUNK_BUSY:
        due = now + TRUNK_BUSY_RETRY
        if window is None:
            return Decision(TRUNK_BUSY, due)
        opening = next_opening(window, contact_timezone, due)
        return Decision(NEVER_OPENS) if opening is None else Decision(TRUNK_BUSY, opening)
    if sum(counts[o] for o in ATTEMPTED) + 1 >= policy.max_attempts:
        return Decision(MAX_ATTEMPTS)
    rule = policy.rule(outcome)
    if counts[outcome] >= rule.max_retries:
        return Decision(max_retries_reason(outcome))
    due = now + timedelta(seconds=rule.delay_seconds)
    if window is not None:
        opening = next_opening(window, contact_timezone, due)
        if opening is None:
            return Decision(NEVER_OPENS)
        due = opening
    return Decision(outcome, due)


def dial_time_check(
    policy: RetryPolicy,
    window: CallWindow,
    *,
    phone: str,
    contact_timezone: str | None,
    previous: Mapping[str, int] | Iterable[str],
    now: datetime,
    global_dnc: Collection[str] | DncList = (),
    campaign_dnc: Collection[str] | DncList = (),
) -> DialCheck:
    """Whether to dial the contact at ``now``, checked in this order: do-not-call
    (final), a history that is done (final), the callee's window (due at its
    next opening; final if it never opens), else DIAL_NOW."""
    counts = outcome_counts(previous)
    if counts[DNC]:
        return DialCheck(DNC, MARKED)
    blocked = is_blocked(phone, global_dnc, campaign_dnc)
    if blocked is not None:
        return DialCheck(DNC, blocked)
    final = _final(counts)
    if final is not None:
        return DialCheck(DONE, final)
    if sum(counts[o] for o in ATTEMPTED) >= policy.max_attempts:
        return DialCheck(DONE, MAX_ATTEMPTS)
    for outcome in RETRYABLE:
        if counts[outcome] > policy.rule(outcome).max_retries:
            return DialCheck(DONE, max_retries_reason(outcome))
    if not window_allows(window, contact_timezone, now):
        opening = next_opening(window, contact_timezone, now)
        if opening is None:
            return DialCheck(DONE, NEVER_OPENS)
        return DialCheck(OUTSIDE_WINDOW, retry_at=opening)
    return DialCheck(DIAL_NOW)


def _final(counts: Counter[str]) -> str | None:
    """Why a history is over whatever comes next: dnc, or someone was reached."""
    if counts[DNC]:
        return DNC
    if counts[HUMAN]:
        return REACHED
    return None


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PolicyInvalid(name, f"must be a whole number from {low} to {high}")
