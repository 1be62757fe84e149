"""AriClient: REST helpers plus a self-healing events websocket.

``run()`` connects to ``/ari/events`` and reads forever.  Every failure (refused
connection, auth error, dropped socket, garbage, a failing ``on_connected``)
is logged once for that attempt and followed by an exponential, jittered
back-off: it never spins.  Events are handed to an ``EventDispatcher`` that
never blocks the reader.

A connection counts only once ``on_connected`` has finished: when it raises
(a start-up step failed), the websocket is closed and the whole connect is
tried again after the back-off.  A client that read events on top of a
half-done start-up would look connected while, for example, no phone could
register; ``last_failure`` says why it is not connected.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any, Final

import aiohttp
import orjson

from ari_apps.ari.channels_api import ChannelsApi
from ari_apps.ari.dispatch import EventDispatcher, EventHandler, HandlerErrorCallback
from ari_apps.ari.errors import AriError
from ari_apps.ari.events import parse_event
from ari_apps.ari.resources_api import ResourcesApi
from ari_apps.ari.rest_base import segment

log = logging.getLogger(__name__)

ConnectionCallback = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

EVENT_LAG_SAMPLE_EVERY: Final = 16
_EXPECTED_CONNECT_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, ConnectionError)


class AriClient(ChannelsApi, ResourcesApi):
    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        app: str,
        *,
        session: aiohttp.ClientSession | None = None,
        on_channel_event: EventHandler | None = None,
        on_global_event: EventHandler | None = None,
        on_handler_error: HandlerErrorCallback | None = None,
        on_connected: ConnectionCallback | None = None,
        on_disconnected: ConnectionCallback | None = None,
        event_types: Collection[str] | None = None,
        request_timeout_s: float = 10.0,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 5.0,
        stable_connection_s: float = 10.0,
        heartbeat_s: float | None = 15.0,
        connect_timeout_s: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            base_url, user, password, session=session, request_timeout_s=request_timeout_s
        )
        self.app = app
        self.dispatcher = EventDispatcher(on_channel_event, on_global_event, on_handler_error)
        self.on_connected = on_connected
        self.on_disconnected = on_disconnected
        self.event_types = frozenset(event_types) if event_types is not None else None
        self.connect_attempts = 0
        # Sessions that came up (websocket and start-up): all but the first
        # are reconnects, which /metrics exports.
        self.connections = 0
        # Seconds from Asterisk stamping an event to our reading it, sampled
        # every EVENT_LAG_SAMPLE_EVERY events (parsing every timestamp would
        # cost CPU on the call path for a health figure).
        self.event_lag_s: float | None = None
        self._events_until_lag_sample = 0
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._stable_connection_s = stable_connection_s
        self._heartbeat_s = heartbeat_s
        self._connect_timeout_s = connect_timeout_s
        self._sleep = sleep
        self._jitter = jitter
        self._connected = False
        self._connect_failure: str | None = "not connected yet"
        self._closing = False
        self._run_task: asyncio.Task[Any] | None = None
        self._run_done = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def last_failure(self) -> str | None:
        """Why the client is not connected now (None while connected)."""
        return None if self._connected else self._connect_failure

    @property
    def events_url(self) -> str:
        return self.api_root.replace("http", "ws", 1) + "/events"

    def backoff_delay(self, attempt: int) -> float:
        """Delay before reconnect ``attempt`` (0-based): doubling, capped, with
        jitter in [50%, 100%] so many clients do not reconnect in lock-step."""
        ceiling = min(self._backoff_max_s, self._backoff_initial_s * 2.0 ** min(attempt, 30))
        return ceiling * (0.5 + 0.5 * self._jitter())

    async def run(self) -> None:
        """Connect and read events until ``close()``; reconnects forever."""
        if self._run_task is not None:
            raise RuntimeError("AriClient.run() is already running")
        task = asyncio.current_task()
        assert task is not None
        self._run_task = task
        self._run_done.clear()
        try:
            await self._connect_forever()
        except asyncio.CancelledError:
            if self._closing and task.cancelling() <= 1:
                task.uncancel()  # our own close(): return normally to run()'s caller
                return
            raise
        finally:
            self._connected = False
            self._run_task = None
            self._run_done.set()

    async def close(self) -> None:
        """Stop ``run()``, cancel event workers, close the HTTP session if ours."""
        self._closing = True
        task = self._run_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await self._run_done.wait()
        await self.dispatcher.close()
        await self.close_http()

    async def _connect_forever(self) -> None:
        attempt = 0
        loop = asyncio.get_running_loop()
        while not self._closing:
            self.connect_attempts += 1
            connected_at: float | None = None
            try:
                async with asyncio.timeout(self._connect_timeout_s):
                    ws = await self._get_session().ws_connect(
                        self.events_url,
                        # Basic auth header rather than ?api_key=: ARI accepts both,
                        # and a URL with credentials ends up in exception reprs and logs.
                        params={"app": self.app, "subscribeAll": "false"},
                        headers=self._auth_headers,
                        heartbeat=self._heartbeat_s,
                    )
                async with ws:
                    log.info("ARI websocket connected (app %s)", self.app)
                    await self._apply_event_filter()
                    if not await self._start_up():
                        await ws.close()
                    else:
                        connected_at = loop.time()
                        self._connected = True
                        self.connections += 1
                        await self._read_events(ws)
                        self._connect_failure = f"ARI websocket closed (code {ws.close_code})"
                        log.warning("%s", self._connect_failure)
            except _EXPECTED_CONNECT_ERRORS as exc:
                self._connect_failure = f"ARI websocket: {_describe(exc)}"
                log.warning(
                    "ARI websocket attempt %d failed: %s", self.connect_attempts, _describe(exc)
                )
            except Exception as exc:
                self._connect_failure = f"ARI websocket crashed: {_describe(exc)}"
                log.exception("ARI websocket attempt %d crashed", self.connect_attempts)
            if connected_at is not None:
                self._connected = False
                await self._notify(self.on_disconnected, "on_disconnected")
                if loop.time() - connected_at >= self._stable_connection_s:
                    attempt = 0  # it was healthy for a while: start backing off afresh
            delay = self.backoff_delay(attempt)
            attempt += 1
            log.info("ARI websocket reconnecting in %.2fs", delay)
            await self._sleep(delay)

    async def _start_up(self) -> bool:
        """Run ``on_connected``; False (reason kept) when it failed.

        Events that arrive meanwhile wait in the socket: handlers see them only
        after the start-up (reconcile, provisioning) is complete.
        """
        if self.on_connected is None:
            return True
        try:
            await self.on_connected()
        except Exception as exc:
            self._connect_failure = f"start-up after connect failed: {_describe(exc)}"
            log.warning(
                "ARI attempt %d: %s; closing the websocket to retry",
                self.connect_attempts,
                self._connect_failure,
                # An ARI refusal says all in one line; anything else gets its traceback.
                exc_info=not isinstance(exc.__cause__ or exc, AriError),
            )
            return False
        return True

    async def _apply_event_filter(self) -> None:
        """Ask Asterisk to send only the event types the app handles.

        A call in Stasis also produces ChannelVarset, ChannelDialplan,
        ChannelCallerId, ... that nobody here reads; each costs Asterisk a
        websocket write and us a JSON parse.  The filter lives as long as the
        application does in Asterisk, and the application is re-registered on
        every websocket connect, so it is set again each time.  An Asterisk
        without ``/eventFilter`` (older than 16.3) just keeps sending everything.
        """
        if self.event_types is None:
            return
        allowed = [{"type": event_type} for event_type in sorted(self.event_types)]
        try:
            await self.request(
                "PUT",
                f"/applications/{segment(self.app)}/eventFilter",
                body={"allowed": allowed},
            )
        except AriError as exc:
            log.warning("ARI event filter not applied, receiving every event: %s", exc)

    async def _read_events(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                self._handle_text(message.data)
            elif message.type is aiohttp.WSMsgType.ERROR:
                raise ConnectionError(f"websocket error: {ws.exception()!r}")

    def _handle_text(self, text: str) -> None:
        try:
            # orjson: every call's dozens of events are parsed here, and the
            # stdlib decoder was a visible share of Hotline's CPU under load.
            payload = orjson.loads(text)
        except orjson.JSONDecodeError:
            log.warning("ARI sent a non-JSON websocket message: %.200s", text)
            return
        if not isinstance(payload, dict):
            log.warning("ARI sent a non-object websocket message: %.200s", text)
            return
        event = parse_event(payload)
        self._events_until_lag_sample -= 1
        if self._events_until_lag_sample <= 0:
            self._events_until_lag_sample = EVENT_LAG_SAMPLE_EVERY
            self._sample_event_lag(event.timestamp)
        self.dispatcher.dispatch(event)

    def _sample_event_lag(self, timestamp: str | None) -> None:
        if not timestamp:
            return
        try:
            stamped = datetime.fromisoformat(timestamp)
        except ValueError:
            return
        self.event_lag_s = max(0.0, (datetime.now(UTC) - stamped).total_seconds())

    async def _notify(self, callback: ConnectionCallback | None, name: str) -> None:
        if callback is None:
            return
        try:
            await callback()
        except Exception:
            # A failing clean-up after a drop must not stop the reconnecting.
            log.exception("ARI %s callback failed", name)


def _describe(exc: BaseException) -> str:
    """A one-line reason without URLs (they may carry credentials)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"{type(exc).__name__}: HTTP {exc.status} {exc.message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
