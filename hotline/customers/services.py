"""Customer use cases that change records: create and edit, numbers, marks.

Every field is checked by the import's own row rules
(``import_rows.customer_row``), so a page, the API and a file mean the same
by each field.  Every change writes an audit row with who and from where;
numbers in audit rows are masked (the audit log is read by more people than
may see them whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline import audit_trail
from hotline.center import Actor
from hotline.customers import core, import_rows, store, vip
from hotline.customers.store import Viewer
from hotline.errors import Conflict, InvalidRequest, NotFound
from hotline.models_customers import Customer, CustomerMark, CustomerNumber
from hotline.phone_numbers import DEFAULT_REGION, PhoneInvalid, normalise_phone
from hotline.tenancy import scoped

FIELDS: Final = ("name", "account_number", "id_number", "address", "email", "notes")
NUMBER_LABELS: Final = ("", "mobile", "home", "work", "other")


def now() -> datetime:
    return datetime.now(UTC)


def _refused(problems: Sequence[import_rows.Problem]) -> InvalidRequest:
    first = problems[0]
    message = "; ".join(f"{p.field}: {p.reason}" for p in problems)
    return InvalidRequest(
        message, {"field": first.field, "problems": [vars_of(p) for p in problems]}
    )


def vars_of(problem: import_rows.Problem) -> dict[str, str]:
    return {"field": problem.field, "reason": problem.reason}


def _text_values(data: Mapping[str, Any], names: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str | int):
            raise InvalidRequest(f"{name}: text", {"field": name})
        values[name] = str(value)
    return values


def _phone_texts(data: Mapping[str, Any]) -> list[str]:
    raw = data.get("numbers", data.get("phone"))
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return list(raw)
    raise InvalidRequest("numbers: a list of phone numbers", {"field": "phone"})


def checked(
    data: Mapping[str, Any],
    *,
    zone: ZoneInfo,
    numbers_required: bool = True,
    at: datetime | None = None,
) -> import_rows.CustomerRow:
    """The fields of a form or an API body, checked as an import's row is."""
    values = _text_values(data, (*FIELDS, "mark", "mark_reason", "mark_expires"))
    row = import_rows.customer_row(
        0,
        values,
        _phone_texts(data),
        {},
        at or now(),
        zone,
        numbers_required=numbers_required,
    )
    if isinstance(row, import_rows.RejectedRow):
        raise _refused(row.problems)
    return row


async def _free_numbers(tenant_id: int, numbers: Sequence[str], owner: int | None) -> None:
    taken = await scoped(CustomerNumber, tenant_id).filter(number__in=list(numbers))
    for row in taken:
        if row.customer_id != owner:  # type: ignore[attr-defined]
            raise Conflict(
                f"phone: {core.shown_number(row.number, False)} is customer {row.customer_id}'s",  # type: ignore[attr-defined]
                {"field": "phone", "customer_id": row.customer_id},  # type: ignore[attr-defined]
            )


async def create(
    tenant_id: int, actor: Actor, data: Mapping[str, Any], *, zone: ZoneInfo
) -> Customer:
    """A customer with their numbers (and, through the API, marks)."""
    row = checked(data, zone=zone)
    marks = _marks_given(data, zone)
    if row.mark is not None:
        marks.append(row.mark)
    await _free_numbers(tenant_id, row.numbers, None)
    async with in_transaction():
        customer = await store.create_customer(tenant_id, row, actor.username)
        for number in row.numbers:
            await CustomerNumber.create(tenant_id=tenant_id, customer=customer, number=number)
        for mark in marks:
            await _create_mark(customer, mark, actor)
    await audit_trail.record(
        actor,
        "customer_created",
        "customer",
        str(customer.id),
        {
            "name": customer.name,
            "numbers": [core.shown_number(n, False) for n in row.numbers],
            "marks": [mark.kind for mark in marks],
        },
    )
    return customer


def _marks_given(data: Mapping[str, Any], zone: ZoneInfo) -> list[import_rows.MarkInput]:
    raw = data.get("marks") or []
    if not isinstance(raw, list):
        raise InvalidRequest("marks: a list of {kind, reason, expires_at}", {"field": "marks"})
    return [mark_input(item, zone) for item in raw]


def mark_input(item: Any, zone: ZoneInfo, at: datetime | None = None) -> import_rows.MarkInput:
    if not isinstance(item, Mapping):
        raise InvalidRequest("a mark: {kind, reason, expires_at}", {"field": "mark"})
    kind = str(item.get("kind") or "").strip().casefold()
    reason = str(item.get("reason") or "").strip()
    expires = str(item.get("expires_at") or "").strip()
    problems: list[import_rows.Problem] = []
    if kind not in core.MARK_KINDS:
        problems.append(import_rows.Problem("mark", f"one of {', '.join(core.MARK_KINDS)}"))
    if not reason:
        problems.append(import_rows.Problem("mark_reason", "required"))
    elif len(reason) > import_rows.LIMITS["mark_reason"]:
        problems.append(import_rows.Problem("mark_reason", "at most 200 characters"))
    expires_at = None
    if expires:
        try:
            expires_at = import_rows.expiry(expires, zone)
        except ValueError as bad:
            problems.append(import_rows.Problem("mark_expires", str(bad)))
        else:
            if expires_at <= (at or now()):
                problems.append(import_rows.Problem("mark_expires", "in the past"))
    if problems:
        raise _refused(problems)
    return import_rows.MarkInput(kind, reason, expires_at)


async def _create_mark(
    customer: Customer, mark: import_rows.MarkInput, actor: Actor
) -> CustomerMark:
    return await CustomerMark.create(
        tenant_id=customer.tenant_id,
        customer=customer,
        kind=mark.kind,
        reason=mark.reason,
        expires_at=mark.expires_at.astimezone(UTC) if mark.expires_at else None,
        created_by=actor.username,
    )


async def update(
    tenant_id: int,
    actor: Actor,
    customer_id: int,
    data: Mapping[str, Any],
    *,
    zone: ZoneInfo,
    viewer: Viewer,
) -> Customer:
    """The record's fields; an ID number left empty by someone who sees it
    masked is kept (they were shown stars, not the number)."""
    customer = await store.get_customer(tenant_id, customer_id)
    row = checked(data, zone=zone, numbers_required=False)
    before = {name: getattr(customer, name) for name in FIELDS}
    customer.name = row.name
    customer.account_number = row.account_number
    if row.id_number or viewer.reveal:
        customer.id_number = row.id_number
    customer.address = row.address
    customer.email = row.email
    customer.notes = row.notes
    await customer.save()
    changed = sorted(name for name in FIELDS if getattr(customer, name) != before[name])
    await audit_trail.record(
        actor, "customer_updated", "customer", str(customer.id), {"changed": changed}
    )
    return customer


async def add_number(
    tenant_id: int, actor: Actor, customer_id: int, number: str, label: str = ""
) -> CustomerNumber:
    customer = await store.get_customer(tenant_id, customer_id)
    try:
        e164 = normalise_phone(number, DEFAULT_REGION)
    except PhoneInvalid as bad:
        raise InvalidRequest(f"phone: {bad}", {"field": "phone"}) from None
    if label not in NUMBER_LABELS:
        raise InvalidRequest(f"label: one of {', '.join(NUMBER_LABELS[1:])}", {"field": "label"})
    await _free_numbers(tenant_id, [e164], None)
    if await CustomerNumber.filter(customer=customer).count() >= import_rows.MAX_NUMBERS:
        raise InvalidRequest(
            f"phone: at most {import_rows.MAX_NUMBERS} numbers", {"field": "phone"}
        )
    try:
        row = await CustomerNumber.create(
            tenant_id=tenant_id, customer=customer, number=e164, label=label
        )
    except IntegrityError:
        raise Conflict("phone: taken meanwhile", {"field": "phone"}) from None
    await audit_trail.record(
        actor,
        "customer_number_added",
        "customer",
        str(customer.id),
        {"number": core.shown_number(e164, False), "label": label},
    )
    return row


async def remove_number(tenant_id: int, actor: Actor, customer_id: int, number_id: int) -> None:
    customer = await store.get_customer(tenant_id, customer_id)
    row = await CustomerNumber.get_or_none(id=number_id, customer=customer)
    if row is None:
        raise NotFound(f"no number {number_id} of customer {customer_id}")
    await row.delete()
    vip.invalidate()
    await audit_trail.record(
        actor,
        "customer_number_removed",
        "customer",
        str(customer.id),
        {"number": core.shown_number(row.number, False)},
    )


async def add_mark(
    tenant_id: int,
    actor: Actor,
    customer_id: int,
    data: Mapping[str, Any],
    *,
    zone: ZoneInfo,
) -> CustomerMark:
    customer = await store.get_customer(tenant_id, customer_id)
    mark = mark_input(data, zone)
    row = await _create_mark(customer, mark, actor)
    await audit_trail.record(
        actor,
        "customer_mark_added",
        "customer",
        str(customer.id),
        {"kind": row.kind, "reason": row.reason, "expires_at": store.iso(row.expires_at)},
    )
    return row


async def revoke_mark(tenant_id: int, actor: Actor, customer_id: int, mark_id: int) -> None:
    """A mark ended early: kept on the record, counting for nothing."""
    customer = await store.get_customer(tenant_id, customer_id)
    row = await CustomerMark.get_or_none(id=mark_id, customer=customer)
    if row is None:
        raise NotFound(f"no mark {mark_id} of customer {customer_id}")
    if row.revoked_at is not None:
        return
    row.revoked_at = now()
    row.revoked_by = actor.username
    await row.save(update_fields=["revoked_at", "revoked_by"])
    vip.invalidate()
    await audit_trail.record(
        actor,
        "customer_mark_revoked",
        "customer",
        str(customer.id),
        {"kind": row.kind, "mark_id": row.id},
    )
