"""A tiny in-process ARI stand-in (aiohttp.web on 127.0.0.1) for tests.

It speaks just enough ARI to exercise AriClient: it records REST calls and
answers them from a response table, checks basic auth / api_key, and serves
``/ari/events`` websockets that tests can push events into or drop.  It is a
test double for the client, not an Asterisk emulator.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # as sent, without the /ari prefix, still percent-encoded
    query: dict[str, str]
    body: Any


@dataclass(frozen=True, slots=True)
class CannedResponse:
    status: int = 204
    body: Any = None  # JSON-encodable, or bytes sent as-is
    delay_s: float = 0.0


class FakeAriServer:
    def __init__(self, user: str = "hotline", password: str = "secret", app: str = "hotline"):
        self.user = user
        self.password = password
        self.app = app
        self.requests: list[RecordedRequest] = []
        self.websockets: list[web.WebSocketResponse] = []
        self.ws_connects = 0
        # When set, websocket upgrades are answered with this HTTP status.
        self.reject_websocket_status: int | None = None
        # When True, each websocket is closed right after it is accepted.
        self.close_websocket_at_once = False
        self._responses: dict[tuple[str, str], CannedResponse] = {}
        # Consulted before the table: a test's model of state Asterisk keeps
        # (e.g. "this event source exists once an endpoint was created").
        self.responder: Callable[[RecordedRequest], CannedResponse | None] | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._ws_connected = asyncio.Condition()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def respond(
        self, method: str, path: str, status: int = 200, body: Any = None, delay_s: float = 0.0
    ) -> None:
        """Answer ``method path`` (path without /ari, percent-encoded) this way."""
        self._responses[(method.upper(), path)] = CannedResponse(status, body, delay_s)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/ari/events", self._events)
        app.router.add_route("*", "/ari/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.drop_websockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def send_event(self, payload: dict[str, Any]) -> None:
        for ws in list(self.websockets):
            if not ws.closed:
                await ws.send_str(json.dumps(payload))

    async def send_text(self, text: str) -> None:
        for ws in list(self.websockets):
            if not ws.closed:
                await ws.send_str(text)

    async def drop_websockets(self) -> None:
        for ws in list(self.websockets):
            await ws.close()

    async def wait_for_ws_connects(self, count: int, timeout_s: float = 2.0) -> None:
        async with asyncio.timeout(timeout_s), self._ws_connected:
            await self._ws_connected.wait_for(lambda: self.ws_connects >= count)

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _events(self, request: web.Request) -> web.StreamResponse:
        if self.reject_websocket_status is not None:
            return web.json_response({"message": "rejected"}, status=self.reject_websocket_status)
        api_key_ok = request.query.get("api_key") == f"{self.user}:{self.password}"
        if not (api_key_ok or self._authorized(request)):
            return web.json_response({"message": "Authentication required"}, status=401)
        if request.query.get("app") != self.app:
            return web.json_response({"message": "Invalid application"}, status=400)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.websockets.append(ws)
        async with self._ws_connected:
            self.ws_connects += 1
            self._ws_connected.notify_all()
        try:
            if self.close_websocket_at_once:
                await ws.close()
            async for message in ws:
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            self.websockets.remove(ws)
        return ws

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"message": "Authentication required"}, status=401)
        path = request.raw_path.split("?", 1)[0].removeprefix("/ari")
        raw_body = await request.read()
        body = json.loads(raw_body) if raw_body else None
        self.requests.append(RecordedRequest(request.method, path, dict(request.query), body))
        recorded = self.requests[-1]
        canned = self.responder(recorded) if self.responder is not None else None
        if canned is None:
            canned = self._responses.get((request.method, path), CannedResponse())
        if canned.delay_s:
            await asyncio.sleep(canned.delay_s)
        if isinstance(canned.body, bytes):
            return web.Response(
                status=canned.status, body=canned.body, content_type="application/octet-stream"
            )
        if canned.body is None:
            return web.Response(status=canned.status)
        return web.json_response(canned.body, status=canned.status)
