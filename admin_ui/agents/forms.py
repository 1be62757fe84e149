"""The agent and pause reason forms as plain values, kept as typed for a re-render.

The ACD's settings use cases parse and validate them
(``ari_apps/acd/agent_settings.py``, ``pause_reason_settings.py``).
"""

from __future__ import annotations

from typing import Any

from admin_ui.queues.forms import Form, checked, skill_rows, text, texts
from ari_apps.acd.pause_reason_settings import FIELDS as PAUSE_REASON_FIELDS


def values_from_form(form: Form, extension: str | None = None) -> dict[str, Any]:
    """An agent as the user typed it."""
    return {
        "extension": extension if extension is not None else text(form, "extension"),
        "name": text(form, "name"),
        "phone": text(form, "phone"),
        "skills": skill_rows(form),
        "queues": texts(form, "queues"),
    }


def pause_reason_values_from_form(form: Form) -> dict[str, Any]:
    """A pause reason as the user typed it."""
    fields = {field: text(form, field) for field in PAUSE_REASON_FIELDS}
    return fields | {"active": checked(form, "active")}
