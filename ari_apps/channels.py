"""The adapter's one channel registry: which feature has each channel.

Every event ARI sends about a channel is routed here, by the channel's id,
to whoever the registry names.  Before it, six dictionaries each said who
had a channel (flows, feature codes, call services, direct services, fax
legs, ACD legs and callers), and the adapter asked them in turn; a channel
that two of them named was routed by the order of an if/elif.

Three roles, because three kinds of interest exist:

* **owner**: the feature that holds the channel for as long as it is in our
  application: a caller's flow, an ACD agent leg, a caller the ACD adopted
  after a restart, a feature-code call, a call service run without a flow.
  One owner per channel; claiming a channel someone owns is a bug and
  raises.  Once the channel has left the application (StasisEnd) or is
  gone (ChannelDestroyed), the owner hears it and the channel is released.
* **borrower**: a call service (voicemail, fax) that the owner lends the
  channel to for a while.  It hears every event while it holds the channel;
  the owner meanwhile hears only the channel's end, so a flow never reacts
  to the digits keyed into a voicemail menu.
* **observer**: hears every event of a channel, before its owner, and even
  when the channel never enters Stasis: a fax-back attempt's Local legs are
  watched from the originate on, since a far end that refuses destroys
  them before any StasisStart (``fax/scheduler.py``).

A feature may keep its own records of the channels it owns (the ACD's legs
and waiting callers carry queue and agent state); the registry is the one
place that says who owns a channel, and the only thing the adapter asks.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Container, Iterator, Mapping
from typing import Protocol, TypeVar

from ari_apps.ari.events import CHANNEL_DESTROYED, AriEvent, parse_event

log = logging.getLogger(__name__)

ChannelObserver = Callable[[AriEvent], None]
# Channel id -> its observer; a plain dict, so that a feature given only
# this part of the registry (fax-back) needs nothing else of it.
ChannelObservers = dict[str, ChannelObserver]


class ChannelOwner(Protocol):
    """A feature's hold on a channel."""

    @property
    def feature(self) -> str:
        """Which feature holds it ("ivr", "acd.leg", ...): logs and live views."""
        ...

    @property
    def call_id(self) -> str: ...

    async def on_channel_event(self, event: AriEvent) -> None:
        """Every event of the channel (only its end while it is lent out)."""


class ChannelBorrower(Protocol):
    def deliver(self, event: AriEvent) -> None:
        """Every event of the channel while borrowed, in order, without blocking."""


class ChannelAlreadyOwned(RuntimeError):
    """Two owners for one channel: a bug, so loud."""

    def __init__(self, channel_id: str, holder: ChannelOwner, claimant: ChannelOwner) -> None:
        super().__init__(
            f"channel {channel_id} is owned by {holder.feature}; {claimant.feature} cannot own it"
        )


OwnerT = TypeVar("OwnerT")


class ChannelRegistry:
    def __init__(self) -> None:
        self._owners: dict[str, ChannelOwner] = {}
        self._borrowers: dict[str, ChannelBorrower] = {}
        self.observers: ChannelObservers = {}

    # -- owners ------------------------------------------------------------------
    def own(self, channel_id: str, owner: ChannelOwner) -> None:
        holder = self._owners.get(channel_id)
        if holder is not None and holder is not owner:
            raise ChannelAlreadyOwned(channel_id, holder, owner)
        self._owners[channel_id] = owner

    def release(self, channel_id: str, owner: ChannelOwner) -> bool:
        """Drop ``owner``'s hold; False when it did not hold the channel (any
        more), which makes every clean-up path safe to run twice."""
        if self._owners.get(channel_id) is not owner:
            return False
        del self._owners[channel_id]
        return True

    def owner(self, channel_id: str) -> ChannelOwner | None:
        return self._owners.get(channel_id)

    def owned(self, kind: type[OwnerT]) -> dict[str, OwnerT]:
        """The channels held by owners of one class, by channel id."""
        return {c: o for c, o in self._owners.items() if isinstance(o, kind)}

    def vanished(self, alive: Container[str]) -> list[str]:
        """Held channels missing from ``alive`` (Asterisk's list after an outage)."""
        return [channel_id for channel_id in self._owners if channel_id not in alive]

    async def forget_vanished(self, alive: Container[str]) -> None:
        """Each held channel Asterisk no longer has ends as if destroyed, so its
        owner (and any borrower) cleans up exactly as on a hang-up, and no
        event for it will come any more."""
        for channel_id in self.vanished(alive):
            await self.dispatch(
                parse_event({"type": CHANNEL_DESTROYED, "channel": {"id": channel_id}})
            )

    def __contains__(self, channel_id: object) -> bool:
        return channel_id in self._owners

    def __len__(self) -> int:
        return len(self._owners)

    # -- borrowers -----------------------------------------------------------------
    @contextlib.contextmanager
    def lend(self, channel_id: str, borrower: ChannelBorrower) -> Iterator[None]:
        """The borrower hears the channel until the block ends."""
        self._borrowers[channel_id] = borrower
        try:
            yield
        finally:
            if self._borrowers.get(channel_id) is borrower:
                del self._borrowers[channel_id]

    def borrowers(self) -> Mapping[str, ChannelBorrower]:
        return dict(self._borrowers)

    # -- routing -------------------------------------------------------------------
    def notify_observers(self, event: AriEvent) -> None:
        observer = self.observers.get(event.channel_id or "")
        if observer is not None:
            observer(event)

    async def dispatch(self, event: AriEvent) -> None:
        """Route one event (anything but StasisStart, which the Stasis routes
        take) to the channel's borrower and owner."""
        channel_id = event.channel_id or ""
        borrower = self._borrowers.get(channel_id)
        if borrower is not None:
            borrower.deliver(event)
        owner = self._owners.get(channel_id)
        if owner is None:
            return
        final = event.is_channel_final
        if borrower is None or final:
            await owner.on_channel_event(event)
        if final:
            # Out of our application: nobody holds it now.  (A channel that
            # comes back through Stasis() starts afresh with a new owner.)
            self.release(channel_id, owner)
