"""Confidential cases (保密件): who may learn who the caller is (pure).

A caller may ask, when the case is taken in, that the departments handling it
not learn who they are: a complaint about a neighbour, about the department
itself, a report of wrongdoing.  The centre still knows (it writes to the
caller, makes the follow-up visit, and may be asked who complained by no
department), so does the user who took the case in; the departments see the
case's substance (subject, description, address, what was keyed in the IVR)
with the caller's number, name and email masked, and cannot find the case
by the caller's number either.

An ordinary case shows its caller to whoever sees the case: departments
reply to the citizen and often call them back themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from hotline.customers.core import mask_middle, mask_phone

CONTACT_FIELDS: Final = ("caller_number", "caller_name", "caller_email")


def sees_caller(*, confidential: bool, is_centre: bool, is_owner: bool) -> bool:
    return not confidential or is_centre or is_owner


def mask_name(name: str) -> str:
    """``张*``, ``L*****``: the first character only."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_email(address: str) -> str:
    """``w***@example.cn``: the mailbox masked, the domain kept (it says little)."""
    if not address:
        return ""
    mailbox, at, domain = address.partition("@")
    return mask_middle(mailbox, 1, 0, 1) + at + domain


def masked(case: Mapping[str, Any]) -> dict[str, Any]:
    """The case's JSON with the caller's contact details masked."""
    shown = dict(case)
    shown["caller_number"] = mask_phone(str(case.get("caller_number") or ""))
    shown["caller_name"] = mask_name(str(case.get("caller_name") or ""))
    shown["caller_email"] = mask_email(str(case.get("caller_email") or ""))
    if "messages" in case:
        # The SMS and email sent to the caller name their number and address.
        shown["messages"] = [
            {**m, "to": mask_email(m["to"]) if "@" in m["to"] else mask_phone(m["to"])}
            for m in case["messages"]
        ]
    shown["caller_masked"] = True
    return shown


def for_viewer(case: Mapping[str, Any], *, is_centre: bool, username: str) -> dict[str, Any]:
    """``case`` (``store.case_json``) as this viewer may see it."""
    confidential = bool(case.get("confidential"))
    is_owner = case.get("owner") == username
    if sees_caller(confidential=confidential, is_centre=is_centre, is_owner=is_owner):
        return {**case, "caller_masked": False}
    return masked(case)
