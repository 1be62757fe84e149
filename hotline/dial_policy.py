"""Toll-fraud rules for numbers Hotline dials on behalf of a PSTN caller.

Two features dial a number a caller chose: the voicemail menu's "call the
sender back" (a caller ID, which anyone can spoof) and fax-back (digits the
caller keys).  Without rules a caller could make Hotline dial premium-rate
or international numbers at the operator's expense.  Pure: numbers, counts
and settings in, a verdict out; ``hotline/outbound_guard.py`` keeps the
counts and writes the audit.

The rules, in order:

1. only digits (a ``+`` is international, refused like ``00``);
2. no ``refuse`` pattern may match (``HOTLINE_DIAL_REFUSE``; by default
   ``DEFAULT_REFUSE``: the international prefixes ``00`` and ``011`` and
   common premium-rate and directory prefixes; set your country's ranges);
3. an ``allow`` pattern must match: the definition of a national number
   (``HOTLINE_DIAL_ALLOW``; by default ``DEFAULT_ALLOW``, 5 to 15 digits:
   with rule 2 any national number that does not start with an
   international prefix, and never a short code such as 112 or 911);
4. at most ``per_caller_day`` requests from one caller and
   ``per_number_day`` to one number in the last 24 hours (rolling, so no
   time zone is needed to say when a "day" starts).

Patterns are Python regular expressions matched from the number's start
(``re.match``; anchor with ``$`` for a length), separated by whitespace in
the settings.  A pattern that does not compile refuses every number: a typo
in the configuration must not open the door.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

CALLBACK: Final = "callback"
FAX_BACK: Final = "fax_back"
KINDS: Final = (CALLBACK, FAX_BACK)

# Refusal reasons (stable: the audit log, the call timeline and tests use them).
NOT_DIGITS: Final = "not_digits"
REFUSED_PREFIX: Final = "refused_prefix"
NOT_NATIONAL: Final = "not_national"
BAD_CONFIGURATION: Final = "bad_configuration"
CALLER_LIMIT: Final = "caller_limit"
NUMBER_LIMIT: Final = "number_limit"
RATE_LIMITS: Final = frozenset({CALLER_LIMIT, NUMBER_LIMIT})

MAX_DIGITS: Final = 20
DEFAULT_ALLOW: Final = r"^[0-9]{5,15}$"
DEFAULT_REFUSE: Final = r"^00 ^011 ^0?900 ^1900 ^1?976 ^0137 ^118"


@dataclass(frozen=True, slots=True)
class DialRules:
    allow: tuple[str, ...]
    refuse: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DailyLimits:
    per_caller_day: int
    per_number_day: int


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    detail: str = ""


def split_patterns(text: str) -> tuple[str, ...]:
    """Patterns as the settings hold them: separated by whitespace."""
    return tuple(text.split())


def _compiled(patterns: Iterable[str]) -> list[re.Pattern[str]] | None:
    try:
        return [re.compile(pattern) for pattern in patterns]
    except re.error:
        return None


def check_number(number: str, rules: DialRules) -> Refusal | None:
    """None when ``number`` may be dialled, else why not."""
    if not number.isascii() or not number.isdigit() or len(number) > MAX_DIGITS:
        return Refusal(NOT_DIGITS, number[:32])
    refuse, allow = _compiled(rules.refuse), _compiled(rules.allow)
    if refuse is None or allow is None:
        return Refusal(BAD_CONFIGURATION, "a dial pattern does not compile")
    for pattern in refuse:
        if pattern.match(number):
            return Refusal(REFUSED_PREFIX, pattern.pattern)
    if not any(pattern.match(number) for pattern in allow):
        return Refusal(NOT_NATIONAL, " ".join(rules.allow))
    return None


def check_limits(from_caller: int, to_number: int, limits: DailyLimits) -> Refusal | None:
    """``from_caller`` and ``to_number``: requests already allowed in the last 24 hours."""
    if from_caller >= limits.per_caller_day:
        return Refusal(CALLER_LIMIT, f"{from_caller} of {limits.per_caller_day} per caller")
    if to_number >= limits.per_number_day:
        return Refusal(NUMBER_LIMIT, f"{to_number} of {limits.per_number_day} per number")
    return None


def bad_patterns(text: str) -> list[str]:
    """The patterns of a setting that do not compile (for a start-up warning)."""
    return [pattern for pattern in split_patterns(text) if _compiled([pattern]) is None]
