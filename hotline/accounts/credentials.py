"""What a user signs in with: the username rules and the password policy.

A new user (``users.py``) and a new tenant's first administrator
(``tenant_admin.py``) follow the same rules: usernames are one namespace
across tenants, and passwords have a minimum and a maximum length (they are
stored as argon2 hashes, ``hotline/passwords.py``).
"""

from __future__ import annotations

import re

from hotline.accounts.errors import FieldError
from hotline.models import User

MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def password_error(password: str) -> FieldError | None:
    """The password policy: why ``password`` may not be set, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return FieldError("users.error.password_short", {"min": str(MIN_PASSWORD_LENGTH)})
    if len(password) > 1024:
        return FieldError("users.error.password_long")
    return None


async def username_error(username: str, *, user_id: int | None = None) -> FieldError | None:
    """Why ``username`` (stripped) may not name a user, or None.  Usernames are
    one namespace across tenants; ``user_id`` is the user being renamed."""
    if not _USERNAME.match(username):
        return FieldError("users.error.username_format")
    if await User.filter(username=username).exclude(id=user_id or 0).exists():
        return FieldError("users.error.username_taken", {"username": username})
    return None
