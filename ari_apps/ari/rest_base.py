"""REST plumbing shared by the ARI endpoint helpers: the keep-alive
connection pool, basic auth, query encoding and error mapping."""

from __future__ import annotations

import functools
import re
import ssl
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias
from urllib.parse import quote, urlsplit

import aiohttp
import orjson

from ari_apps.ari.errors import AriConflict, AriError, AriNotFound, AriUnavailable
from ari_apps.ari.http1 import ClosedUnanswered, Http1Pool, ProtocolError

# The JSON shapes ARI returns.  We deliberately keep them as plain dicts.
JsonObject: TypeAlias = dict[str, Any]
JsonList: TypeAlias = list[JsonObject]
QueryValue: TypeAlias = str | int | float | bool | Sequence[str] | None
Query: TypeAlias = Mapping[str, QueryValue]

MAX_ERROR_MESSAGE_CHARS = 500
CHANNEL_NOT_FOUND_MESSAGE = "Channel not found"


# What ``quote`` leaves as it is with each ``safe`` below.  Most ids and
# values are made only of these, and a match is cheaper than quote's work
# (a dozen requests a call, several parts each: ``make bench``).
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_.~:@-]*").fullmatch
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~:/,@-]*").fullmatch


# The values that do need quoting recur: a Local channel's id (``...;2``)
# in every request about that channel, a queue's bridge name ("queue
# support") once a call: 2 us through ``quote``, 0.4 us from the cache.
QUOTED_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=QUOTED_CACHE_SIZE)
def _quoted_segment(value: str) -> str:
    return quote(value, safe=":@-._~")


@functools.lru_cache(maxsize=QUOTED_CACHE_SIZE)
def _quoted_query_part(value: str) -> str:
    return quote(value, safe=":/,@")


def segment(value: str) -> str:
    """Percent-encode one path segment (ids may contain '/', device names ':')."""
    return value if _PLAIN_SEGMENT(value) else _quoted_segment(value)


def _query_part(value: str) -> str:
    return value if _PLAIN_QUERY(value) else _quoted_query_part(value)


def _encode_query(params: Query | None) -> dict[str, str]:
    encoded: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, str):
            encoded[key] = value
        elif isinstance(value, int | float):
            encoded[key] = str(value)
        else:
            # ARI's allowMultiple parameters are comma separated.
            encoded[key] = ",".join(value)
    return encoded


def query_string(params: Query | None) -> str:
    """``params`` as a query string, as ``urlencode(..., quote_via=quote,
    safe=":/,@")`` spells it; "" when every value is None."""
    return "&".join(
        f"{_query_part(key)}={_query_part(value)}" for key, value in _encode_query(params).items()
    )


class AriHttp:
    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout_s: float = 10.0,
    ) -> None:
        root = base_url.rstrip("/")
        if not root.endswith("/ari"):
            root += "/ari"
        self.api_root = root
        self._user = user
        self._password = password
        self._auth_headers = {"Authorization": aiohttp.encode_basic_auth(user, password)}
        self._session = session
        self._owns_session = session is None
        self._http_closed = False
        self._timeout_s = request_timeout_s
        parts = urlsplit(root)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"ARI URL must be http(s)://host[:port]/...: {base_url!r}")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        self._path_prefix = parts.path
        host_header = parts.netloc.rpartition("@")[2]
        self._fixed_headers = (
            f"Host: {host_header}\r\n"
            f"Authorization: {self._auth_headers['Authorization']}\r\n"
            "Accept: application/json\r\n"
        )
        self._pool: Http1Pool | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        """The aiohttp session, for the events websocket only (REST goes
        through ``Http1Pool``, see ari_apps/ari/http1.py for why)."""
        # Created lazily so the client can be constructed outside the event loop.
        if self._http_closed:
            raise AriUnavailable(0, "-", "-", "ARI client is closed")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def close_http(self) -> None:
        self._http_closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    def _get_pool(self) -> Http1Pool:
        if self._http_closed:
            # A late request (a handler still finishing during shutdown) must
            # not open fresh connections that nobody will ever close.
            raise AriUnavailable(0, "-", "-", "ARI client is closed")
        if self._pool is None:
            self._pool = Http1Pool(
                self._host,
                self._port,
                ssl_context=ssl.create_default_context() if self._tls else None,
                # Asterisk's HTTP server refuses sessions past its
                # ``sessionlimit`` by closing them: requests wait for a
                # pooled connection instead of opening more.
                limit=MAX_CONNECTIONS,
                # Below Asterisk's session_keep_alive (15 s), so we never
                # reuse a connection it is just closing.
                keepalive_s=KEEPALIVE_S,
            )
        return self._pool

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        body: Any = None,
        raw: bool = False,
    ) -> Any:
        """Call ARI; returns decoded JSON, ``bytes`` if ``raw``, None for no content."""
        pool = self._get_pool()
        target = self._path_prefix + path
        query = query_string(params)
        if query:
            target += "?" + query
        content = b"" if body is None else orjson.dumps(body)
        head = (
            f"{method} {target} HTTP/1.1\r\n{self._fixed_headers}"
            f"Content-Length: {len(content)}\r\n"
            + ("Content-Type: application/json\r\n" if body is not None else "")
            + "\r\n"
        )
        try:
            response = await pool.request(head.encode("latin-1") + content, self._timeout_s)
        except (ClosedUnanswered, ProtocolError, TimeoutError, OSError) as exc:
            raise AriUnavailable(0, method, path, repr(exc)) from exc
        payload = response.body
        if response.status >= 400:
            raise _error_for(response.status, method, path, payload)
        if raw:
            return payload
        if not payload:
            return None
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise AriError(response.status, method, path, "response is not JSON") from exc

    async def _object(self, method: str, path: str, **kwargs: Any) -> JsonObject:
        result = await self.request(method, path, **kwargs)
        return result if isinstance(result, dict) else {}

    async def _list(self, method: str, path: str, **kwargs: Any) -> JsonList:
        result = await self.request(method, path, **kwargs)
        return result if isinstance(result, list) else []

    async def _void(self, method: str, path: str, **kwargs: Any) -> None:
        await self.request(method, path, **kwargs)


MAX_CONNECTIONS = 32
KEEPALIVE_S = 10.0


def _error_for(status: int, method: str, path: str, payload: bytes) -> AriError:
    message = payload.decode("utf-8", errors="replace")
    try:
        decoded = orjson.loads(payload)
        if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
            message = decoded["message"]
    except orjson.JSONDecodeError:
        pass
    message = message[:MAX_ERROR_MESSAGE_CHARS] or "(no message)"
    error_type = {404: AriNotFound, 409: AriConflict}.get(status, AriError)
    if status == 400 and message == CHANNEL_NOT_FOUND_MESSAGE:
        # Asterisk quirk: adding a channel that has hung up to a bridge (or
        # removing it) answers 400, not 404 (rest-api/bridges.json).  It is
        # the same benign race as a 404: the caller hung up first, and their
        # StasisEnd cleans up.  Seen under `make bench`, where it closed a
        # caller who hung up while being queued as a failed call.
        error_type = AriNotFound
    return error_type(status, method, path, message)
