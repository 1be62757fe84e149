"""Form helpers shared by the queue and agent pages.

A form is kept as the strings the user typed (so an error re-renders exactly
what was entered) and parsed into typed values only when saving.  The ACD's
own ``QueueConfig``/``AgentConfig`` constructors are the final validator; their
``InvalidConfigError`` is translated here into a field of the form and an
i18n message, so nothing the ACD would refuse ever reaches the database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.datastructures import ImmutableMultiDict

from ari_apps.acd.config import MAX_PROFICIENCY, MIN_PROFICIENCY
from ari_apps.acd.exceptions import InvalidConfigError
from hotline.center import ContactCenter
from hotline.errors import InvalidRequest

Form = ImmutableMultiDict[str, Any]


class AuditFn(Protocol):
    def __call__(
        self,
        action: str,
        object_type: str,
        object_id: str,
        *,
        before: Any = None,
        after: Any = None,
    ) -> Awaitable[object]: ...


@dataclass(frozen=True)
class Editor:
    """Who saves a change: the live center to reload and the audit log to write."""

    center: ContactCenter
    audit: AuditFn


@dataclass(frozen=True)
class FieldError:
    """One invalid field: ``message`` is an i18n key, ``values`` its parameters."""

    field: str
    message: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


class FormInvalid(InvalidRequest):
    """The form cannot be saved; ``errors`` names each failing field and why."""

    error_id = "form-invalid"
    status_code = 422

    def __init__(self, errors: dict[str, FieldError]) -> None:
        super().__init__(
            "invalid form: " + ", ".join(sorted(errors)),
            {"fields": {name: error.message for name, error in errors.items()}},
        )
        self.errors = errors


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


class FieldParser:
    """Collects every parse error of one form instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: dict[str, FieldError] = {}

    def fail(self, name: str, message: str, **values: Any) -> None:
        self.errors.setdefault(name, FieldError(name, message, values))

    def integer(self, name: str, raw: str, *, optional: bool = False) -> int | None:
        if raw == "":
            if not optional:
                self.fail(name, "queues.error.required")
            return None
        try:
            return int(raw)
        except ValueError:
            self.fail(name, "queues.error.integer", value=raw)
            return None

    def skills(self, name: str, rows: list[tuple[str, str]]) -> dict[str, int]:
        parsed: dict[str, int] = {}
        for skill, level in rows:
            if not skill:
                self.fail(name, "queues.error.skill_name")
            elif skill in parsed:
                self.fail(name, "queues.error.skill_duplicate", skill=skill)
            else:
                try:
                    parsed[skill] = int(level)
                except ValueError:
                    self.fail(name, "queues.error.proficiency", skill=skill, value=level)
                    continue
                if not MIN_PROFICIENCY <= parsed[skill] <= MAX_PROFICIENCY:
                    self.fail(name, "queues.error.proficiency", skill=skill, value=level)
        return parsed

    def raise_if_failed(self) -> None:
        if self.errors:
            raise FormInvalid(dict(self.errors))


# The ACD's reasons, in the words of the i18n catalogue.
_REASONS = (
    ("must be positive", "queues.error.positive"),
    ("must not be negative", "queues.error.non_negative"),
    ("must be >= 0", "queues.error.non_negative"),
    ("must not be empty", "queues.error.required"),
    ("unknown strategy", "queues.error.choice"),
    ("unknown kind", "queues.error.choice"),
    ("cannot overflow into itself", "queues.error.self_overflow"),
    ("proficiency", "queues.error.proficiency"),
)


def config_error(error: InvalidConfigError, field_names: dict[str, str]) -> FormInvalid:
    """Translate the ACD's refusal into the form field it is about."""
    key = error.field.split(".", 1)[0]
    if error.subject == "overflow":
        key = f"overflow.{error.field}"
    name = field_names.get(key, key)
    message = next((msg for text_, msg in _REASONS if text_ in error.reason), "queues.error.other")
    values: dict[str, Any] = {"reason": error.reason}
    if error.field.startswith("skills."):
        values["skill"] = error.field.split(".", 1)[1]
        values["value"] = error.reason.split()[1] if error.reason.startswith("proficiency") else ""
    return FormInvalid({name: FieldError(name, message, values)})
