"""Customer records in the database: finding one, its numbers and marks, and
the JSON the pages and the API show (masked for whoever reads it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hotline.customers import core
from hotline.errors import NotFound
from hotline.models_customers import Customer, CustomerMark, CustomerNumber
from hotline.tenancy import scoped


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who reads a record: whether they see numbers and IDs whole
    (``customer_pii:view``), and whether they maintain the records
    (``customers:edit``: account details outside a call)."""

    reveal: bool
    maintains: bool = False


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def mark_of(row: CustomerMark) -> core.Mark:
    return core.Mark(row.kind, row.reason, row.expires_at, row.revoked_at)


async def get_customer(tenant_id: int, customer_id: int) -> Customer:
    row = await scoped(Customer, tenant_id).get_or_none(id=customer_id)
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row


async def by_number(tenant_id: int, e164: str) -> Customer | None:
    """The customer one of whose numbers this is (a number is one customer's)."""
    row = await scoped(CustomerNumber, tenant_id).get_or_none(number=e164)
    return None if row is None else await Customer.get(id=row.customer_id)  # type: ignore[attr-defined]


async def numbers_of(customer_ids: Iterable[int]) -> dict[int, list[CustomerNumber]]:
    found: dict[int, list[CustomerNumber]] = defaultdict(list)
    ids = list(customer_ids)
    if ids:
        for row in await CustomerNumber.filter(customer_id__in=ids).order_by("id"):
            found[row.customer_id].append(row)  # type: ignore[attr-defined]
    return found


async def marks_of(customer_ids: Iterable[int]) -> dict[int, list[CustomerMark]]:
    found: dict[int, list[CustomerMark]] = defaultdict(list)
    ids = list(customer_ids)
    if ids:
        for row in await CustomerMark.filter(customer_id__in=ids).order_by("-id"):
            found[row.customer_id].append(row)  # type: ignore[attr-defined]
    return found


def number_json(row: CustomerNumber, viewer: Viewer) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": core.shown_number(row.number, viewer.reveal),
        "label": row.label,
    }


def mark_json(row: CustomerMark, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "reason": row.reason,
        "expires_at": iso(row.expires_at),
        "counts": core.counts(mark_of(row), now),
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "revoked_at": iso(row.revoked_at),
        "revoked_by": row.revoked_by,
    }


def summary_json(
    row: Customer,
    numbers: list[CustomerNumber],
    marks: list[CustomerMark],
    viewer: Viewer,
    now: datetime,
) -> dict[str, Any]:
    """A customer as lists show them: no account details."""
    facts = [mark_of(mark) for mark in marks]
    return {
        "id": row.id,
        "name": row.name,
        "numbers": [number_json(number, viewer) for number in numbers],
        "standing": core.standing(True, facts, now),
        "vip": core.is_vip(facts, now),
        "marks": [mark_json(mark, now) for mark in marks if core.counts(mark_of(mark), now)],
    }


def account_json(row: Customer, viewer: Viewer) -> dict[str, Any]:
    """The account details: what the identity check guards."""
    return {
        "account_number": row.account_number,
        "id_number": core.shown_id_number(row.id_number, viewer.reveal),
        "address": row.address,
        "email": row.email,
        "notes": row.notes,
    }


async def summaries(rows: list[Customer], viewer: Viewer, now: datetime) -> list[dict[str, Any]]:
    ids = [row.id for row in rows]
    numbers, marks = await numbers_of(ids), await marks_of(ids)
    return [summary_json(row, numbers[row.id], marks[row.id], viewer, now) for row in rows]


async def create_customer(tenant_id: int, row: Any, created_by: str) -> Customer:
    """A customer from a checked row (import_rows.CustomerRow: a form's, a file's)."""
    return await Customer.create(
        tenant_id=tenant_id,
        name=row.name,
        account_number=row.account_number,
        id_number=row.id_number,
        address=row.address,
        email=row.email,
        notes=row.notes,
        created_by=created_by,
    )
