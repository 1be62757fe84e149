"""Ending sessions: a logout or a new password signs out every copy of a session.

A session is a signed cookie (Starlette's ``SessionMiddleware``), valid for
8 hours wherever it is presented: clearing it in one browser does nothing to
a copy taken earlier.  So each user has a version (``user_session_epoch``),
each session records the version it was issued under, and a request whose
session carries an older version is treated as signed out.  Logging out,
a password reset (by the user or an administrator) and deactivation bump the
version, which ends all of that user's sessions on every device at once.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from hotline.models_sessions import UserSessionEpoch

USER_KEY = "user_id"
VERSION_KEY = "session_version"


async def current_version(user_id: int) -> int:
    row = await UserSessionEpoch.get_or_none(user_id=user_id)
    return row.version if row is not None else 0


async def end_all_sessions(user_id: int) -> int:
    """Sign the user out everywhere; returns the new version."""
    bumped = await UserSessionEpoch.filter(user_id=user_id).update(version=F("version") + 1)
    if not bumped:
        try:
            await UserSessionEpoch.create(user_id=user_id, version=1)
        except IntegrityError:  # a concurrent request created the row first
            await UserSessionEpoch.filter(user_id=user_id).update(version=F("version") + 1)
    return await current_version(user_id)


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
