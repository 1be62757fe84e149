"""The adapter's channel registry: owners, borrowers and observers."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.ari.events import AriEvent, parse_event
from ari_apps.channels import ChannelAlreadyOwned, ChannelRegistry


class RecordingOwner:
    def __init__(self, feature: str = "test", call_id: str = "call-1") -> None:
        self.feature = feature
        self.call_id = call_id
        self.events: list[str] = []

    async def on_channel_event(self, event: AriEvent) -> None:
        self.events.append(event.type)


class RecordingBorrower:
    def __init__(self) -> None:
        self.events: list[str] = []

    def deliver(self, event: AriEvent) -> None:
        self.events.append(event.type)


def event(kind: str, channel_id: str = "chan-1", **extra: object) -> AriEvent:
    return parse_event({"type": kind, "channel": {"id": channel_id}, **extra})


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_given_an_owner_when_its_channel_sends_events_then_the_owner_hears_them() -> None:
    registry = ChannelRegistry()
    owner = RecordingOwner()
    registry.own("chan-1", owner)
    run(registry.dispatch(event("ChannelDtmfReceived", digit="5")))
    run(registry.dispatch(event("ChannelDtmfReceived", "chan-2", digit="5")))
    assert owner.events == ["ChannelDtmfReceived"]
    assert registry.owner("chan-1") is owner


def test_given_an_owned_channel_when_another_feature_claims_it_then_that_is_refused() -> None:
    registry = ChannelRegistry()
    first = RecordingOwner("ivr")
    registry.own("chan-1", first)
    registry.own("chan-1", first)  # the same owner again is harmless
    with pytest.raises(ChannelAlreadyOwned, match=r"owned by ivr; acd\.leg cannot"):
        registry.own("chan-1", RecordingOwner("acd.leg"))
    assert registry.owner("chan-1") is first


def test_given_a_channel_that_ends_then_its_owner_hears_it_once_and_is_released() -> None:
    registry = ChannelRegistry()
    owner = RecordingOwner()
    registry.own("chan-1", owner)
    run(registry.dispatch(event("StasisEnd")))
    run(registry.dispatch(event("ChannelDestroyed")))
    assert owner.events == ["StasisEnd"]
    assert "chan-1" not in registry
    assert len(registry) == 0


def test_given_a_lent_channel_then_the_borrower_hears_everything_and_the_owner_only_the_end() -> (
    None
):
    registry = ChannelRegistry()
    owner, borrower = RecordingOwner(), RecordingBorrower()
    registry.own("chan-1", owner)
    with registry.lend("chan-1", borrower):
        run(registry.dispatch(event("ChannelDtmfReceived", digit="1")))
        run(registry.dispatch(event("PlaybackFinished")))
        assert set(registry.borrowers()) == {"chan-1"}
    run(registry.dispatch(event("ChannelDtmfReceived", digit="2")))
    assert borrower.events == ["ChannelDtmfReceived", "PlaybackFinished"]
    assert owner.events == ["ChannelDtmfReceived"]  # the digit after the loan
    with registry.lend("chan-1", borrower):
        run(registry.dispatch(event("ChannelDestroyed")))
    assert owner.events[-1] == "ChannelDestroyed"
    assert registry.borrowers() == {}


def test_given_an_observed_channel_then_the_observer_hears_it_even_without_an_owner() -> None:
    registry = ChannelRegistry()
    heard: list[str] = []
    registry.observers["hl-fax-1-1"] = lambda e: heard.append(e.type)
    registry.notify_observers(event("ChannelDestroyed", "hl-fax-1-1"))
    registry.notify_observers(event("ChannelDestroyed", "other"))
    assert heard == ["ChannelDestroyed"]


def test_given_an_outage_when_channels_vanished_then_their_owners_end_as_on_a_hang_up() -> None:
    registry = ChannelRegistry()
    gone, alive = RecordingOwner(call_id="a"), RecordingOwner(call_id="b")
    registry.own("gone", gone)
    registry.own("alive", alive)
    run(registry.forget_vanished({"alive"}))
    assert gone.events == ["ChannelDestroyed"]
    assert alive.events == []
    assert "gone" not in registry and "alive" in registry


def test_given_owners_of_two_kinds_then_owned_lists_one_kind() -> None:
    class OtherOwner(RecordingOwner):
        pass

    registry = ChannelRegistry()
    registry.own("a", RecordingOwner())
    registry.own("b", OtherOwner())
    assert list(registry.owned(OtherOwner)) == ["b"]


def test_given_a_stale_owner_when_it_releases_then_the_new_owner_keeps_the_channel() -> None:
    registry = ChannelRegistry()
    old, new = RecordingOwner(), RecordingOwner()
    registry.own("chan-1", old)
    assert registry.release("chan-1", old)
    registry.own("chan-1", new)
    assert not registry.release("chan-1", old)
    assert registry.owner("chan-1") is new


_actions = st.lists(
    st.tuples(
        st.sampled_from(["own", "release", "dtmf", "end"]),
        st.sampled_from(["c1", "c2", "c3"]),
        st.integers(0, 2),
    ),
    max_size=40,
)


@given(_actions)
def test_invariant_one_owner_per_channel_and_no_owner_after_the_end(
    actions: list[tuple[str, str, int]],
) -> None:
    registry = ChannelRegistry()
    owners = [RecordingOwner(f"feature-{i}") for i in range(3)]
    expected: dict[str, RecordingOwner] = {}
    for action, channel_id, which in actions:
        owner = owners[which]
        if action == "own":
            if channel_id in expected and expected[channel_id] is not owner:
                with pytest.raises(ChannelAlreadyOwned):
                    registry.own(channel_id, owner)
            else:
                registry.own(channel_id, owner)
                expected[channel_id] = owner
        elif action == "release":
            released = registry.release(channel_id, owner)
            assert released == (expected.get(channel_id) is owner)
            if released:
                del expected[channel_id]
        elif action == "dtmf":
            run(registry.dispatch(event("ChannelDtmfReceived", channel_id, digit="1")))
        else:
            run(registry.dispatch(event("StasisEnd", channel_id)))
            expected.pop(channel_id, None)
        for known in ("c1", "c2", "c3"):
            assert registry.owner(known) is expected.get(known)
