"""A session cookie's user, honoured only at the user's current session version.

A session is a signed cookie (Starlette's ``SessionMiddleware``); ending one
for good means bumping its user's version (``hotline/accounts/sessions.py``,
which says why).  This module writes the version into a fresh session and
refuses a session that carries an older one.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from hotline.accounts.sessions import current_version

USER_KEY = "user_id"
VERSION_KEY = "session_version"


async def begin(session: MutableMapping[str, Any], user_id: int) -> None:
    """Mark a (fresh) session as the user's, at the user's current version."""
    session[USER_KEY] = user_id
    session[VERSION_KEY] = await current_version(user_id)


async def session_user_id(session: MutableMapping[str, Any]) -> int | None:
    """The user a session belongs to, or None when it has none or was ended.

    An ended session forgets its user (other keys, such as the language and
    the CSRF token of the sign-in form, stay).  A session issued before
    versions existed counts as version 0, so it stays valid until the user's
    next logout.
    """
    user_id = session.get(USER_KEY)
    if not isinstance(user_id, int):
        return None
    version = session.get(VERSION_KEY, 0)
    if isinstance(version, int) and version == await current_version(user_id):
        return user_id
    forget(session)
    return None


def forget(session: MutableMapping[str, Any]) -> None:
    session.pop(USER_KEY, None)
    session.pop(VERSION_KEY, None)
