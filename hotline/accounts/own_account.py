"""One's own account: signing in, and the user's language.

Signing out is ending every session of the user (``sessions.py``); the web
does it on logout.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from hotline.accounts.principal import ip_allowed, load_principal
from hotline.languages import DEFAULT_LANGUAGE, LANGUAGES
from hotline.models import User
from hotline.passwords import hash_password, password_matches

# Verifying against a real hash even for unknown users keeps the response
# time the same, so timing does not tell which usernames exist.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


class SignInThrottle(Protocol):
    """What sign-in needs of the failure counts that slow a guesser down.

    The web keeps them in memory, per client address
    (``admin_ui/web/security.py``, ``LoginThrottle``).
    """

    def retry_after(self, username: str, ip: str) -> float:
        """Seconds before another attempt is allowed (0: go ahead)."""
        ...

    def failed(self, username: str, ip: str) -> float:
        """Count a failure; returns its time (``succeeded`` can withdraw it)."""
        ...

    def succeeded(self, username: str, ip: str, counted_at: float | None = None) -> None:
        """Forget the pair's failures, and withdraw the attempt counted at ``counted_at``."""
        ...


@dataclass(frozen=True)
class LoginResult:
    user_id: int | None
    error: str | None  # an i18n key
    retry_after_s: int = 0


async def sign_in(throttle: SignInThrottle, username: str, password: str, ip: str) -> LoginResult:
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
        language = DEFAULT_LANGUAGE
    if user_id is not None:
        await User.filter(id=user_id).update(language=language)
    return language
