"""Signing in and out, and the user's language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from admin_ui.web.i18n import LANGUAGES
from admin_ui.web.security import (
    LoginThrottle,
    hash_password,
    ip_allowed,
    load_principal,
    password_matches,
)
from hotline.models import User

# Verifying against a real hash even for unknown users keeps the response
# time the same, so timing does not tell which usernames exist.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


@dataclass(frozen=True)
class LoginResult:
    user_id: int | None
    error: str | None  # an i18n key
    retry_after_s: int = 0


async def sign_in(throttle: LoginThrottle, username: str, password: str, ip: str) -> LoginResult:
    username = username.strip()
    wait = throttle.retry_after(username, ip)
    if wait > 0:
        return LoginResult(None, "login.throttled", int(wait) + 1)
    # Counted as a failure before the password is checked (withdrawn below if
    # it is right): parallel guesses all pass the check above while the first
    # ones are still being verified, so counting afterwards would let a burst
    # through whatever the limit.
    counted_at = throttle.failed(username, ip)
    user = await User.get_or_none(username=username, is_active=True) if username else None
    valid = await password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid:
        return LoginResult(None, "login.invalid")
    principal = await load_principal(user.id)
    if principal is None or not ip_allowed(ip, principal.ip_allowlist):
        return LoginResult(None, "login.ip_not_allowed")
    throttle.succeeded(username, ip, counted_at)
    return LoginResult(user.id, None)


async def set_language(user_id: int | None, language: str) -> str:
    if language not in LANGUAGES:
        language = "en"
    if user_id is not None:
        await User.filter(id=user_id).update(language=language)
    return language
