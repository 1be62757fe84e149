"""Phone numbers as people type them and as trunks send them, read once.

Pure.  A number is stored in E.164 (``+8613800138000``), so one customer's
number or one campaign contact is the same row however it was written
(``138-0013-8000``, ``+86 138 0013 8000``, ``008613800138000``).  A trunk's
caller ID comes in any of those forms too, and a caller ID that is no
valid number (an extension, a test caller's ``5550142``) matches nothing.

Moved here from the campaigns' contact import when the customer records
needed the same reading (features cannot import each other; both reach the
kernel).
"""

from __future__ import annotations

import re
from typing import Final

import phonenumbers

MAX_PHONE_CHARS: Final = 40
# Where a national number without "+" or "00" is read: the demo's hotlines
# are Chinese, and so is the campaigns' default country.
DEFAULT_REGION: Final = "CN"

# Digits (any script: full-width digits are read as ASCII ones), optionally
# a leading "+", and the separators people type: spaces, dashes, dots,
# slashes and parentheses.
_PHONE_RE: Final = re.compile(r"[\s(]*\+?[\d\s().\-/]*\d[\d\s().\-/]*")
_PHONE_SEPARATORS_RE: Final = re.compile(r"[\s().\-/]")


class PhoneInvalid(ValueError):
    """A phone number that cannot be read as E.164; the message says why."""


def shown(text: str) -> str:
    """A value quoted in a reason, cut so a reason stays readable."""
    return repr(text if len(text) <= 60 else text[:60] + "…")


def normalise_phone(raw: str, default_region: str = DEFAULT_REGION) -> str:
    """``raw`` in E.164 (``+8613800138000``); PhoneInvalid says why it cannot be.

    A national number is read in ``default_region``; ``+`` or ``00`` starts
    an international one.  A leading ``'`` (the mark a spreadsheet-safe
    export puts before ``+``) is dropped.
    """
    text = raw.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if not text:
        raise PhoneInvalid("phone is empty")
    if len(text) > MAX_PHONE_CHARS or not _PHONE_RE.fullmatch(text):
        raise PhoneInvalid(f"phone {shown(raw)} is not a phone number")
    compact = "".join(
        char if char == "+" else str(int(char))  # full-width and other digits as ASCII
        for char in _PHONE_SEPARATORS_RE.sub("", text)
    )
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    try:
        number = phonenumbers.parse(compact, default_region)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(f"phone {shown(raw)} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_country_code(number.country_code or 0)
        where = f" {region}" if region in phonenumbers.SUPPORTED_REGIONS else ""
        raise PhoneInvalid(f"phone {shown(raw)} is not a valid{where} number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def caller_key(caller_id: str, default_region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of a caller ID to match stored numbers with; None when
    it is no valid number (withheld, an extension, garbage from a trunk)."""
    try:
        return normalise_phone(caller_id, default_region)
    except PhoneInvalid:
        return None


def national_form(e164: str, default_region: str = DEFAULT_REGION) -> str:
    """How people of ``default_region`` write the number, digits only
    (``13800138000``, ``01065529988``); other countries' numbers stay E.164."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) != default_region:
        return e164
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(char for char in national if char.isdigit())


def caller_id_forms(e164: str, default_region: str = DEFAULT_REGION) -> tuple[str, ...]:
    """The ways a trunk may have sent this number as a caller ID: what call
    records hold (they keep the caller ID as it came), to find a number's
    calls.  Only forms that read back as ``e164`` are given: a caller ID
    that would not match the number's customer is not the number's call."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return (e164,)
    country = str(number.country_code)
    significant = phonenumbers.national_significant_number(number)
    forms = [e164, f"{country}{significant}", f"00{country}{significant}"]
    if phonenumbers.region_code_for_number(number) == default_region:
        national = national_form(e164, default_region)
        forms += [significant, national, f"0{significant}"]
    return tuple(form for form in dict.fromkeys(forms) if caller_key(form, default_region) == e164)
