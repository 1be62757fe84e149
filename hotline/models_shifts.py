"""Tortoise models of the shifts feature."""

from __future__ import annotations
