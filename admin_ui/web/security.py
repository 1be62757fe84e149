"""Who is signed in, what they may do, and how hard it is to guess a password.

- Passwords are argon2 hashes.
- Login throttling counts failures per account and per client IP in a
  sliding window.  After too many failures the account (or IP) must wait a
  short, growing delay: a guesser is slowed down while the real user is not
  locked out for long.  A wrong password never signs anyone in.
- A group's IP allow-list restricts where its members may work from.
"""

from __future__ import annotations

import ipaddress
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hotline.models import User

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    language: str
    permissions: frozenset[str]
    roles: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    phone_extension: str | None

    def can(self, permission: str) -> bool:
        return permission in self.permissions


async def load_principal(user_id: int) -> Principal | None:
    user = await User.get_or_none(id=user_id, is_active=True)
    if user is None:
        return None
    permissions: set[str] = set()
    roles: set[str] = set()
    allowlist: list[str] = []
    for group in await user.groups.all().prefetch_related("roles"):
        allowlist.extend(group.ip_allowlist or [])
        for role in group.roles:
            roles.add(role.name)
            permissions.update(role.permissions or [])
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        language=user.language,
        permissions=frozenset(permissions),
        roles=tuple(sorted(roles)),
        ip_allowlist=tuple(allowlist),
        phone_extension=user.phone_extension,
    )


def ip_allowed(ip: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """An empty allow-list allows everyone; otherwise the IP must match a CIDR."""
    if not allowlist:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in allowlist:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass
class LoginThrottle:
    """Sliding-window failure counts with a growing, capped wait."""

    account_limit: int = 5
    ip_limit: int = 20
    window_s: float = 600.0
    base_delay_s: float = 30.0
    max_delay_s: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] < now - self.window_s:
            failures.popleft()
        return failures

    def _wait(self, key: str, limit: int, now: float) -> float:
        failures = self._recent(key, now)
        if len(failures) < limit:
            return 0.0
        excess = len(failures) - limit
        delay = min(self.max_delay_s, self.base_delay_s * float(2**excess))
        return max(0.0, failures[-1] + delay - now)

    def retry_after(self, username: str, ip: str, now: float | None = None) -> float:
        """Seconds before another attempt is allowed (0: go ahead)."""
        now = time.time() if now is None else now
        return max(
            self._wait(f"user:{username.lower()}", self.account_limit, now),
            self._wait(f"ip:{ip}", self.ip_limit, now),
        )

    def failed(self, username: str, ip: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._recent(f"user:{username.lower()}", now).append(now)
        self._recent(f"ip:{ip}", now).append(now)

    def succeeded(self, username: str) -> None:
        self._failures.pop(f"user:{username.lower()}", None)
