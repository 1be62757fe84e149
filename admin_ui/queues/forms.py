"""Form reading shared by the queue and agent pages: the posted form as plain values.

A form is kept as the strings the user typed (so an error re-renders exactly
what was entered); the ACD's settings use cases parse and validate them
(``ari_apps/acd/queue_settings.py``, ``agent_settings.py``,
``pause_reason_settings.py``).  Only what a Starlette form is stays here.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import ImmutableMultiDict

Form = ImmutableMultiDict[str, Any]


def text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def texts(form: Form, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def checked(form: Form, name: str) -> bool:
    # An unticked checkbox is simply absent from a plain HTML form.
    return text(form, name) in ("on", "true", "1", "yes")


def skill_rows(form: Form) -> list[tuple[str, str]]:
    """The skill rows as typed (name, level); fully blank rows are dropped."""
    names = [v if isinstance(v, str) else "" for v in form.getlist("skill_name")]
    levels = [v if isinstance(v, str) else "" for v in form.getlist("skill_level")]
    levels += [""] * (len(names) - len(levels))
    return [
        (name.strip(), level.strip())
        for name, level in zip(names, levels, strict=False)
        if name.strip() or level.strip()
    ]


def values_from_form(form: Form, name: str | None = None) -> dict[str, Any]:
    """A queue as the user typed it, kept as typed for a re-render."""
    return {
        "name": name if name is not None else text(form, "name"),
        "strategy": text(form, "strategy"),
        "ring_timeout_s": text(form, "ring_timeout_s"),
        "wrapup_s": text(form, "wrapup_s"),
        "max_wait_s": text(form, "max_wait_s"),
        "overflow_kind": text(form, "overflow_kind"),
        "overflow_target": text(form, "overflow_target"),
        "join_empty": checked(form, "join_empty"),
        "leave_empty": checked(form, "leave_empty"),
        "announce_every_s": text(form, "announce_every_s"),
        "announce_ewt": checked(form, "announce_ewt"),
        "moh_class": text(form, "moh_class"),
        "skills": skill_rows(form),
        "max_misses": text(form, "max_misses"),
        "vip_caller_ids": text(form, "vip_caller_ids"),
        "vip_priority": text(form, "vip_priority"),
        "sl_threshold_s": text(form, "sl_threshold_s"),
        "sl_target_pct": text(form, "sl_target_pct"),
        "short_abandon_s": text(form, "short_abandon_s"),
        # Blank (or a form from before the field) is off.
        "familiar_agent_s": text(form, "familiar_agent_s") or "0",
        "record_policy": text(form, "record_policy"),
        "record_sample_pct": text(form, "record_sample_pct"),
        "recording_retention_days": text(form, "recording_retention_days"),
        "survey_flow": text(form, "survey_flow"),
        "members": texts(form, "members"),
    }
