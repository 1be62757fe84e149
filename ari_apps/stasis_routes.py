"""Where a channel entering Stasis goes: by registration, not by if/elif.

A channel enters Hotline's ARI application with arguments,
``Stasis(hotline,<kind>,...)`` in the dialplan or ``appArgs`` on an
originate.  Each feature claims the kinds it handles when the call handling
is built (``stasis_claims`` in its ``stasis.py``); a kind claimed twice is a
programming error and fails at once, and a kind nobody claimed goes to the
safe context (the caller hears an apology, never silence).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from ari_apps.ari.events import AriEvent

StasisStartHandler = Callable[[AriEvent], Awaitable[None]]


class StasisRoutes:
    def __init__(self) -> None:
        self._handlers: dict[str, StasisStartHandler] = {}

    def claim(self, kind: str, handler: StasisStartHandler) -> None:
        if not kind:
            raise ValueError("a Stasis kind must not be empty")
        if kind in self._handlers:
            raise ValueError(f"Stasis kind {kind!r} is claimed twice")
        self._handlers[kind] = handler

    def claim_all(self, claims: Mapping[str, StasisStartHandler]) -> None:
        for kind, handler in claims.items():
            self.claim(kind, handler)

    def handler_for(self, args: Sequence[str]) -> StasisStartHandler | None:
        """The handler of the first Stasis argument; None when unclaimed."""
        return self._handlers.get(args[0]) if args else None

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)
