"""Login throttling per (account, IP) and per IP, and argon2 off the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest
from argon2 import PasswordHasher

from admin_ui.web.security import LoginThrottle
from hotline import passwords
from hotline.models import User
from tests.unit.loop_watch import LoopWatch
from tests.unit.ui_support import PASSWORD, UiClient


@pytest.mark.security
async def test_given_guesses_from_one_address_then_the_real_user_elsewhere_still_signs_in(
    ui: UiClient,
) -> None:
    async with ui.from_address("198.51.100.66") as guesser:
        await guesser.get("/login")
        for _ in range(6):
            await guesser.post("/login", {"username": "supervisor", "password": "guess"})
        response = await guesser.post("/login", {"username": "supervisor", "password": PASSWORD})
        assert response.status_code == 429
    async with ui.from_address("203.0.113.10") as real_user:
        assert (await real_user.login("supervisor")).status_code == 303
        assert (await real_user.get("/")).status_code == 200


@pytest.mark.security
def test_given_someone_guessing_whenever_allowed_then_the_real_user_is_never_kept_out() -> None:
    """Five wrong passwords, then one more each time the wait ends, for an hour."""
    throttle = LoginThrottle()
    for now in range(1000, 4600, 10):
        if throttle.retry_after("alice", "198.51.100.66", now=now) == 0:
            throttle.failed("alice", "198.51.100.66", now=now)
        assert throttle.retry_after("alice", "203.0.113.10", now=now + 1) == 0, now
    # ...while the guesser is slowed down: a few a window, not sixty.
    assert len(throttle._failures["pair:198.51.100.66|alice"]) < 10


@pytest.mark.security
async def test_given_guesses_across_accounts_from_one_address_then_that_address_waits(
    ui: UiClient,
) -> None:
    async with ui.from_address("198.51.100.67") as guesser:
        await guesser.get("/login")
        for number in range(20):
            await guesser.post("/login", {"username": f"user{number}", "password": "guess"})
        response = await guesser.post("/login", {"username": "auditor", "password": PASSWORD})
        assert response.status_code == 429
    async with ui.from_address("203.0.113.11") as elsewhere:
        assert (await elsewhere.login("auditor")).status_code == 303


@pytest.mark.security
async def test_given_a_burst_of_parallel_guesses_then_no_more_than_the_limit_are_checked(
    ui: UiClient,
) -> None:
    await ui.get("/login")
    responses = await asyncio.gather(
        *(ui.post("/login", {"username": "supervisor", "password": "guess"}) for _ in range(12))
    )
    statuses = [response.status_code for response in responses]
    assert statuses.count(401) == LoginThrottle().account_limit
    assert statuses.count(429) == 12 - LoginThrottle().account_limit


def test_given_many_made_up_usernames_then_the_throttle_stays_bounded() -> None:
    throttle = LoginThrottle(max_keys=100)
    for number in range(1000):
        throttle.failed(f"nobody{number}", f"198.51.100.{number % 200}", now=1000.0 + number)
    assert len(throttle._failures) <= 100
    # An IPv6 client is counted by its /64, not per address.
    for host in range(25):
        throttle.failed(f"user{host}", f"2001:db8:1:2::{host:x}", now=5000.0)
    assert throttle.retry_after("someone", "2001:db8:1:2::ffff", now=5001.0) > 0


@pytest.mark.security
async def test_given_production_argon2_when_signing_in_then_the_event_loop_keeps_running(
    ui: UiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Costlier than production (~0.1 s here) so the bound below is generous.
    hasher = PasswordHasher(time_cost=8, memory_cost=65536, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    user = await User.get(username="supervisor")
    user.password_hash = hasher.hash(PASSWORD)
    await user.save(update_fields=["password_hash"])
    started = time.perf_counter()
    hasher.verify(user.password_hash, PASSWORD)
    verify_s = time.perf_counter() - started
    await ui.get("/login")

    async with LoopWatch() as watch:
        response = await ui.post("/login", {"username": "supervisor", "password": PASSWORD})
    assert response.status_code == 303
    # On the loop, the check would hold it for the whole verify_s.
    assert watch.longest_hold_s < verify_s / 2, (watch.longest_hold_s, verify_s)
