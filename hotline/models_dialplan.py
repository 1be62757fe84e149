"""Tortoise models of the dialplan feature."""

from __future__ import annotations
