"""The client IP: X-Forwarded-For counts only from HOTLINE_TRUSTED_PROXIES.

Allow-lists, the login throttle and the audit log all ask one function
(``routing.client_ip``); these tests go through them, and through uvicorn
configured as ``python -m hotline`` configures it, where the spoof was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from admin_ui.app import create_app
from admin_ui.web.client_address import client_address, trusted_networks
from hotline.__main__ import web_config
from hotline.models import AuditEntry
from hotline.settings import Settings, load_settings
from tests.unit.stand_in import StandInCenter
from tests.unit.ui_support import PASSWORD, UiClient, create_user

REPO = Path(__file__).resolve().parents[2]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@asynccontextmanager
async def browser(app: ASGIApp, peer: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(peer, 50999))
    async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
        yield client


async def sign_in(client: httpx.AsyncClient, username: str, forwarded_for: str) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for}
    page = await client.get("/login", headers=headers)
    match = _CSRF.search(page.text)
    assert match is not None
    form = {"username": username, "password": PASSWORD, "csrf_token": match.group(1)}
    return await client.post("/login", data=form, headers=headers)


@pytest.mark.security
async def test_given_hotline_web_server_when_loopback_sends_forwarded_for_then_it_is_ignored(
    ui: UiClient, seeded: Settings
) -> None:
    """The reported bypass: uvicorn believed X-Forwarded-For from 127.0.0.1."""
    await create_user("night_shift", "supervisor", allowlist=["10.20.0.0/16"])
    config = web_config(seeded, StandInCenter())
    config.load()
    async with browser(config.loaded_app) as client:
        response = await sign_in(client, "night_shift", forwarded_for="10.20.3.4")
    assert response.status_code == 401
    assert ui.last.context["error"] == "login.ip_not_allowed"
    entry = await AuditEntry.filter(action="login_failed").first()
    assert entry is not None and entry.ip == "127.0.0.1"


@pytest.mark.security
async def test_given_no_trusted_proxy_then_forwarded_for_changes_nothing(ui: UiClient) -> None:
    await create_user("night_shift", "supervisor", allowlist=["10.20.0.0/16"])
    assert ui.app is not None
    async with browser(ui.app, peer="192.0.2.50") as client:
        response = await sign_in(client, "night_shift", forwarded_for="10.20.3.4")
    assert response.status_code == 401
    entry = await AuditEntry.filter(action="login_failed").first()
    assert entry is not None and entry.ip == "192.0.2.50"


@pytest.mark.security
async def test_given_trusted_proxy_then_only_the_hop_it_wrote_counts(
    ui: UiClient, seeded: Settings
) -> None:
    await create_user("night_shift", "supervisor", allowlist=["10.20.0.0/16"])
    settings = dataclasses.replace(seeded, trusted_proxies=("127.0.0.1/32",))
    app = create_app(StandInCenter(), session_secret="test-secret", settings=settings)
    async with browser(app) as client:
        # The client wrote "10.20.3.4"; the proxy appended where it really came from.
        response = await sign_in(client, "night_shift", forwarded_for="10.20.3.4, 198.51.100.7")
    assert response.status_code == 401
    entry = await AuditEntry.filter(action="login_failed").first()
    assert entry is not None and entry.ip == "198.51.100.7"
    async with browser(app) as client:
        response = await sign_in(client, "night_shift", forwarded_for="10.20.3.4")
    assert response.status_code == 303
    entry = await AuditEntry.filter(action="login").first()
    assert entry is not None and entry.ip == "10.20.3.4"


@pytest.mark.security
async def test_given_trusted_proxy_then_throttle_counts_each_client_not_the_proxy(
    ui: UiClient, seeded: Settings
) -> None:
    settings = dataclasses.replace(seeded, trusted_proxies=("127.0.0.1/32",))
    app = create_app(StandInCenter(), session_secret="test-secret", settings=settings)
    throttle = app.state.login_throttle
    async with browser(app) as client:
        page = await client.get("/login")
        match = _CSRF.search(page.text)
        assert match is not None
        for _ in range(6):
            await client.post(
                "/login",
                data={"username": "supervisor", "password": "guess", "csrf_token": match.group(1)},
                headers={"X-Forwarded-For": "198.51.100.66"},
            )
    assert throttle.retry_after("supervisor", "198.51.100.66") > 0
    assert throttle.retry_after("supervisor", "127.0.0.1") == 0
    async with browser(app) as client:
        assert (await sign_in(client, "supervisor", "203.0.113.5")).status_code == 303


@pytest.mark.security
def test_given_forwarded_for_then_the_right_most_untrusted_hop_is_the_client() -> None:
    proxies = trusted_networks(["127.0.0.1", "10.0.0.0/8"])
    assert client_address("127.0.0.1", ["6.6.6.6, 198.51.100.7"], proxies) == "198.51.100.7"
    # Through two of our proxies: skip both.
    assert client_address("127.0.0.1", ["6.6.6.6, 198.51.100.7, 10.1.2.3"], proxies) == (
        "198.51.100.7"
    )
    # Several header lines are one list, in order.
    assert client_address("127.0.0.1", ["6.6.6.6", "198.51.100.7"], proxies) == "198.51.100.7"
    # Only proxies: the left-most is as close to the client as we know.
    assert client_address("127.0.0.1", ["10.9.9.9, 10.1.2.3"], proxies) == "10.9.9.9"
    assert client_address("127.0.0.1", [], proxies) == "127.0.0.1"
    # Not from a proxy: the header is the client's own word, ignored.
    assert client_address("192.0.2.8", ["10.20.3.4"], proxies) == "192.0.2.8"
    assert client_address("127.0.0.1", ["10.20.3.4"], ()) == "127.0.0.1"
    # Ports, brackets and IPv4-mapped peers.
    assert client_address("::ffff:127.0.0.1", ["198.51.100.7:5555"], proxies) == "198.51.100.7"
    assert client_address("127.0.0.1", ["[2001:db8::1]:443"], proxies) == "2001:db8::1"


def test_given_trusted_proxies_setting_then_parsed_and_typos_refused(tmp_path: Path) -> None:
    env = {"HOTLINE_VAR_DIR": str(tmp_path)}
    assert load_settings(env).trusted_proxies == ()
    both = load_settings(env | {"HOTLINE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ,::1"})
    assert both.trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8", "::1/128")
    with pytest.raises(ValueError, match=re.escape("10.0.0.300")):
        load_settings(env | {"HOTLINE_TRUSTED_PROXIES": "10.0.0.300"})


# Code that reads a client address: the peer, the proxy header, by any spelling.
_READS_CLIENT = re.compile(
    r"""request\.client\b|scope\[["']client["']\]|["']x-forwarded-for["']|remote_addr""",
    re.IGNORECASE,
)


def test_given_the_code_then_only_client_ip_reads_the_client_address() -> None:
    readers = []
    for folder in ("admin_ui", "hotline", "vm", "fax", "voice_prompts", "ari_apps"):
        for path in (REPO / folder).rglob("*.py"):
            if _READS_CLIENT.search(path.read_text(encoding="utf-8")):
                readers.append(str(path.relative_to(REPO)))
    assert readers == ["admin_ui/web/routing.py"]
