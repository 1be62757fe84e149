"""The webhook dispatcher: call events from the bus into rows, rows to the subscribers.

Two tasks, joined only through the database:

- **the listener** turns each bus event a webhook carries into one
  ``WebhookDelivery`` row per active subscription of the call's tenant
  that asked for its kind.  The row is written before any attempt, so an
  event survives a restart or a receiver that is down for hours.
- **the sender** posts the due rows (``httpx``, 5 s timeout) and records
  each outcome as ``core.after_attempt`` decides.  It wakes when the
  listener adds rows, when the next retry falls due, and at least every
  ``poll_s`` (a redelivery asked from the web page).  Rows left pending by
  a previous run are due at once: the sender resumes them on start.

The receiver is reached from inside the operator's network, so a
webhook's host gets the look-ups' rule against request forgery
(``hotline/lookup_policy.py``): a name that resolves to a loopback,
private or link-local address, or such an address itself, is refused
unless the tenant's host allow-list (the one of ``http_lookup`` nodes,
``hotline/lookup_hosts.py``) holds it; a public host needs no entry.  A
refused delivery fails at once and says why.  (The name is resolved again
when httpx connects: a name that changes its address within that instant
is not caught, as with the look-ups.)

A call can publish ``ended`` twice (the flow ends and the ACD's caller
leaves); ``call.ended`` is sent once per call and subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import httpx

from hotline import calls, lookup_hosts
from hotline.bus import BusEvent, EventBus, Subscription
from hotline.lookup_policy import IpAddress, as_address, normal_host
from hotline.models import CallRecord
from hotline.models_webhook import WebhookDelivery
from hotline.tenancy import home_tenant_id
from hotline.webhooks import core, store

log = logging.getLogger(__name__)

TIMEOUT_S: Final = 5.0
# Deliveries posted at once: a slow receiver holds one slot, not the rest.
CONCURRENCY: Final = 8
BATCH: Final = 50
USER_AGENT: Final = "Hotline-Webhooks/1"
# Kinds sent once per call and subscription (see the module's docstring).
_ONCE_PER_CALL: Final = frozenset({"call.ended"})


def utcnow() -> datetime:
    return datetime.now(UTC)


class WebhookDispatcher:
    def __init__(
        self,
        bus: EventBus,
        *,
        schedule: core.RetrySchedule = core.DEFAULT_SCHEDULE,
        poll_s: float = 2.0,
        timeout_s: float = TIMEOUT_S,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._bus = bus
        self._schedule = schedule
        self._poll_s = poll_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._wake = asyncio.Event()
        self._subscription: Subscription | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # The kinds any active subscription wants, re-read at most every
        # poll_s: a call publishes several events and nearly every install
        # has no webhook, so most events must cost no database trip (and
        # never the writer flush that finding a call's tenant may need).
        self._wanted: frozenset[str] | None = None
        self._wanted_at = 0.0

    async def start(self) -> None:
        if self._tasks:
            return
        self._subscription = self._bus.subscribe(set(core.BUS_TOPICS), accepts=self._may_want)
        self._client = httpx.AsyncClient(
            timeout=self._timeout_s, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        self._tasks = [
            asyncio.create_task(self._listen(self._subscription), name="webhooks-listen"),
            asyncio.create_task(self._send_loop(), name="webhooks-send"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        """Look for due deliveries now (e.g. after a redelivery)."""
        self._wake.set()

    async def _listen(self, subscription: Subscription) -> None:
        dropped = 0
        async for event in subscription:
            if subscription.dropped != dropped:
                # The bus drops the oldest events of a subscriber that falls
                # behind (hotline/bus.py): say so, those webhooks are lost.
                log.error("webhooks: %d bus events lost", subscription.dropped - dropped)
                dropped = subscription.dropped
            try:
                await self.handle(event)
            except Exception:
                log.exception("webhooks: event %s/%s not stored", event.topic, event.kind)

    def _may_want(self, event: BusEvent) -> bool:
        """Whether ``handle`` may store something for ``event``, asked by the
        bus as the event is published: a call publishes about ten events, and
        where no webhook wants them (most installs) each one otherwise woke
        the listener only to be dropped there (``make bench``).  Refuses only
        what ``handle`` would refuse with the kinds it knows now; when those
        are due to be re-read, the event goes through and ``handle`` re-reads."""
        kind = core.webhook_kind(event.topic, event.kind)
        if kind is None or not event.data.get("call_id"):
            return False
        wanted = self._known_wanted()
        return wanted is None or kind in wanted

    async def handle(self, event: BusEvent) -> int:
        """Store the event's deliveries; how many rows were written."""
        kind = core.webhook_kind(event.topic, event.kind)
        call_id = str(event.data.get("call_id") or "")
        if kind is None or not call_id or kind not in await self._kinds_wanted():
            return 0
        subscriptions = await store.active_for(await self._tenant_of(event, call_id), kind)
        data = {key: value for key, value in event.data.items() if key != "call_id"}
        occurred_at = datetime.fromtimestamp(event.at, UTC)
        now = self._clock()
        written = 0
        for row in subscriptions:
            if kind in _ONCE_PER_CALL and await store.already_sent(row.id, kind, call_id):
                continue
            event_id = str(uuid.uuid4())
            payload = core.build_payload(event_id, kind, occurred_at, call_id, data)
            await store.add_delivery(row.id, event_id, kind, payload, now)
            written += 1
        if written:
            self._wake.set()
        return written

    def _known_wanted(self) -> frozenset[str] | None:
        """The kinds last read, or None when they are due to be read again."""
        if self._wanted is None or time.monotonic() - self._wanted_at >= self._poll_s:
            return None
        return self._wanted

    async def _kinds_wanted(self) -> frozenset[str]:
        wanted = self._known_wanted()
        if wanted is None:
            wanted = self._wanted = await store.active_kinds()
            self._wanted_at = time.monotonic()
        return wanted

    async def _tenant_of(self, event: BusEvent, call_id: str) -> int:
        tenant_id = event.data.get("tenant_id")
        if isinstance(tenant_id, int):
            return tenant_id
        # The call's record is written by the ordered writer: it may still
        # be queued when the first events of the call arrive.
        for attempt in range(2):
            found = await CallRecord.filter(call_id=call_id).values_list("tenant_id", flat=True)
            if found:
                return found[0] if isinstance(found[0], int) else await home_tenant_id()
            if attempt == 0:
                await calls.flush()
        return await home_tenant_id()

    async def _send_loop(self) -> None:
        while True:
            try:
                await self.deliver_due()
                wait = await self._until_next_due()
            except Exception:
                log.exception("webhooks: delivery pass failed")
                wait = self._poll_s
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _until_next_due(self) -> float:
        next_at = await store.next_due_at()
        if next_at is None:
            return self._poll_s
        return max(0.0, min(self._poll_s, (next_at - self._clock()).total_seconds()))

    async def deliver_due(self) -> int:
        """Post every due delivery once; how many were attempted."""
        rows = await store.due(self._clock(), BATCH)
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(row: WebhookDelivery) -> None:
            async with slots:
                await self._attempt(row)

        await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def _attempt(self, row: WebhookDelivery) -> None:
        subscription = row.subscription
        if not subscription.active:
            # Deactivated since: no more attempts, what is pending fails.
            await self._record(row, None, "subscription deactivated", final=True)
            return
        refusal, retry = await self._address_refusal(subscription.url, subscription.tenant_id)
        if refusal is not None:
            await self._record(row, None, refusal, final=not retry)
            return
        body = core.body_of(row.payload)
        headers = {
            "Content-Type": "application/json",
            core.SIGNATURE_HEADER: core.signature(subscription.secret, body, int(time.time())),
            core.KIND_HEADER: row.kind,
            core.EVENT_ID_HEADER: str(row.event_id),
        }
        assert self._client is not None, "start() first"
        status_code: int | None = None
        error = ""
        try:
            response = await self._client.post(subscription.url, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = response.text[:200]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        await self._record(row, status_code, error)

    async def _address_refusal(self, url: str, tenant_id: int) -> tuple[str | None, bool]:
        """Why ``url``'s host may not be reached (and whether to try later), or None."""
        parts = httpx.URL(url)
        host = normal_host(parts.host)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = as_address(host)
        addresses: list[IpAddress] = [literal] if literal is not None else []
        if literal is None:
            try:
                addresses = await asyncio.wait_for(_resolve(host, port), self._timeout_s)
            except (OSError, TimeoutError) as exc:
                return f"cannot resolve {host}: {exc or 'timed out'}", True
        allowed = await lookup_hosts.allow_list(tenant_id)
        refusal = allowed.address_refusal(host, addresses)
        return (None if refusal is None else f"refused: {refusal}"), False

    async def _record(
        self, row: WebhookDelivery, status_code: int | None, error: str, *, final: bool = False
    ) -> None:
        now = self._clock()
        attempts = row.attempts + (0 if final else 1)
        after = core.after_attempt(attempts, status_code, now, self._schedule)
        status = "failed" if final else after.status
        if status == "failed":
            log.warning(
                "webhooks: delivery %d (%s) to subscription %d failed after %d attempt(s): %s %s",
                row.id,
                row.kind,
                row.subscription_id,
                attempts,
                status_code,
                error,
            )
        await store.record_attempt(
            row.id,
            attempts=attempts,
            status=status,
            next_attempt_at=None if final else after.next_attempt_at,
            status_code=status_code,
            error=error,
            delivered_at=now if status == "delivered" else None,
        )


async def _resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to (the system resolver, off the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    found: list[IpAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found
