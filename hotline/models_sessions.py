"""Tortoise model of each admin user's session version.

Sessions are signed cookies: the server keeps no list of them, so it cannot
end one by deleting it.  Instead every session carries the version its user
had when it was issued, and is honoured only while that is still the user's
version (``admin_ui/web/sessions.py``).  Its own table, not a ``user``
column, from before Hotline had migrations (then only new tables reached
existing databases).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class UserSessionEpoch(Model):
    id = fields.IntField(primary_key=True)
    # No reverse relation on User: nothing there needs to know about it.
    user: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    # A user without a row is at version 0.
    version = fields.IntField(default=0)

    class Meta:
        table = "user_session_epoch"
