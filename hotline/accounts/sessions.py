"""Ending sessions: a logout or a new password signs out every copy of a session.

A session is a signed cookie (Starlette's ``SessionMiddleware``), valid for
8 hours wherever it is presented: clearing it in one browser does nothing to
a copy taken earlier.  So each user has a version (``user_session_epoch``,
``hotline/models_sessions.py``), each session records the version it was
issued under, and the web treats a request whose session carries an older
version as signed out (``admin_ui/web/sessions.py``).  Logging out, a
password reset (by the user or an administrator) and deactivation bump the
version, which ends all of that user's sessions on every device at once.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from hotline.models_sessions import UserSessionEpoch


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
