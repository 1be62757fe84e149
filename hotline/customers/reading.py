"""Reading customer records: search, one record with its history, the
caller-ID lookup, and what a call's identity check found.

Masking is decided here, once, by the reader's :class:`Viewer`; the pages,
the API, the desk and the exports all read through these functions.

**Account details and the identity check.** On a call (``call_id``), the
account details (account number, ID number, address, email, notes) are
given only when that call's ``customer`` node matched what the caller keyed
with this customer's record (the call's timeline entry ``customer_lookup``
says ``identity: matched``); otherwise the record says "identity not
checked" (or failed).  Outside a call they are given to those who maintain
the records (``customers:edit``), never to those who only look them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from tortoise.expressions import Q

from hotline import calls
from hotline.customers import core, store
from hotline.customers.store import Viewer
from hotline.models import CallEvent, CallRecord
from hotline.models_cases import Case
from hotline.models_customers import Customer, CustomerMark, CustomerNumber
from hotline.phone_numbers import PhoneInvalid, caller_id_forms, normalise_phone
from hotline.tenancy import scoped

LOOKUP_KIND: Final = "customer_lookup"
HISTORY_LENGTH: Final = 20
PAGE_SIZE: Final = 50


def now() -> datetime:
    return datetime.now(UTC)


async def search(
    tenant_id: int,
    viewer: Viewer,
    *,
    query: str = "",
    mark: str = "",
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Customers by name, account number or number (a whole number, or at
    least 4 of its digits), optionally only those a mark counts for now."""
    rows = scoped(Customer, tenant_id)
    text = query.strip()
    if text:
        condition = Q(name__icontains=text) | Q(account_number=text)
        digits = "".join(char for char in text if char.isdigit())
        try:
            e164 = normalise_phone(text)
        except PhoneInvalid:
            e164 = ""
        if e164 or len(digits) >= 4:
            numbers = scoped(CustomerNumber, tenant_id)
            found = numbers.filter(number=e164) if e164 else numbers.filter(number__contains=digits)
            ids = await found.values_list("customer_id", flat=True)
            condition |= Q(id__in=list(ids))
        rows = rows.filter(condition)
    if mark in core.MARK_KINDS:
        at = now()
        marked = scoped(CustomerMark, tenant_id).filter(kind=mark, revoked_at__isnull=True)
        marked = marked.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        rows = rows.filter(id__in=list(await marked.values_list("customer_id", flat=True)))
    found_rows = await rows.order_by("name", "id").offset(offset).limit(limit)
    return await store.summaries(list(found_rows), viewer, now())


async def for_caller(tenant_id: int, caller_id: str) -> Customer | None:
    """The customer whose number the caller ID is; None for any other."""
    key = core.match_key(caller_id)
    return None if key is None else await store.by_number(tenant_id, key)


async def lookup(tenant_id: int, number: str, viewer: Viewer) -> dict[str, Any]:
    """``{number, customer, standing}``: the caller-ID question as the API asks it."""
    customer = await for_caller(tenant_id, number)
    if customer is None:
        return {"customer": None, "standing": core.UNKNOWN}
    summary = (await store.summaries([customer], viewer, now()))[0]
    return {"customer": summary, "standing": summary["standing"]}


async def identity_on_call(tenant_id: int, call_id: str) -> dict[str, Any] | None:
    """What the call's customer look-ups found: ``{customer_id, standing,
    identity}`` of the last one that checked identity (matched or failed),
    else of the last one; None when the call had none (or is another
    tenant's).  A flow often looks the caller up twice: by caller ID first,
    then with what they keyed."""
    if not call_id:
        return None
    await calls.flush()
    entries = await CallEvent.filter(
        call_id=call_id, call__tenant_id=tenant_id, kind=LOOKUP_KIND
    ).order_by("-id")
    for entry in entries:
        if entry.data.get("identity") in (core.MATCHED, core.FAILED):
            return dict(entry.data)
    return dict(entries[0].data) if entries else None


def identity_for(customer_id: int, on_call: dict[str, Any] | None) -> str:
    """The identity check's word on this customer for the call."""
    if on_call is None or on_call.get("customer_id") != customer_id:
        return core.NOT_CHECKED
    result = str(on_call.get("identity") or core.NOT_CHECKED)
    return result if result in core.IDENTITY_RESULTS else core.NOT_CHECKED


async def detail(
    tenant_id: int, customer_id: int, viewer: Viewer, *, call_id: str = ""
) -> dict[str, Any]:
    customer = await store.get_customer(tenant_id, customer_id)
    at = now()
    numbers = (await store.numbers_of([customer.id]))[customer.id]
    marks = (await store.marks_of([customer.id]))[customer.id]
    record = store.summary_json(customer, numbers, marks, viewer, at)
    record["marks"] = [store.mark_json(mark, at) for mark in marks]
    identity = identity_for(customer.id, await identity_on_call(tenant_id, call_id))
    record["call_id"] = call_id or None
    record["identity"] = identity
    shown = identity == core.MATCHED if call_id else viewer.maintains
    record["account"] = store.account_json(customer, viewer) if shown else None
    record["created_by"] = customer.created_by
    record["created_at"] = store.iso(customer.created_at)
    record["updated_at"] = store.iso(customer.updated_at)
    forms = [form for row in numbers for form in caller_id_forms(row.number)]
    record["calls"] = await _calls(tenant_id, forms, viewer)
    record["cases"] = await _cases(tenant_id, customer.id, forms, viewer)
    return record


async def _calls(tenant_id: int, forms: list[str], viewer: Viewer) -> list[dict[str, Any]]:
    if not forms:
        return []
    await calls.flush()
    rows = (
        await scoped(CallRecord, tenant_id)
        .filter(caller_id__in=forms)
        .order_by("-started_at")
        .limit(HISTORY_LENGTH)
    )
    return [
        {
            "call_id": row.call_id,
            "caller_id": _shown_caller(row.caller_id, viewer),
            "started_at": store.iso(row.started_at),
            "queue": row.queue,
            "agent": row.agent_extension,
            "disposition": row.agent_disposition or row.disposition,
            "notes": row.agent_notes or "",
        }
        for row in rows
    ]


def _shown_caller(caller_id: str, viewer: Viewer) -> str:
    key = core.match_key(caller_id)
    if key is not None:
        return core.shown_number(key, viewer.reveal)
    return caller_id if viewer.reveal else core.mask_phone(caller_id)


async def _cases(
    tenant_id: int, customer_id: int, forms: list[str], viewer: Viewer
) -> list[dict[str, Any]]:
    linked = Q(customer_id=customer_id)
    if forms:
        linked |= Q(caller_number__in=forms)
    rows = (
        await scoped(Case, tenant_id).filter(linked).order_by("-created_at").limit(HISTORY_LENGTH)
    )
    return [
        {
            "id": row.id,
            "number": row.number,
            "status": row.status,
            "category": row.category,
            "subject": row.subject,
            "caller_number": _shown_caller(row.caller_number, viewer),
            "created_at": store.iso(row.created_at),
        }
        for row in rows
    ]


async def on_the_desk(
    tenant_id: int, caller_id: str, call_id: str, viewer: Viewer
) -> dict[str, Any] | None:
    """The screen pop's customer: who is calling, their marks, and their
    account details once the call's identity check matched."""
    customer = await for_caller(tenant_id, caller_id)
    if customer is None:
        return None
    at = now()
    numbers = (await store.numbers_of([customer.id]))[customer.id]
    marks = (await store.marks_of([customer.id]))[customer.id]
    shown = store.summary_json(customer, numbers, marks, viewer, at)
    identity = identity_for(customer.id, await identity_on_call(tenant_id, call_id))
    shown["identity"] = identity
    shown["call_id"] = call_id
    shown["account"] = store.account_json(customer, viewer) if identity == core.MATCHED else None
    return shown


@dataclass(frozen=True, slots=True)
class CallerCheck:
    """What a flow's ``customer`` node learns of its caller."""

    customer_id: int | None
    name: str
    standing: str
    identity: str

    def timeline(self, field: str) -> dict[str, Any]:
        """The call's ``customer_lookup`` entry: never the digits keyed."""
        return {
            "customer_id": self.customer_id,
            "standing": self.standing,
            "identity": self.identity,
            "field": field if self.identity != core.NOT_CHECKED else None,
        }


async def check_caller(
    tenant_id: int, caller_id: str, field: str = "", keyed: str = ""
) -> CallerCheck:
    """The caller's customer, standing now, and whether ``keyed`` proves them."""
    customer = await for_caller(tenant_id, caller_id)
    if customer is None:
        return CallerCheck(None, "", core.UNKNOWN, core.NOT_CHECKED)
    marks = [store.mark_of(mark) for mark in await CustomerMark.filter(customer=customer)]
    identity = core.NOT_CHECKED
    if field and keyed:
        identity = core.identity_result(field, keyed, customer.account_number, customer.id_number)
    return CallerCheck(customer.id, customer.name, core.standing(True, marks, now()), identity)
