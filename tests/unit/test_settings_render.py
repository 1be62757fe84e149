"""Settings, generated secrets, the hotline.env contract and config rendering."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hotline.asterisk_config import TEMPLATE_DIR, render_all, render_template
from hotline.settings import contract_env, load_settings, read_env_file, write_env_file

CONTRACT_KEYS = {
    "HOTLINE_WEB_URL",
    "HOTLINE_ARI_URL",
    "HOTLINE_ARI_USER",
    "HOTLINE_ARI_PASSWORD",
    "HOTLINE_AMI_HOST",
    "HOTLINE_AMI_PORT",
    "HOTLINE_AMI_USER",
    "HOTLINE_AMI_SECRET",
    "HOTLINE_SIP_HOST",
    "HOTLINE_SIP_PORT",
    "HOTLINE_ASTERISK_ROOT",
    "HOTLINE_PID",
    "HOTLINE_ADMIN_USER",
    "HOTLINE_ADMIN_PASSWORD",
    "HOTLINE_API_TOKEN",
    "HOTLINE_DEMO_SIP_PASSWORD",
}


def test_given_first_start_then_secrets_are_generated_private_and_stable(tmp_path: Path) -> None:
    first = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)})
    second = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)})
    assert first.ari_password and first.ari_password == second.ari_password
    assert first.api_token != first.ari_password
    mode = (tmp_path / "run" / "secrets.env").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_given_settings_then_contract_has_every_documented_key(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)})
    env = contract_env(settings, 1234)
    assert set(env) >= CONTRACT_KEYS
    assert env["HOTLINE_ARI_URL"] == "http://127.0.0.1:8088"
    assert env["HOTLINE_PID"] == "1234"
    path = tmp_path / "hotline.env"
    write_env_file(path, env | {"WITH_SPACE": "a b'c"})
    assert read_env_file(path)["HOTLINE_API_TOKEN"] == settings.api_token


def test_given_defaults_then_listeners_bind_to_loopback(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)})
    assert {
        settings.ari_bind,
        settings.ami_bind,
        settings.sip_bind,
        settings.web_host,
        settings.agi_host,
    } == {"127.0.0.1"}


def test_given_system_asterisk_then_config_renders_into_var_not_etc(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ASTERISK": "system"})
    assert settings.asterisk_root == ""
    assert settings.asterisk_etc == tmp_path / "asterisk-etc"
    changed = render_all(settings)
    assert {p.name for p in changed} == {p.name for p in TEMPLATE_DIR.glob("*.conf")}
    for path in changed:
        assert "@@" not in path.read_text(), path
    assert f"password = {settings.ari_password}" in (settings.asterisk_etc / "ari.conf").read_text()
    assert render_all(settings) == [], "an unchanged render must not rewrite (no reload)"


def test_given_unknown_placeholder_then_render_names_it() -> None:
    with pytest.raises(KeyError, match="@@NOPE@@"):
        render_template("x = @@NOPE@@", {}, "x.conf")


def test_given_bad_asterisk_mode_then_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HOTLINE_ASTERISK"):
        load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ASTERISK": "docker"})
