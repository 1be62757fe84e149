"""CSRF protection: a per-session token on every mutating request.

Forms carry it in a hidden ``csrf_token`` field; htmx requests carry it in
the ``X-CSRF-Token`` header, which base.html sets once with ``hx-headers``.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_ok(request: Request) -> bool:
    if request.method in SAFE_METHODS:
        return True
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not expected:
        return False
    sent = request.headers.get("x-csrf-token")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    return bool(sent) and hmac.compare_digest(str(sent), expected)
