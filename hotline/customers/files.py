"""Customers in and out as CSV or XLSX files.

**In:** the rows of the file are checked by ``import_rows`` (pure); this
module then places each good row: the customer named by its ``id`` column,
else the one with its account number, else the one that already has its
numbers, else a new customer.  A number that is another customer's rejects
the row (by line, field and reason) like any other problem; good rows are
kept.  A mark a row gives is added unless the same kind already counts.

**Out:** the columns an import reads (``EXPORT_COLUMNS``), so a file goes
out, is edited in Excel or WPS and comes back in.  The web writes the
cells with ``hotline/metrics/export.py`` (formulas made inert, xlsxwriter
never guessing; not imported here, which would close an import cycle
metrics → cases → customers), and numbers and IDs are masked for those
who may not see them whole: such a file's masked rows are refused if it
comes back.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from hotline import audit_trail
from hotline.center import Actor
from hotline.customers import core, import_rows, store, vip
from hotline.customers.import_rows import CustomerRow, Problem
from hotline.customers.store import Viewer
from hotline.models_customers import Customer, CustomerMark, CustomerNumber
from hotline.tenancy import scoped

MAX_IMPORT_BYTES: Final = 10 * 1024 * 1024
EXPORT_COLUMNS: Final = (
    "id",
    "name",
    "phone",
    "account_number",
    "id_number",
    "address",
    "email",
    "notes",
    "mark",
    "mark_reason",
    "mark_expires",
)
FORMATS: Final = ("csv", "xlsx")


def now() -> datetime:
    return datetime.now(UTC)


class _Directory:
    """The tenant's customers as an import sees them, kept current as rows land."""

    def __init__(self, account_of: dict[int, str], owners: dict[str, int]) -> None:
        self.account_of = account_of  # customer id -> account number ("" none)
        self.owners = owners  # number -> customer id
        self.accounts: dict[str, int] = {}  # account number -> the first customer with it
        for customer_id, account in sorted(account_of.items()):
            if account:
                self.accounts.setdefault(account, customer_id)

    def add(self, customer_id: int, row: CustomerRow) -> None:
        account = row.account_number or self.account_of.get(customer_id, "")
        self.account_of[customer_id] = account
        if account:
            self.accounts.setdefault(account, customer_id)
        for number in row.numbers:
            self.owners[number] = customer_id

    @classmethod
    async def load(cls, tenant_id: int) -> _Directory:
        customers = await scoped(Customer, tenant_id).values_list("id", "account_number")
        numbers = await scoped(CustomerNumber, tenant_id).values_list("number", "customer_id")
        return cls(
            {int(customer_id): str(account) for customer_id, account in customers},
            {str(number): int(owner) for number, owner in numbers},
        )

    def place(self, row: CustomerRow) -> tuple[int | None, list[Problem]]:
        """The customer the row updates (None: a new one), or its problems.

        Its ``id``, else its account number, else the one customer its numbers
        are already, unless that customer has another account number (then
        the numbers are someone else's, and the row is refused)."""
        problems: list[Problem] = []
        target = None
        if row.customer_id is not None:
            if row.customer_id in self.account_of:
                target = row.customer_id
            else:
                problems.append(Problem("id", f"no customer {row.customer_id}"))
        elif row.account_number in self.accounts:
            target = self.accounts[row.account_number]
        else:
            owners = {self.owners[n] for n in row.numbers if n in self.owners}
            if len(owners) == 1:
                only = owners.pop()
                if not row.account_number or not self.account_of.get(only):
                    target = only
        for number in row.numbers:
            owner = self.owners.get(number)
            if owner is not None and owner != target:
                shown = core.shown_number(number, reveal=False)
                problems.append(Problem("phone", f"{shown} is customer {owner}'s"))
        return target, problems


async def import_file(
    tenant_id: int, actor: Actor, data: bytes, filename: str, *, zone: ZoneInfo
) -> dict[str, Any]:
    """``{created, updated, rejected: [{line, problems: [{field, reason}]}],
    ignored_columns}``: every bad row by its line, the good ones kept."""
    at = now()
    # Parsing a large sheet takes seconds: off the event loop.
    parsed = await asyncio.to_thread(import_rows.read_customers, data, filename, now=at, zone=zone)
    directory = await _Directory.load(tenant_id)
    rejected = list(parsed.rejected)
    created = updated = 0
    async with in_transaction():
        for row in parsed.accepted:
            target, problems = directory.place(row)
            if problems:
                rejected.append(import_rows.RejectedRow(row.line, tuple(problems)))
                continue
            customer = await _store_row(tenant_id, actor, row, target)
            if target is None:
                created += 1
            else:
                updated += 1
            directory.add(customer.id, row)
    vip.invalidate()  # bulk changes fire no model signals
    rejected.sort(key=lambda bad: bad.line)
    await audit_trail.record(
        actor,
        "customers_imported",
        "customer",
        filename[:100],
        {"created": created, "updated": updated, "rejected": len(rejected)},
    )
    return {
        "created": created,
        "updated": updated,
        "rejected": [
            {
                "line": bad.line,
                "problems": [{"field": p.field, "reason": p.reason} for p in bad.problems],
            }
            for bad in rejected
        ],
        "ignored_columns": list(parsed.ignored_columns),
    }


async def _store_row(
    tenant_id: int, actor: Actor, row: CustomerRow, target: int | None
) -> Customer:
    if target is None:
        customer = await store.create_customer(tenant_id, row, actor.username)
        known: set[str] = set()
    else:
        customer = await Customer.get(id=target)
        # What a row leaves empty is kept (a column the file does not have).
        for name in ("name", "account_number", "id_number", "address", "email", "notes"):
            value = getattr(row, name)
            if value:
                setattr(customer, name, value)
        await customer.save()
        known = {row.number for row in await CustomerNumber.filter(customer=customer)}
    for number in row.numbers:
        if number not in known:
            await CustomerNumber.create(tenant_id=tenant_id, customer=customer, number=number)
    if row.mark is not None:
        marks = [store.mark_of(mark) for mark in await CustomerMark.filter(customer=customer)]
        if row.mark.kind not in core.kinds_now(marks, now()):
            await CustomerMark.create(
                tenant_id=tenant_id,
                customer=customer,
                kind=row.mark.kind,
                reason=row.mark.reason,
                expires_at=row.mark.expires_at.astimezone(UTC) if row.mark.expires_at else None,
                created_by=actor.username,
            )
    return customer


# -- export --------------------------------------------------------------------------


def _expiry_text(value: datetime | None, zone: ZoneInfo) -> str:
    """As an import reads it: a date when the mark ends at a midnight (the
    end of the day before), else the instant with its offset."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    if local.time() == time():
        return (local - timedelta(days=1)).date().isoformat()
    return local.isoformat()


async def export_rows(
    tenant_id: int, actor: Actor, viewer: Viewer, zone: ZoneInfo, file_format: str
) -> list[dict[str, Any]]:
    """The customers as rows of ``EXPORT_COLUMNS``; audited, since the file
    leaves Hotline (the web writes it with ``hotline/metrics/export.py``)."""
    at = now()
    customers = await scoped(Customer, tenant_id).order_by("id")
    ids = [row.id for row in customers]
    numbers, marks = await store.numbers_of(ids), await store.marks_of(ids)
    rows: list[dict[str, Any]] = []
    for customer in customers:
        counting = [m for m in marks[customer.id] if core.counts(store.mark_of(m), at)]
        strongest = next((m for kind in core.MARK_KINDS for m in counting if m.kind == kind), None)
        rows.append(
            {
                "id": customer.id,
                "name": customer.name,
                "phone": "; ".join(
                    core.shown_number(n.number, viewer.reveal) for n in numbers[customer.id]
                ),
                "account_number": customer.account_number,
                "id_number": core.shown_id_number(customer.id_number, viewer.reveal),
                "address": customer.address,
                "email": customer.email,
                "notes": customer.notes,
                "mark": strongest.kind if strongest else "",
                "mark_reason": strongest.reason if strongest else "",
                "mark_expires": _expiry_text(strongest.expires_at if strongest else None, zone),
            }
        )
    await audit_trail.record(
        actor,
        "customers_exported",
        "customer",
        file_format,
        {"rows": len(rows), "whole_numbers": viewer.reveal},
    )
    return rows
