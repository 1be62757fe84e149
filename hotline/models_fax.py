"""Tortoise models of the fax feature: the catalogue, fax jobs and fax DIDs."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from hotline.models import Tenant


class FaxDocument(Model):
    """A numbered document callers can request; kept as the uploaded PDF and
    as the TIFF-F file SendFAX transmits (a path Asterisk can read)."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=16, unique=True)
    title = fields.CharField(max_length=200)
    pages = fields.IntField()
    pdf_path = fields.CharField(max_length=500)
    tiff_path = fields.CharField(max_length=500)  # as seen from the host
    size_bytes = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    uploaded_by = fields.CharField(max_length=64, default="")
    # "catalogue": uploaded, listed and keyed by callers; "knowledge": a
    # knowledge article faxed to someone (number "K<article>v<version>"),
    # neither listed nor keyable.
    origin = fields.CharField(max_length=12, default="catalogue", db_default="catalogue")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="fax_documents", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "fax_document"
        ordering = ("number",)


class FaxJob(Model):
    """Every fax sent or received, with its T.30 result and its retries.

    ``status``: queued, dialling, sending, receiving, retry_wait, done, failed.
    """

    id = fields.IntField(primary_key=True)
    direction = fields.CharField(max_length=3)  # out | in
    kind = fields.CharField(max_length=16)  # on_demand | fax_back | inbound
    document: fields.ForeignKeyNullableRelation[FaxDocument] = fields.ForeignKeyField(
        "models.FaxDocument", related_name="jobs", null=True, on_delete=fields.SET_NULL
    )
    remote_number = fields.CharField(max_length=32, default="")
    local_number = fields.CharField(max_length=32, default="")
    status = fields.CharField(max_length=16, default="queued")
    pages = fields.IntField(default=0)
    rate_bps = fields.IntField(default=0)
    ecm = fields.BooleanField(default=False)
    t38 = fields.BooleanField(default=False)
    error = fields.CharField(max_length=300, default="")
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=1)
    next_attempt_at = fields.DatetimeField(null=True)
    result_path = fields.CharField(max_length=500, default="")  # received PDF
    emailed_to = fields.CharField(max_length=200, default="")
    call_id = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="fax_jobs", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (
            ("tenant_id",),
            ("document_id",),
            # The fax-back scheduler's passes: waiting and in-flight jobs.
            ("kind", "status"),
        )
        table = "fax_job"
        ordering = ("-id",)


class FaxDid(Model):
    """A DID that answers with ReceiveFAX; received faxes go to ``email``."""

    number = fields.CharField(max_length=32, primary_key=True)
    email = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="fax_dids", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "fax_did"
        ordering = ("number",)


class FaxBackSettings(Model):
    """The fax-back retry policy operators set (one row, id 1); defaults when absent.

    A table of its own rather than columns on ``fax_job``: schema creation is
    additive (new tables only), so existing databases pick it up unchanged.
    """

    id = fields.IntField(primary_key=True)
    max_attempts = fields.IntField()
    first_delay_s = fields.IntField()
    max_delay_s = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "fax_back_settings"
