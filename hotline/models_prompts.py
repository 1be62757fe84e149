"""Tortoise models of the prompts feature."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from hotline.models import Tenant


class Prompt(Model):
    """A voice prompt flows play as ``prompt:NAME``; the audio is files on disk.

    One prompt has audio per language (en, zh-CN...), each with its versions
    (``PromptVersion``).  ``version`` is the newest version number over all
    languages; ``language``, ``duration_s``, ``size_bytes`` and ``sha256``
    describe that newest version (columns kept from before versions had
    their own table: ``generate_schemas`` only creates new tables on an
    existing database, it never alters one).
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    category = fields.CharField(max_length=32, default="other")
    language = fields.CharField(max_length=8, default="en")
    duration_s = fields.FloatField()
    size_bytes = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    uploaded_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="prompts", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "prompt"
        ordering = ("name",)


class PromptVersion(Model):
    """One stored audio of a prompt in one language; never changed once written.

    Version numbers count per prompt over all its languages, so "version 3"
    names one audio.  The newest version of a language is the one that plays
    (its files are also linked as the live ``NAME.wav`` / ``NAME.sln16``).
    """

    id = fields.IntField(primary_key=True)
    prompt: fields.ForeignKeyRelation[Prompt] = fields.ForeignKeyField(
        "models.Prompt", related_name="versions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    language = fields.CharField(max_length=8)
    source = fields.CharField(max_length=16)  # upload, recording, tts
    source_format = fields.CharField(max_length=8)  # wav, mp3, ogg, m4a, webm
    tts_text = fields.TextField(null=True)
    duration_s = fields.FloatField()
    size_bytes = fields.IntField()  # of the 8 kHz WAV
    sha256 = fields.CharField(max_length=64)  # of the 8 kHz WAV
    uploaded_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "prompt_version"
        unique_together = (("prompt", "version"),)
        ordering = ("version",)
