"""Customer records: who calls, by which numbers, and how they are marked.

A customer has several numbers (``CustomerNumber``, E.164, each number one
customer's within a tenant), so the caller ID finds them whatever phone
they call from.  Marks (``CustomerMark``: VIP, blacklist, nuisance) carry a
reason and an expiry; a revoked or expired mark is kept for the record but
counts for nothing (``hotline/customers/core.py``).  The account fields are
what the identity check compares with what the caller keyed in the IVR.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Customer(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    name = fields.CharField(max_length=64)
    # The utility's account (户号) or contract number: the identity check's
    # usual question, and how an import finds a customer again.
    account_number = fields.CharField(max_length=32, default="", db_index=True)
    # A national ID or passport number: masked for those without customer_pii.
    id_number = fields.CharField(max_length=32, default="")
    address = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=120, default="")
    notes = fields.TextField(default="")
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer"


class CustomerNumber(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="numbers", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=32)  # E.164
    # "mobile", "home", "work", "other": what the agent reads beside it.
    label = fields.CharField(max_length=16, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        indexes = (("customer_id",),)
        table = "customer_number"
        unique_together = (("tenant_id", "number"),)


class CustomerMark(Model):
    """VIP, blacklist or nuisance, with why and until when (None: no end)."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="marks", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, db_index=True)
    reason = fields.CharField(max_length=200)
    expires_at = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.CharField(max_length=64, default="")

    class Meta:
        indexes = (("customer_id",),)
        table = "customer_mark"
