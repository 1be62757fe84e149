"""A deliberately small ARI client for the benchmark's caller app.

The bench does not use Hotline's own ARI client: the thing being measured
should not also be the measuring instrument.  One websocket carries the
events of the bench app; each call registers a mailbox for its channel id
and reads its events from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from typing import Any

import aiohttp

JsonObject = dict[str, Any]


class AriRequestError(Exception):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"ARI {method} {path} -> {status}: {body[:200]}")
        self.status = status


class BenchAri:
    def __init__(self, base_url: str, user: str, password: str, app: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self._auth = aiohttp.BasicAuth(user, password)
        # Asterisk's HTTP server caps concurrent sessions (http.conf
        # sessionlimit, 100 by default); stay well below it.
        self._session = aiohttp.ClientSession(
            auth=self._auth,
            # Hotline's own client pools up to 32; keep-alive ends before
            # Asterisk's (15 s) so a connection it is closing is never reused.
            connector=aiohttp.TCPConnector(limit=24, keepalive_timeout=10),
            timeout=aiohttp.ClientTimeout(total=15),
        )
        self._mailboxes: dict[str, asyncio.Queue[JsonObject]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None = None,
        body: object | None = None,
        accept_missing: bool = False,
    ) -> Any:
        query = {key: str(value) for key, value in (params or {}).items()}
        for attempt in (1, 2):
            try:
                async with self._session.request(
                    method, f"{self.base_url}/ari{path}", params=query, json=body
                ) as response:
                    if response.status == 404 and accept_missing:
                        return None
                    if response.status >= 300:
                        raise AriRequestError(method, path, response.status, await response.text())
                    if response.content_type == "application/json":
                        return await response.json()
                    return await response.read()
            except aiohttp.ServerDisconnectedError:
                # Closed unanswered (keep-alive race): nothing was done; once more.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def connect_events(self) -> None:
        """Open the app's event websocket; returns once Asterisk registered the app."""
        url = f"{self.base_url}/ari/events"
        ws = await self._session.ws_connect(
            url, params={"app": self.app, "subscribeAll": "false"}, heartbeat=20
        )
        self._reader = asyncio.create_task(self._read_events(ws), name="bench-ari-events")
        # The app exists in Asterisk once the websocket is up; confirm it.
        for _ in range(50):
            apps = await self.request("GET", "/applications")
            if any(app.get("name") == self.app for app in apps):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"ARI app {self.app} did not register")

    async def _read_events(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                event = json.loads(message.data)
                channel = event.get("channel") or event.get("peer") or {}
                recording = event.get("recording") or {}
                key = channel.get("id") or _channel_of_recording(recording)
                if key and key in self._mailboxes:
                    self._mailboxes[key].put_nowait(event)
        finally:
            await ws.close()

    def mailbox(self, channel_id: str) -> asyncio.Queue[JsonObject]:
        box: asyncio.Queue[JsonObject] = asyncio.Queue()
        self._mailboxes[channel_id] = box
        return box

    def mailbox_of(self, channel_id: str) -> asyncio.Queue[JsonObject]:
        return self._mailboxes[channel_id]

    def share_mailbox(self, channel_id: str, box: asyncio.Queue[JsonObject]) -> None:
        """Deliver another channel's events (e.g. a snoop's) into an existing mailbox."""
        self._mailboxes[channel_id] = box

    def drop_mailbox(self, channel_id: str) -> None:
        self._mailboxes.pop(channel_id, None)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        await self._session.close()


def _channel_of_recording(recording: JsonObject) -> str | None:
    # Recording events name their target as "channel:<id>".
    target = str(recording.get("target_uri", ""))
    return target.partition(":")[2] if target.startswith("channel:") else None
