"""What every change to the ACD's settings shares (queues, agents, pause reasons).

A change arrives as the strings the user typed and is parsed into typed values
only when saving (``hotline/field_input.py``).  The ACD's own
``QueueConfig``/``AgentConfig`` constructors are the final validator; their
``InvalidConfigError`` is translated here into a field of the form and an
i18n message, so nothing the ACD would refuse ever reaches the database.
Whoever saves (the web page, with its session) hands in an ``Editor``: the
live center to reload and the audit log to write.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from ari_apps.acd.config import MAX_PROFICIENCY, MIN_PROFICIENCY
from ari_apps.acd.exceptions import InvalidConfigError
from hotline.center import ContactCenter
from hotline.field_input import FieldError, FieldParser, FormInvalid


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


class SettingsParser(FieldParser):
    """A ``FieldParser`` that also reads skill rows, bounded by the ACD's proficiency."""

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
