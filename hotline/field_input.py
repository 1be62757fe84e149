"""Field-by-field validation of values a person typed, for any settings form.

A form is kept as the strings the user typed (so an error re-renders exactly
what was entered) and parsed into typed values only when saving.  The parser
collects every failing field instead of stopping at the first, so one
refusal names them all; ``FormInvalid`` carries them to the page, the API and
the log alike.  Nothing here knows HTTP: the web turns its request into
plain values first, and a feature's use cases parse those.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hotline.errors import InvalidRequest


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


class FieldParser:
    """Collects every parse error of one form instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: dict[str, FieldError] = {}

    def fail(self, name: str, message: str, **values: Any) -> None:
        self.errors.setdefault(name, FieldError(name, message, values))

    def integer(self, name: str, raw: str, *, optional: bool = False) -> int | None:
        # The i18n catalogue keeps these messages under "queues." because the
        # queue page was the first to use them; every settings page shares them.
        if raw == "":
            if not optional:
                self.fail(name, "queues.error.required")
            return None
        try:
            return int(raw)
        except ValueError:
            self.fail(name, "queues.error.integer", value=raw)
            return None

    def raise_if_failed(self) -> None:
        if self.errors:
            raise FormInvalid(dict(self.errors))
