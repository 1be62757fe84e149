"""Hotline's schema migrations, app "models" (see hotline/schema_migrations.py).

Write them with ``make migration NAME=...``; never edit one users may have applied.
"""
