"""A small client of Hotline's own JSON API (``/api/v1``, bearer token), as
``make demo-call`` and the real-call tests use it: blocking urllib requests,
run in a thread from async code."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any


class HotlineApi:
    def __init__(self, env: dict[str, str]) -> None:
        """``env``: the contract file's keys (var/run/hotline.env)."""
        self.base = env["HOTLINE_WEB_URL"] + "/api/v1"
        self.token = env["HOTLINE_API_TOKEN"]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    async def get(self, path: str) -> Any:
        return await asyncio.to_thread(self._call, "GET", path)

    async def post(self, path: str, body: Any = None) -> Any:
        return await asyncio.to_thread(self._call, "POST", path, body)

    async def put(self, path: str, body: Any = None) -> Any:
        return await asyncio.to_thread(self._call, "PUT", path, body)
