"""Who is signed in, what they may do, and how hard it is to guess a password.

- Passwords are argon2 hashes, checked in worker threads
  (``hotline/passwords.py``, which voicemail PINs share).
- Who is signed in (``Principal``) and a group's IP allow-list
  (``ip_allowed``) are the kernel's (``hotline/accounts/principal.py``), so
  the use cases of ``hotline/accounts`` take the same actor the guard loads;
  the client IP they check is decided in ``client_address.py``.
- Login throttling counts failures per (account, client IP) and per client
  IP across accounts, in a sliding window.  Past a limit that pair (or IP)
  waits a short, growing delay.  A guesser slows only themself down: the
  real user, from their own address, is never locked out by someone else's
  failures.  A wrong password never signs anyone in.  Sign-in
  (``hotline/accounts/own_account.py``) takes the throttle through the
  ``SignInThrottle`` port it declares.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from dataclasses import dataclass, field

from admin_ui.web.client_address import parse_address
from hotline.passwords import hash_password as hash_password
from hotline.passwords import verify_password as verify_password


def _throttle_key(ip: str) -> str:
    """One IPv6 host usually holds a whole /64: count it as one address."""
    address = parse_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address) if address is not None else ip


@dataclass
class LoginThrottle:
    """Sliding-window failure counts with a growing, capped wait.

    Two counts, never one per account alone: per (account, IP) and per IP
    across accounts.  A per-account count lets anyone lock a user out by
    failing on purpose (five guesses, then one every few minutes); keyed
    with the IP it slows the guesser and nobody else.  The per-IP count
    stops one address from trying a few passwords on every account.
    """

    account_limit: int = 5
    ip_limit: int = 20
    window_s: float = 600.0
    base_delay_s: float = 30.0
    max_delay_s: float = 300.0
    # Failures for made-up usernames each create a key: past this many keys
    # the expired ones go, then the stalest.
    max_keys: int = 50_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _keys(self, username: str, ip: str) -> tuple[str, str]:
        address = _throttle_key(ip)
        return f"pair:{address}|{username.strip().lower()}", f"ip:{address}"

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
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
        pair, address = self._keys(username, ip)
        return max(
            self._wait(pair, self.account_limit, now), self._wait(address, self.ip_limit, now)
        )

    def failed(self, username: str, ip: str, now: float | None = None) -> float:
        """Count a failure; returns its time (``succeeded`` can withdraw it)."""
        now = time.time() if now is None else now
        for key in self._keys(username, ip):
            self._failures[key] = self._recent(key, now)
            self._failures[key].append(now)
        if len(self._failures) > self.max_keys:
            self._forget_stale(now)
        return now

    def succeeded(self, username: str, ip: str, counted_at: float | None = None) -> None:
        """Forget the pair's failures, and withdraw the attempt counted at ``counted_at``.

        The address's other failures stay: signing in to one's own account
        must not wipe what it tried on others.
        """
        pair, address = self._keys(username, ip)
        self._failures.pop(pair, None)
        failures = self._failures.get(address)
        if counted_at is not None and failures and counted_at in failures:
            failures.remove(counted_at)

    def _forget_stale(self, now: float) -> None:
        for key in [k for k, failures in self._failures.items() if not self._recent(k, now)]:
            del self._failures[key]
        excess = len(self._failures) - self.max_keys // 2
        if excess > 0:
            stalest = sorted(self._failures, key=lambda k: self._failures[k][-1])[:excess]
            for key in stalest:
                del self._failures[key]
