"""Customer records' rules, pure: marks and what they mean now, masking, the
identity check and how a caller ID is matched.  No I/O, no clock (``now``
comes in), so each rule is tested alone (tests/unit/test_customers_core.py,
with hypothesis for the invariants).

- **Marks.** VIP, blacklist, nuisance, each with a reason and an expiry.
  A mark counts while it is neither revoked nor expired; an expired mark
  counts for nothing, whatever else the customer has.  A customer's
  *standing* is the strongest mark that counts (blacklist, then nuisance,
  then VIP), else ``known``; a number no customer has is ``unknown``.  A
  flow's ``customer`` node branches on the standing, and the ACD raises a
  caller whose standing includes a VIP mark to the queue's VIP priority.
- **Masking.** Phone numbers show at most their first 3 and last 4 digits
  (``138****8000``) and always hide at least 4; ID numbers at most their
  first and last 4 characters (``1101**********1234``), always hiding at
  least 8.  Short values hide more, never less.
- **Identity.** Before account details are shown on a call, what the
  caller keyed in the IVR must match the record: the account number's
  digits (a phone keys no letters: ``SH-100234`` is keyed ``100234``), or
  the last 4 or 6 characters of the ID number (``*`` keys an ID's final
  ``X``, as Chinese IVRs ask).  Nothing to compare (no value keyed, or none
  on record) is ``not_checked``, never ``matched``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hotline.phone_numbers import DEFAULT_REGION, caller_key, national_form

VIP: Final = "vip"
BLACKLIST: Final = "blacklist"
NUISANCE: Final = "nuisance"
# Strongest first: the standing is the first of these a customer has.
MARK_KINDS: Final = (BLACKLIST, NUISANCE, VIP)
KNOWN: Final = "known"
UNKNOWN: Final = "unknown"
STANDINGS: Final = (*MARK_KINDS, KNOWN, UNKNOWN)

MATCHED: Final = "matched"
FAILED: Final = "failed"
NOT_CHECKED: Final = "not_checked"
IDENTITY_RESULTS: Final = (MATCHED, FAILED, NOT_CHECKED)
ACCOUNT_NUMBER: Final = "account_number"
ID_LAST4: Final = "id_last4"
ID_LAST6: Final = "id_last6"
IDENTITY_FIELDS: Final = (ACCOUNT_NUMBER, ID_LAST4, ID_LAST6)

PHONE_SHOWN_AT_MOST: Final = (3, 4)  # head, tail
PHONE_HIDDEN_AT_LEAST: Final = 4
ID_SHOWN_AT_MOST: Final = (4, 4)
ID_HIDDEN_AT_LEAST: Final = 8
MASK: Final = "*"


@dataclass(frozen=True, slots=True)
class Mark:
    kind: str
    reason: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


def counts(mark: Mark, now: datetime) -> bool:
    """A mark counts while it is neither revoked nor expired."""
    if mark.revoked_at is not None and mark.revoked_at <= now:
        return False
    return mark.expires_at is None or now < mark.expires_at


def kinds_now(marks: Iterable[Mark], now: datetime) -> frozenset[str]:
    return frozenset(mark.kind for mark in marks if counts(mark, now))


def standing(found: bool, marks: Iterable[Mark], now: datetime) -> str:
    """``unknown`` without a customer; else the strongest mark that counts,
    or ``known``."""
    if not found:
        return UNKNOWN
    kinds = kinds_now(marks, now)
    return next((kind for kind in MARK_KINDS if kind in kinds), KNOWN)


def is_vip(marks: Iterable[Mark], now: datetime) -> bool:
    """Whether a VIP mark counts now (even beside a stronger mark: the ACD's
    priority and the flow's branch are separate questions)."""
    return VIP in kinds_now(marks, now)


# -- masking -------------------------------------------------------------------------


def mask_middle(text: str, head: int, tail: int, hidden_at_least: int) -> str:
    """``text`` with its middle masked: at most ``head`` leading and ``tail``
    trailing characters shown, and at least ``hidden_at_least`` hidden (a
    short value shows less, the tail first)."""
    length = len(text)
    visible = max(0, min(head + tail, length - hidden_at_least))
    shown_tail = min(tail, visible)
    shown_head = visible - shown_tail
    return text[:shown_head] + MASK * (length - visible) + text[length - shown_tail :]


def mask_phone(number: str) -> str:
    """``138****8000``: a leading ``+`` stays, the digits are masked."""
    plus = "+" if number.startswith("+") else ""
    head, tail = PHONE_SHOWN_AT_MOST
    return plus + mask_middle(number[len(plus) :], head, tail, PHONE_HIDDEN_AT_LEAST)


def mask_id_number(value: str) -> str:
    head, tail = ID_SHOWN_AT_MOST
    return mask_middle(value, head, tail, ID_HIDDEN_AT_LEAST) if value else ""


def shown_number(e164: str, reveal: bool, region: str = DEFAULT_REGION) -> str:
    """A stored number as people read it (national digits at home), whole
    only for those who may see it so."""
    national = national_form(e164, region)
    return national if reveal else mask_phone(national)


def shown_id_number(value: str, reveal: bool) -> str:
    return value if reveal else mask_id_number(value)


# -- matching and the identity check ---------------------------------------------------


def match_key(caller_id: str, region: str = DEFAULT_REGION) -> str | None:
    """The stored form (E.164) a caller ID is looked up by; None: no number
    (withheld, an extension), which is never a customer's."""
    return caller_key(caller_id, region) if caller_id else None


def _compact(text: str) -> str:
    return "".join(char for char in text if char not in " -").upper()


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isascii() and char.isdigit())


def identity_result(field: str, keyed: str, account_number: str, id_number: str) -> str:
    """Whether what the caller keyed proves them the record's customer."""
    given = _compact(keyed).replace("*", "X")
    if field == ACCOUNT_NUMBER:
        given, expected = _digits(keyed), _digits(account_number)
    elif field in (ID_LAST4, ID_LAST6):
        length = 4 if field == ID_LAST4 else 6
        on_record = _compact(id_number)
        expected = on_record[-length:] if len(on_record) >= length else ""
    else:
        raise ValueError(f"unknown identity field {field!r}")
    if not given or not expected:
        return NOT_CHECKED
    # Constant time: a timing side channel would tell a prober the digits.
    return MATCHED if hmac.compare_digest(given.encode(), expected.encode()) else FAILED
