"""Shared web machinery of the admin UI: sessions, CSRF, permissions, rendering."""
