"""Webhooks: the pure rules (hypothesis for the invariants), the dispatcher
against a real HTTP receiver on 127.0.0.1, a restart, the page and the API."""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from hotline import api_tokens, lookup_hosts
from hotline.bus import BusEvent, EventBus
from hotline.errors import NotFound
from hotline.models import AuditEntry, Tenant
from hotline.models_webhook import WebhookDelivery, WebhookSubscription
from hotline.settings import Settings
from hotline.webhooks import core, services
from hotline.webhooks.core import RetrySchedule
from hotline.webhooks.dispatcher import WebhookDispatcher
from tests.unit.ui_support import UiClient

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

# --- the pure rules ---------------------------------------------------------


def test_given_bus_events_then_only_the_four_call_kinds_become_webhooks() -> None:
    assert core.webhook_kind("call", "ringing") == "call.ringing"
    assert core.webhook_kind("call", "answered") == "call.answered"
    assert core.webhook_kind("call", "ended") == "call.ended"
    assert core.webhook_kind("call", "disposition") == "call.disposition"
    assert core.webhook_kind("call", "entered") is None
    assert core.webhook_kind("agent", "state_changed") is None


def test_given_a_payload_then_its_body_is_compact_sorted_json() -> None:
    payload = core.build_payload("e1", "call.answered", NOW, "c1", {"agent": "1001"})
    assert core.body_of(payload) == (
        b'{"call_id":"c1","data":{"agent":"1001"},"id":"e1","kind":"call.answered",'
        b'"occurred_at":"2026-12-05T12:00:00Z"}'
    )


def test_given_a_known_secret_then_the_signature_is_the_hmac_of_time_dot_body() -> None:
    # As a receiver computes it: printf '1700000000.{}' | openssl dgst -sha256 -hmac s
    assert core.signature("s", b"{}", 1_700_000_000) == (
        "t=1700000000,v1=" + hmac.new(b"s", b"1700000000.{}", "sha256").hexdigest()
    )


@given(secret=st.text(min_size=1), body=st.binary(), timestamp=st.integers(0, 2**40))
def test_a_signature_verifies_and_any_other_body_or_secret_does_not(
    secret: str, body: bytes, timestamp: int
) -> None:
    header = core.signature(secret, body, timestamp)
    assert core.verify(secret, body, header, now=timestamp)
    assert not core.verify(secret, body + b"x", header, now=timestamp)
    assert not core.verify(secret + "x", body, header, now=timestamp)
    assert not core.verify(secret, body, header, now=timestamp + core.TOLERANCE_S + 1)


def test_given_garbage_signature_headers_then_verify_says_no() -> None:
    for header in ("", "t=x,v1=00", "v1=00", "t=1", "nonsense"):
        assert not core.verify("s", b"{}", header, now=1)


@pytest.mark.parametrize(
    ("status_code", "outcome"),
    [
        (200, "delivered"),
        (204, "delivered"),
        (299, "delivered"),
        (301, "failed"),
        (400, "failed"),
        (401, "failed"),
        (404, "failed"),
        (410, "failed"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (None, "retry"),
    ],
)
def test_given_an_answer_then_its_outcome(status_code: int | None, outcome: str) -> None:
    assert core.outcome_of(status_code) == outcome


def test_the_default_schedule_backs_off_to_an_hour_and_stops_after_eight_attempts() -> None:
    delays = [core.DEFAULT_SCHEDULE.delay_after(n) for n in range(1, 9)]
    assert delays == [10, 30, 120, 600, 3600, 3600, 3600, None]


@given(
    delays=st.lists(st.integers(0, 10**5), min_size=1, max_size=6).map(lambda d: tuple(sorted(d))),
    max_attempts=st.integers(1, 12),
    codes=st.lists(st.one_of(st.none(), st.integers(100, 599)), min_size=1, max_size=20),
)
def test_a_delivery_ends_within_its_attempts_and_never_waits_past_the_cap(
    delays: tuple[float, ...], max_attempts: int, codes: list[int | None]
) -> None:
    schedule = RetrySchedule(delays, max_attempts)
    now, previous_wait = NOW, 0.0
    for attempts, code in enumerate(codes, start=1):
        after = core.after_attempt(attempts, code, now, schedule)
        if after.status != "pending":
            assert after.next_attempt_at is None
            assert after.status == ("delivered" if code and 200 <= code < 300 else "failed")
            return
        assert attempts < max_attempts
        assert after.next_attempt_at is not None
        wait = (after.next_attempt_at - now).total_seconds()
        assert previous_wait <= wait <= max(delays)  # exponential, capped
        previous_wait, now = wait, after.next_attempt_at


def test_given_no_delays_then_a_schedule_is_refused() -> None:
    with pytest.raises(ValueError):
        RetrySchedule(())


# --- a real receiver --------------------------------------------------------


@dataclass
class Receiver:
    """A business system's endpoint: answers from ``answers`` (then 200), keeps each request."""

    answers: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    got: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        self.got.set()
        return web.Response(status=self.answers.pop(0) if self.answers else 200, text="ok")

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.requests) < count:
                self.got.clear()
                await self.got.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    found.url = f"http://127.0.0.1:{port}/hook"
    yield found
    await runner.cleanup()


async def _subscribe(
    url: str, kinds: tuple[str, ...] = core.KINDS, *, allow_loopback: bool = True
) -> services.Created:
    tenant = await Tenant.all().order_by("id").first()
    assert tenant is not None
    if allow_loopback:  # the receiver is on 127.0.0.1, not a public address
        await lookup_hosts.add(tenant, "127.0.0.1", "test")
    return await services.create_subscription(
        tenant.id, services.SubscriptionInput(name="CRM", url=url, kinds=kinds)
    )


FAST = RetrySchedule(delays_s=(0.05,), max_attempts=3)


@pytest.fixture
async def dispatcher(seeded: Settings) -> AsyncIterator[tuple[EventBus, WebhookDispatcher]]:
    bus = EventBus()
    running = WebhookDispatcher(bus, schedule=FAST, poll_s=0.05)
    await running.start()
    yield bus, running
    await running.stop()


async def test_given_a_subscriber_when_a_call_is_answered_then_it_gets_a_signed_post(
    receiver: Receiver, dispatcher: tuple[EventBus, WebhookDispatcher]
) -> None:
    bus, _ = dispatcher
    created = await _subscribe(receiver.url, ("call.answered",))

    bus.publish("call", "ringing", call_id="c1", agent="1001", queue="support")  # not asked for
    event = bus.publish("call", "answered", call_id="c1", agent="1001")
    await receiver.wait_for(1)

    headers, body = receiver.requests[0]
    assert core.verify(created.secret, body, headers[core.SIGNATURE_HEADER], now=int(time.time()))
    assert headers[core.KIND_HEADER] == "call.answered"
    payload = json.loads(body)
    assert payload["kind"] == "call.answered" and payload["call_id"] == "c1"
    assert payload["data"] == {"agent": "1001"}
    assert payload["occurred_at"] == core.iso_utc(datetime.fromtimestamp(event.at, UTC))
    assert headers[core.EVENT_ID_HEADER] == payload["id"]
    await _until(lambda row: row.status == "delivered")
    row = await WebhookDelivery.get(subscription_id=created.row.id)
    assert (row.attempts, row.last_status_code, row.kind) == (1, 200, "call.answered")
    assert row.delivered_at is not None


async def _until(check: Any) -> None:
    async with asyncio.timeout(5):
        while True:
            rows = await WebhookDelivery.all()
            if rows and all(check(row) for row in rows):
                return
            await asyncio.sleep(0.02)


async def test_given_a_receiver_answering_500_when_it_recovers_then_the_retry_delivers(
    receiver: Receiver, dispatcher: tuple[EventBus, WebhookDispatcher]
) -> None:
    bus, _ = dispatcher
    created = await _subscribe(receiver.url)
    receiver.answers = [500]

    bus.publish("call", "ended", call_id="c2", queue="support")
    await receiver.wait_for(2)

    await _until(lambda row: row.status == "delivered")
    row = await WebhookDelivery.get(subscription_id=created.row.id)
    assert (row.attempts, row.last_status_code) == (2, 200)
    first, second = (body for _, body in receiver.requests)
    assert first == second  # the same event, the same id


async def test_given_a_receiver_answering_404_then_the_delivery_fails_at_once(
    receiver: Receiver, dispatcher: tuple[EventBus, WebhookDispatcher]
) -> None:
    bus, _ = dispatcher
    await _subscribe(receiver.url)
    receiver.answers = [404]

    bus.publish("call", "disposition", call_id="c3", agent="1001", disposition="sale", notes="")

    await _until(lambda row: row.status == "failed")
    row = await WebhookDelivery.get()
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 404, "ok")
    assert len(receiver.requests) == 1


async def test_given_no_receiver_then_attempts_stop_at_the_schedules_maximum(
    dispatcher: tuple[EventBus, WebhookDispatcher],
) -> None:
    bus, _ = dispatcher
    await _subscribe("http://127.0.0.1:9/nothing-listens")

    bus.publish("call", "answered", call_id="c4", agent="1001")

    await _until(lambda row: row.status == "failed")
    row = await WebhookDelivery.get()
    assert row.attempts == FAST.max_attempts
    assert row.last_status_code is None and "Connect" in row.last_error


async def test_given_a_loopback_receiver_not_on_the_allow_list_then_nothing_is_sent(
    receiver: Receiver, dispatcher: tuple[EventBus, WebhookDispatcher]
) -> None:
    bus, _ = dispatcher
    await _subscribe(receiver.url.replace("127.0.0.1", "localhost"), allow_loopback=False)

    bus.publish("call", "answered", call_id="c10", agent="1001")

    await _until(lambda row: row.status == "failed")
    row = await WebhookDelivery.get()
    assert row.attempts == 0 and row.last_error.startswith("refused: host localhost resolves")
    assert receiver.requests == []


async def test_given_ended_published_twice_for_a_call_then_one_delivery(
    seeded: Settings, receiver: Receiver
) -> None:
    created = await _subscribe(receiver.url)
    bus = EventBus()
    dispatcher = WebhookDispatcher(bus)
    # handle() alone: the listener's work, without sending.
    assert await dispatcher.handle(bus.publish("call", "ended", call_id="c5")) == 1
    assert await dispatcher.handle(bus.publish("call", "ended", call_id="c5", queue="q")) == 0
    assert await dispatcher.handle(bus.publish("call", "entered", call_id="c5")) == 0
    await services.set_active(created.row.tenant_id, created.row.id, False)
    assert await dispatcher.handle(bus.publish("call", "answered", call_id="c6")) == 0


async def test_given_pending_rows_from_before_a_restart_then_a_new_dispatcher_sends_them(
    seeded: Settings, receiver: Receiver
) -> None:
    created = await _subscribe(receiver.url)
    bus = EventBus()
    before = WebhookDispatcher(bus)
    # Stored, then the process "dies" before any attempt: nothing was started.
    await before.handle(bus.publish("call", "ringing", call_id="c7", agent="1001", queue="q"))
    assert await WebhookDelivery.filter(status="pending").count() == 1

    after = WebhookDispatcher(EventBus(), schedule=FAST, poll_s=0.05)
    await after.start()
    try:
        await receiver.wait_for(1)
        await _until(lambda row: row.status == "delivered")
    finally:
        await after.stop()
    headers, body = receiver.requests[0]
    assert core.verify(created.secret, body, headers[core.SIGNATURE_HEADER], now=int(time.time()))
    assert headers[core.KIND_HEADER] == "call.ringing"


async def test_given_a_failed_delivery_when_redelivered_then_it_is_sent_again(
    seeded: Settings, receiver: Receiver
) -> None:
    created = await _subscribe(receiver.url)
    row = await WebhookDelivery.create(
        subscription_id=created.row.id,
        event_id="7d7b8f8a-1f7e-4c1e-9d5e-2f9c8c1f0a11",
        kind="call.ended",
        call_id="c8",
        payload=core.build_payload("7d7b8f8a", "call.ended", NOW, "c8", {}),
        status="failed",
        attempts=3,
        next_attempt_at=None,
    )
    change = await services.redeliver(created.row.tenant_id, row.id)
    assert change.before == {"status": "failed", "attempts": 3}
    running = WebhookDispatcher(EventBus(), schedule=FAST, poll_s=0.05)
    await running.start()
    try:
        await receiver.wait_for(1)
        await _until(lambda found: found.status == "delivered")
    finally:
        await running.stop()
    await row.refresh_from_db()
    assert row.attempts == 1


async def test_given_another_tenant_then_its_subscriptions_and_deliveries_are_not_found(
    seeded: Settings,
) -> None:
    created = await _subscribe("https://crm.example/hook")
    other = await Tenant.create(name="other")
    assert await services.list_subscriptions(other.id) == []
    with pytest.raises(NotFound):
        await services.delete_subscription(other.id, created.row.id)
    with pytest.raises(NotFound):
        await services.list_deliveries(other.id, created.row.id)


def test_given_bad_input_then_each_field_is_named() -> None:
    errors = services.validate(
        services.SubscriptionInput(name="", url="ftp://x", kinds=("call.bogus",))
    )
    assert set(errors) == {"name", "url", "kinds"}
    assert services.validate(services.SubscriptionInput(name="a", url="https://h/x")) == {}


# --- the page and the API ---------------------------------------------------


async def test_given_an_administrator_when_creating_a_webhook_then_its_secret_shows_once_audited(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.post(
        "/webhooks",
        {"name": "CRM", "url": "https://crm.example/hook", "kinds": ["call.ended"]},
    )
    assert response.status_code == 200
    assert ui.last.template == "webhooks/created.html"
    secret = ui.last.context["secret"]
    row = await WebhookSubscription.get(name="CRM")
    assert row.secret == secret and row.kinds == ["call.ended"]
    assert response.headers["cache-control"] == "no-store"

    listing = await ui.get("/webhooks")
    assert ui.last.template == "webhooks/list.html"
    assert secret not in listing.text
    assert [view.name for view in ui.last.context["subscriptions"]] == ["CRM"]

    entry = await AuditEntry.filter(action="webhook_created").get()
    assert entry.username == "administrator" and entry.ip
    assert "secret" not in (entry.after or {})


async def test_given_a_webhook_when_deactivated_and_deleted_then_each_is_audited(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/webhooks", {"name": "CRM", "url": "https://crm.example/hook"})
    row = await WebhookSubscription.get(name="CRM")
    response = await ui.post(f"/webhooks/{row.id}/deactivate", headers={"HX-Request": "true"})
    assert response.status_code == 200 and ui.last.template == "webhooks/_webhooks.html"
    await row.refresh_from_db()
    assert not row.active
    response = await ui.post(f"/webhooks/{row.id}/delete")
    assert response.status_code == 303
    assert not await WebhookSubscription.exists(id=row.id)
    actions = await AuditEntry.filter(object_type="webhook").values_list("action", flat=True)
    assert set(actions) >= {"webhook_created", "webhook_deactivated", "webhook_deleted"}


async def test_given_a_bad_url_then_the_form_comes_back_with_its_error(ui: UiClient) -> None:
    await ui.login("administrator")
    response = await ui.post("/webhooks", {"name": "CRM", "url": "not a url"})
    assert response.status_code == 422
    assert ui.last.template == "webhooks/form.html"
    assert set(ui.last.context["errors"]) == {"url"}


async def test_given_a_delivery_when_redelivered_from_the_page_then_it_is_pending_again(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    created = await _subscribe("https://crm.example/hook")
    row = await WebhookDelivery.create(
        subscription_id=created.row.id,
        event_id="7d7b8f8a-1f7e-4c1e-9d5e-2f9c8c1f0a11",
        kind="call.ended",
        call_id="c9",
        payload=core.build_payload("7d7b8f8a", "call.ended", NOW, "c9", {}),
        status="failed",
        attempts=8,
        last_status_code=500,
    )
    await ui.get("/webhooks")
    assert ui.last.context["deliveries"][0]["status"] == "failed"
    response = await ui.post(f"/webhooks/deliveries/{row.id}/redeliver")
    assert response.status_code == 303
    await row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert await AuditEntry.exists(action="webhook_redelivered", object_id=str(row.id))


async def test_given_a_supervisor_then_webhooks_are_forbidden(ui: UiClient) -> None:
    await ui.login("supervisor")
    assert (await ui.get("/webhooks")).status_code == 403


async def test_given_an_api_token_then_webhooks_and_deliveries_are_listed_without_secrets(
    ui: UiClient,
) -> None:
    created = await _subscribe("https://crm.example/hook")
    tenant = await Tenant.get(id=created.row.tenant_id)
    _, token = await api_tokens.issue(
        name="t", role="administrator", scopes=None, expires_at=None,
        created_by="test", tenant_id=tenant.id,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    response = await ui.client.get("/api/v1/webhooks", headers=headers)
    assert response.status_code == 200
    (listed,) = response.json()
    assert listed["url"] == "https://crm.example/hook" and "secret" not in listed
    assert created.secret not in response.text
    response = await ui.client.get(f"/api/v1/webhooks/{created.row.id}/deliveries", headers=headers)
    assert response.status_code == 200 and response.json() == []
    assert (
        await ui.client.get("/api/v1/webhooks/999/deliveries", headers=headers)
    ).status_code == 404
    document = (await ui.client.get("/api/v1/openapi.json")).json()
    assert "/webhooks/{webhook_id}/deliveries" in document["paths"]
    _, supervisor = await api_tokens.issue(
        name="s", role="supervisor", scopes=None, expires_at=None,
        created_by="test", tenant_id=tenant.id,
    )  # fmt: skip
    refused = await ui.client.get(
        "/api/v1/webhooks", headers={"Authorization": f"Bearer {supervisor}"}
    )
    assert (refused.status_code, refused.json()["error_id"]) == (403, "forbidden")
    _, auditor = await api_tokens.issue(
        name="a", role="auditor", scopes=None, expires_at=None,
        created_by="test", tenant_id=tenant.id,
    )  # fmt: skip
    read = await ui.client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {auditor}"})
    assert read.status_code == 200


def test_retry_wait_is_counted_from_the_attempt() -> None:
    after = core.after_attempt(1, 503, NOW, core.DEFAULT_SCHEDULE)
    assert after == core.AfterAttempt("pending", NOW + timedelta(seconds=10))


GOLDEN = Path(__file__).parent / "golden" / "webhooks" / "webhooks.html"


def _normalise(fragment: str) -> str:
    """Hide what changes from run to run: CSRF tokens, times, row ids."""
    fragment = re.sub(r'(csrf_token" value=")[^"]+', r"\1CSRF", fragment)
    fragment = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "TIME", fragment)
    return re.sub(r"((?:webhook|delivery|deliveries|webhooks)[-/][a-z-]*?/?)\d+", r"\1N", fragment)


async def test_given_a_webhook_with_deliveries_then_the_htmx_partial_matches_its_golden_file(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    created = await _subscribe("https://crm.example/hook", ("call.answered", "call.ended"))
    for status, attempts, code, error in (("delivered", 1, 200, ""), ("failed", 8, 503, "busy")):
        await WebhookDelivery.create(
            subscription_id=created.row.id,
            event_id="7d7b8f8a-1f7e-4c1e-9d5e-2f9c8c1f0a11",
            kind="call.ended",
            call_id="c11",
            payload=core.build_payload("7d7b8f8a", "call.ended", NOW, "c11", {}),
            status=status,
            attempts=attempts,
            last_status_code=code,
            last_error=error,
        )
    response = await ui.get("/webhooks", headers={"HX-Request": "true"})
    assert ui.last.template == "webhooks/_webhooks.html"
    assert response.text.lstrip().startswith('<section id="webhooks"')
    (view,) = ui.last.context["subscriptions"]
    assert view.counts == {"pending": 0, "delivered": 1, "failed": 1}
    text = _normalise(response.text)
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate deliberately only
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


async def test_given_no_webhook_wants_a_kind_then_its_events_are_refused_as_published(
    seeded: Settings,
) -> None:
    bus = EventBus()
    dispatcher = WebhookDispatcher(bus, poll_s=0.2)
    answered = BusEvent("call", "answered", {"call_id": "c1", "agent": "1001"})
    # Nothing known yet: let it through, ``handle`` reads the wanted kinds.
    assert dispatcher._may_want(answered)
    assert await dispatcher.handle(answered) == 0
    # Known now, and nobody wants it: refused before it is queued.
    assert not dispatcher._may_want(answered)
    listening = bus.subscribe({"call"}, accepts=dispatcher._may_want)
    for _ in range(50):
        bus.publish("call", "answered", call_id="c1", agent="1001")
    assert listening.queue.qsize() == 0
    # Never a webhook: no call id, or a kind no webhook carries.
    assert not dispatcher._may_want(BusEvent("call", "answered", {"agent": "1001"}))
    assert not dispatcher._may_want(BusEvent("agent", "state_changed", {"call_id": "c1"}))

    # A webhook for it: once the kinds are due to be re-read, it goes through
    # again, and is stored.
    await _subscribe("http://127.0.0.1:9/hook", ("call.answered",))
    await asyncio.sleep(0.25)
    bus.publish("call", "answered", call_id="c2", agent="1001")
    assert listening.queue.qsize() == 1
    assert await dispatcher.handle(listening.queue.get_nowait()) == 1
    assert dispatcher._may_want(answered)
