"""What Asterisk itself saw of ARI: its request debug log, turned on for a test.

``ari set debug all on`` makes res_ari log every REST request it receives
(the request line, then its query parameters as "name: value" lines, then
"body:"), and a logger channel added at runtime puts those verbose messages
in a file.  The log also carries each client's Authorization header, so it
is read here and deleted when the test ends; headers are not kept.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hotline.asterisk_config import asterisk_rx_args
from hotline.settings import load_settings

LOGGER_CHANNEL = "hotline-test-ari-trace"
_REQUEST_START = re.compile(r"<--- ARI request received from: (\S+) --->")
_HEADERS = frozenset(
    {
        "host",
        "authorization",
        "accept",
        "content-length",
        "content-type",
        "connection",
        "upgrade",
        "user-agent",
        "sec-websocket-version",
        "sec-websocket-key",
        "sec-websocket-protocol",
        "accept-encoding",
    }
)


@dataclass(frozen=True)
class TracedRequest:
    client: str  # "127.0.0.1:port"
    method: str
    path: str  # "/channels/x;2/play": a leading slash, ids decoded
    params: dict[str, str]

    def mentions(self, text: str) -> bool:
        return text in self.path or any(text in value for value in self.params.values())


def parse_requests(log_text: str) -> list[TracedRequest]:
    """Every REST request in res_ari's debug log, in the order Asterisk got them."""
    requests: list[TracedRequest] = []
    lines = log_text.splitlines()
    index = 0
    while index < len(lines):
        started = _REQUEST_START.search(lines[index])
        index += 1
        if started is None or index >= len(lines):
            continue
        method, _, target = lines[index].partition(" ")
        index += 1
        params: dict[str, str] = {}
        while index < len(lines) and lines[index] != "body:":
            name, separator, value = lines[index].partition(": ")
            if separator and name.lower() not in _HEADERS:
                params[name] = value
            index += 1
        path = "/" + urllib.parse.unquote(target.partition("?")[0])
        requests.append(TracedRequest(started.group(1), method, path, params))
    return requests


def _asterisk(command: str) -> str:
    result = subprocess.run(
        asterisk_rx_args(load_settings(), command),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


class AriTrace:
    def __init__(self, path: Path) -> None:
        self.path = path

    def requests(self) -> list[TracedRequest]:
        if not self.path.exists():
            return []
        return parse_requests(self.path.read_text(encoding="utf-8", errors="replace"))


@contextlib.contextmanager
def ari_trace() -> Iterator[AriTrace]:
    """Asterisk's log of every ARI request while the block runs."""
    settings = load_settings()
    log_dir = Path(settings.asterisk_root or "/") / "var/log/asterisk"
    trace = AriTrace(log_dir / LOGGER_CHANNEL)
    trace.path.unlink(missing_ok=True)
    added = _asterisk(f"logger add channel {LOGGER_CHANNEL} verbose")
    if "Unable" in added or "Failed" in added:
        raise AssertionError(f"Asterisk refused the trace's logger channel: {added.strip()}")
    try:
        _asterisk("ari set debug all on")
        try:
            yield trace
        finally:
            _asterisk("ari set debug all off")
    finally:
        _asterisk(f"logger remove channel {LOGGER_CHANNEL}")
        trace.path.unlink(missing_ok=True)
