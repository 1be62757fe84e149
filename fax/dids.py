"""Fax DIDs: the numbers that receive faxes, and the address each emails them to.

A DID is one numbering plan across tenants (``fax/catalogue.py``): a number
another tenant holds, as a fax DID or a flow's DID, is ``NumberUnavailable``.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fax.catalogue import NumberUnavailable
from fax.services import PHONE_NUMBER
from hotline.errors import InvalidRequest, NotFound
from hotline.models_fax import FaxDid
from hotline.tenancy import scoped

EMAIL: Final = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+")


async def list_fax_dids(*, tenant_id: int) -> list[FaxDid]:
    return await scoped(FaxDid, tenant_id).order_by("number")


async def save_fax_did(
    number: str, email: str, *, tenant_id: int
) -> tuple[FaxDid, dict[str, Any] | None]:
    """Make ``number`` a fax DID of ``tenant_id`` (or change its email).

    A number another tenant holds (as a fax DID or a flow's DID) is
    ``NumberUnavailable``; the tenant's own flow DID is named as such.
    """
    number, email = number.strip(), email.strip()
    if not PHONE_NUMBER.fullmatch(number):
        raise InvalidRequest("The DID must be 2 to 20 digits.", {"field": "number"})
    if not EMAIL.fullmatch(email) or len(email) > 200:
        raise InvalidRequest("A valid email address is required.", {"field": "email"})
    # Local import: hotline.models is shared and this check is the only link.
    from hotline.models import Did

    flow_did = await Did.get_or_none(number=number)
    if flow_did is not None:
        if flow_did.tenant_id != tenant_id:  # type: ignore[attr-defined]
            raise NumberUnavailable(number)
        raise InvalidRequest(
            f"DID {number} already runs a flow; a fax DID must be a number of its own.",
            {"field": "number", "reason": "did_runs_flow"},
        )
    row = await FaxDid.get_or_none(number=number)
    if row is not None and row.tenant_id != tenant_id:
        raise NumberUnavailable(number)
    before = {"number": row.number, "email": row.email} if row is not None else None
    if row is None:
        row = await FaxDid.create(number=number, email=email, tenant_id=tenant_id)
    else:
        row.email = email
        await row.save(update_fields=["email"])
    return row, before


async def delete_fax_did(number: str, *, tenant_id: int) -> dict[str, Any]:
    row = await scoped(FaxDid, tenant_id).get_or_none(number=number)
    if row is None:
        raise NotFound(f"{number} is not a fax DID.", {"number": number})
    before = {"number": row.number, "email": row.email}
    await row.delete()
    return before
