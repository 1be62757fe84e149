"""Tortoise models of the prompts feature."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Prompt(Model):
    """A voice prompt flows play as ``prompt:NAME``; the audio is a file on disk.

    ``version`` counts uploads under this name: each re-upload keeps the
    previous audio as ``NAME.v<N>.wav`` next to the live ``NAME.wav``.
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

    class Meta:
        table = "prompt"
        ordering = ("name",)
