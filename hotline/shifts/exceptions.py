"""Errors of the shifts use cases: which form field is wrong and why, or a calendar in use.

The field errors are i18n keys, so the page shows the reason in its language
and the same key reaches the log.
"""

from __future__ import annotations

from hotline.errors import HotlineError


class FormInvalid(HotlineError):
    """``errors`` maps a form field to an i18n key saying what is wrong with it."""

    error_id = "form-invalid"
    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form: " + ", ".join(sorted(errors)), {"fields": errors})
        self.errors = errors


class CalendarInUse(HotlineError):
    error_id = "calendar-in-use"
    status_code = 409

    def __init__(self, name: str, flows: list[str]) -> None:
        super().__init__(
            f"calendar {name!r} is used by flows: {', '.join(flows)}",
            {"calendar": name, "flows": flows},
        )
        self.flows = flows
