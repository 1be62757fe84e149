"""The browser phone's parts that need no Asterisk: endpoint fields, the
switch between a desk phone and a browser one, the page policy, and the
DTLS certificate ``make run`` makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from admin_ui.web.headers import page_policy, security_headers, websocket_origin
from ari_apps.ari.errors import AriNotFound
from ari_apps.provisioning import agent_objects, ensure_agent_endpoint
from hotline.settings import load_settings
from hotline.webrtc_cert import asterisk_path, dtls_files, ensure_dtls_certificate

DTLS = ("/etc/asterisk/keys/hotline-dtls.crt", "/etc/asterisk/keys/hotline-dtls.key")


class DynamicConfig:
    """Asterisk's dynamic configuration as ARI shows it: what was PUT, read back
    with Asterisk's spelling of booleans."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, str]] = {}
        self.calls: list[tuple[str, str]] = []

    async def get_dynamic_config(self, module: str, kind: str, name: str) -> list[dict[str, Any]]:
        if (kind, name) not in self.objects:
            raise AriNotFound(404, "GET", f"{kind}/{name}", "no such object")
        spelled = {"yes": "true", "no": "false"}
        return [
            {"attribute": key, "value": spelled.get(value, value)}
            for key, value in self.objects[(kind, name)].items()
        ]

    async def put_dynamic_config(
        self, module: str, kind: str, name: str, fields: dict[str, str]
    ) -> None:
        self.calls.append(("put", kind))
        # A PUT on an existing object only sets the fields it names.
        self.objects.setdefault((kind, name), {}).update(fields)

    async def delete_dynamic_config(self, module: str, kind: str, name: str) -> None:
        self.calls.append(("delete", kind))
        del self.objects[(kind, name)]


def test_given_a_browser_phone_then_the_endpoint_is_webrtc_with_our_certificate() -> None:
    browser = agent_objects("1005", "pw", browser_dtls=DTLS)["endpoint"]
    assert browser["webrtc"] == "yes"
    assert (browser["dtls_cert_file"], browser["dtls_private_key"]) == DTLS
    desk = agent_objects("1005", "pw")["endpoint"]
    assert desk["webrtc"] == "no" and "dtls_cert_file" not in desk
    # Same auth and AOR: one extension, one password, one registration.
    assert (
        agent_objects("1005", "pw", browser_dtls=DTLS)["auth"]
        == agent_objects("1005", "pw")["auth"]
    )


async def test_given_a_desk_phone_turned_browser_and_back_then_the_endpoint_is_rebuilt() -> None:
    ari = DynamicConfig()
    assert await ensure_agent_endpoint(ari, "1005", "pw")  # type: ignore[arg-type]
    ari.calls.clear()
    assert not await ensure_agent_endpoint(ari, "1005", "pw")  # type: ignore[arg-type]
    assert ari.calls == [], "an unchanged phone is not rewritten"

    assert await ensure_agent_endpoint(ari, "1005", "pw", browser_dtls=DTLS)  # type: ignore[arg-type]
    assert ari.calls == [("delete", "endpoint"), ("put", "endpoint")]
    assert ari.objects[("endpoint", "1005")]["webrtc"] == "yes"
    ari.calls.clear()
    assert not await ensure_agent_endpoint(ari, "1005", "pw", browser_dtls=DTLS)  # type: ignore[arg-type]

    # Back to a desk phone: nothing WebRTC stays behind on the endpoint.
    assert await ensure_agent_endpoint(ari, "1005", "pw")  # type: ignore[arg-type]
    endpoint = ari.objects[("endpoint", "1005")]
    assert endpoint["webrtc"] == "no" and "dtls_cert_file" not in endpoint


def test_given_the_phone_websocket_then_only_its_origin_joins_connect_src() -> None:
    assert websocket_origin("ws://127.0.0.1:8088/ws") == "ws://127.0.0.1:8088"
    assert websocket_origin("wss://pbx.example.org/sip") == "wss://pbx.example.org"
    policy = page_policy(("ws://127.0.0.1:8088",))
    assert "connect-src 'self' ws://127.0.0.1:8088;" in policy
    assert "script-src 'self';" in policy
    headers = security_headers("text/html", "", policy)
    assert headers["Content-Security-Policy"] == policy


def test_given_settings_then_the_websocket_is_beside_ari_unless_configured(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ARI_PORT": "8123"})
    assert settings.browser_phone_ws_url == "ws://127.0.0.1:8123/ws"
    proxied = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_WEBRTC_WS_URL": "wss://pbx.example.org/ws"}
    )
    assert proxied.browser_phone_ws_url == "wss://pbx.example.org/ws"
    with pytest.raises(ValueError, match="HOTLINE_WEBRTC_WS_URL"):
        load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_WEBRTC_WS_URL": "http://x/ws"})


def test_given_no_certificate_then_one_is_made_once_and_asterisk_sees_it_in_its_root(
    tmp_path: Path,
) -> None:
    root = tmp_path / "chroot"
    settings = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_ASTERISK_ROOT": str(root)}
    )
    assert ensure_dtls_certificate(settings)
    cert = root / "etc/asterisk/keys/hotline-dtls.crt"
    key = root / "etc/asterisk/keys/hotline-dtls.key"
    assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" in key.read_text()
    assert key.stat().st_mode & 0o077 == 0o040, "the key is readable by Asterisk's group only"
    made = cert.read_bytes()
    assert not ensure_dtls_certificate(settings)
    assert cert.read_bytes() == made, "an existing certificate is kept"
    assert dtls_files(settings) == DTLS
    system = load_settings({"HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_ASTERISK": "system"})
    assert asterisk_path(system, system.asterisk_etc / "keys" / "x") == str(
        system.asterisk_etc / "keys" / "x"
    )
