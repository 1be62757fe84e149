"""Errors of accounts and permissions: users, groups, roles, API tokens, tenants.

Each carries a stable ``error_id``, an HTTP status and details; the pages
show them through i18n keys (``message_key``) so both languages say why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hotline.errors import Conflict, HotlineError, NotFound


@dataclass(frozen=True)
class FieldError:
    """Why one form field was refused: an i18n key and its placeholders."""

    message_key: str
    params: Mapping[str, str] = field(default_factory=dict)


class FormInvalid(HotlineError):
    """One or more fields were refused; the form is shown again as typed."""

    error_id = "form-invalid"
    status_code = 422

    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        super().__init__(
            "invalid form: " + ", ".join(sorted(errors)),
            {"fields": {name: error.message_key for name, error in errors.items()}},
        )
        self.errors = dict(errors)


class RefusedChange(Conflict):
    """A change that would break a rule (last administrator, built-in role...)."""

    error_id = "refused-change"
    message_key = "users.error.refused"

    def __init__(self, message: str, params: Mapping[str, str] | None = None) -> None:
        super().__init__(message, dict(params or {}))
        self.params = dict(params or {})


class LastAdministrator(RefusedChange):
    error_id = "last-administrator"
    message_key = "users.error.last_admin"


class SelfDeactivation(RefusedChange):
    error_id = "self-deactivation"
    message_key = "users.error.self_deactivation"


class OutranksActor(RefusedChange):
    """Resetting the password of someone with more rights would be a takeover."""

    error_id = "outranks-actor"
    message_key = "users.error.outranks_you"


class BuiltinRoleReadOnly(RefusedChange):
    error_id = "builtin-role-read-only"
    message_key = "roles.error.builtin_read_only"


class RoleInUse(RefusedChange):
    error_id = "role-in-use"
    message_key = "roles.error.in_use"


class UnknownObject(NotFound):
    """No such user, group, role, API token or tenant (also for ids that are not numbers)."""


def object_id(raw: str | int) -> int:
    """A user's or a group's id as a path gives it; one that is not a number
    is as unknown as a missing one."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UnknownObject(f"no such object {raw!r}") from None
