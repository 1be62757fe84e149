"""/api-tokens and API token checks: create (shown once), scope, expiry, revoke, audit."""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ari_apps import demo_data
from hotline import api_tokens, seed
from hotline.models import ApiToken, AuditEntry, Flow, Role, User
from hotline.permissions import BUILTIN_ROLES
from hotline.settings import Settings, load_settings
from tests.unit.ui_support import UiClient, create_user


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def token_form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "reporting",
        "role": "administrator",
        "scopes": ["view"],
        "expires_days": "30",
    }
    form.update(overrides)
    return form


async def create_token(ui: UiClient, **overrides: Any) -> tuple[ApiToken, str]:
    response = await ui.post("/api-tokens", token_form(**overrides))
    assert response.status_code == 200, response.text
    assert ui.last.template == "api_tokens/created.html"
    clear = ui.last.context["clear_token"]
    assert isinstance(clear, str)
    return await ApiToken.get(id=ui.last.context["row"].id), clear


async def revoke(ui: UiClient, token: ApiToken, **kwargs: Any) -> Any:
    return await ui.post(f"/api-tokens/{token.id}/revoke", **kwargs)


def session_text(ui: UiClient) -> str:
    """What the signed session cookie carries (its payload is base64 JSON)."""
    cookie = ui.client.cookies.get("hotline_session") or ""
    payload = cookie.split(".")[0]
    return base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()


# -- create ------------------------------------------------------------------------------


async def test_given_administrator_when_creating_a_token_then_it_is_shown_once_and_works(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    assert (await ui.get("/api-tokens/new")).status_code == 200
    assert ui.last.template == "api_tokens/form.html"
    response = await ui.post("/api-tokens", token_form(scopes=["view", "edit"]))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    clear = ui.last.context["clear_token"]
    assert len(clear) >= 43 and clear in response.text

    token = await ApiToken.get(name="reporting")
    assert token.token_sha256 == api_tokens.token_digest(clear)
    assert token.prefix == clear[:8]
    assert token.role == "administrator" and token.scopes == ["view", "edit"]
    assert token.created_by == "administrator"
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - token.created_at <= timedelta(days=30)
    assert token.revoked_at is None and token.last_used_at is None

    response = await ui.client.get("/api/v1/queues", headers=bearer(clear))
    assert response.status_code == 200
    assert (await ApiToken.get(id=token.id)).last_used_at is not None

    listing = await ui.get("/api-tokens")
    assert ui.last.template == "api_tokens/list.html"
    rows = {row.name: row for row in ui.last.context["tokens"]}
    assert rows["reporting"].status == "active"
    assert rows["reporting"].scopes == ("view", "edit")
    assert rows["reporting"].last_used_at
    assert rows[seed.SEEDED_TOKEN_NAME].whole_role
    assert clear[:8] in listing.text and clear not in listing.text


@pytest.mark.security
async def test_given_a_created_token_then_only_its_digest_is_stored_anywhere(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    _, clear = await create_token(ui)
    stored = json.dumps(await ApiToken.all().values(), default=str)
    assert clear not in stored
    assert api_tokens.token_digest(clear) in stored
    audited = json.dumps(await AuditEntry.all().values(), default=str)
    assert clear not in audited
    assert clear not in session_text(ui)


async def test_given_create_and_revoke_then_each_is_audited_with_user_and_ip_and_no_secret(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    token, clear = await create_token(ui)
    response = await revoke(ui, token)
    assert response.status_code == 303
    assert response.headers["location"] == "/api-tokens?done=revoked"

    created = await AuditEntry.get(action="api_token_created")
    revoked = await AuditEntry.get(action="api_token_revoked")
    for entry in (created, revoked):
        assert entry.username == "administrator"
        assert entry.ip == "127.0.0.1"
        assert entry.source == "ui"
        assert entry.object_type == "api_token" and entry.object_id == str(token.id)
        text = json.dumps([entry.before, entry.after])
        assert clear not in text
        assert token.token_sha256 not in text
    assert created.before is None
    assert created.after["name"] == "reporting" and created.after["scopes"] == ["view"]
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"]


# -- refused tokens ----------------------------------------------------------------------


@pytest.mark.security
async def test_given_revoked_token_then_401_token_revoked_logged_and_revoking_again_is_a_no_op(
    ui: UiClient, caplog: pytest.LogCaptureFixture
) -> None:
    await ui.login("administrator")
    token, clear = await create_token(ui)
    assert (await revoke(ui, token)).status_code == 303
    first = (await ApiToken.get(id=token.id)).revoked_at
    assert first is not None

    with caplog.at_level(logging.WARNING, logger="admin_ui.auth"):
        response = await ui.client.get("/api/v1/queues", headers=bearer(clear))
    assert response.status_code == 401
    assert response.json()["error_id"] == "token-revoked"
    assert response.json()["message"] == "token revoked"
    assert any("revoked" in record.getMessage() for record in caplog.records)
    assert all(clear not in record.getMessage() for record in caplog.records)

    assert (await revoke(ui, token)).status_code == 303
    assert (await ApiToken.get(id=token.id)).revoked_at == first
    assert await AuditEntry.filter(action="api_token_revoked").count() == 1
    await ui.get("/api-tokens")
    assert {row.id: row.status for row in ui.last.context["tokens"]}[token.id] == "revoked"


@pytest.mark.security
async def test_given_expired_token_then_401_token_expired_and_logged(
    ui: UiClient, caplog: pytest.LogCaptureFixture
) -> None:
    await ui.login("administrator")
    token, clear = await create_token(ui)
    past = api_tokens.utcnow() - timedelta(seconds=1)
    await ApiToken.filter(id=token.id).update(expires_at=past)

    with caplog.at_level(logging.WARNING, logger="admin_ui.auth"):
        response = await ui.client.get("/api/v1/queues", headers=bearer(clear))
    assert response.status_code == 401
    assert response.json()["error_id"] == "token-expired"
    assert response.json()["message"] == "token expired"
    assert any("expired" in record.getMessage() for record in caplog.records)
    await ui.get("/api-tokens")
    assert {row.id: row.status for row in ui.last.context["tokens"]}[token.id] == "expired"


@pytest.mark.security
async def test_given_unknown_token_then_401_unauthorized(ui: UiClient) -> None:
    response = await ui.client.get("/api/v1/queues", headers=bearer("made-up-token"))
    assert response.status_code == 401
    assert response.json()["error_id"] == "unauthorized"
    assert response.json()["message"] == "unknown token"


@pytest.mark.security
async def test_given_view_only_scope_then_edit_call_gets_403_naming_the_scope(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    _, clear = await create_token(ui, role="administrator", scopes=["view"])
    flow = await Flow.get(name="Main menu")
    draft_before = flow.draft

    assert (await ui.client.get(f"/api/v1/flows/{flow.id}", headers=bearer(clear))).is_success
    response = await ui.client.put(
        f"/api/v1/flows/{flow.id}/draft", headers=bearer(clear), json={"nodes": {}}
    )
    assert response.status_code == 403
    body = response.json()
    assert body["error_id"] == "insufficient-scope"
    assert "'edit'" in body["message"] and body["details"] == {"missing_scope": "edit"}
    assert (await Flow.get(id=flow.id)).draft == draft_before
    response = await ui.client.post("/api/v1/agents/1001/pause", headers=bearer(clear))
    assert response.status_code == 403
    assert response.json()["details"] == {"missing_scope": "agent-control"}
    assert ui.center.actions == []


async def test_given_token_use_then_last_used_is_written_at_most_once_a_minute(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    token, clear = await create_token(ui)
    await ui.client.get("/api/v1/queues", headers=bearer(clear))
    first = (await ApiToken.get(id=token.id)).last_used_at
    assert first is not None
    await ui.client.get("/api/v1/queues", headers=bearer(clear))
    assert (await ApiToken.get(id=token.id)).last_used_at == first

    earlier = first - timedelta(minutes=2)
    await ApiToken.filter(id=token.id).update(last_used_at=earlier)
    await ui.client.get("/api/v1/queues", headers=bearer(clear))
    later = (await ApiToken.get(id=token.id)).last_used_at
    assert later is not None and later > first


# -- who may manage tokens ---------------------------------------------------------------


@pytest.mark.security
@pytest.mark.parametrize("username", ["agent", "supervisor"])
async def test_given_agent_or_supervisor_then_api_tokens_pages_are_refused(
    ui: UiClient, username: str
) -> None:
    seeded = await ApiToken.get(name=seed.SEEDED_TOKEN_NAME)
    await ui.login(username)
    for path in ("/api-tokens", "/api-tokens/new"):
        response = await ui.get(path)
        assert response.status_code == 403, path
        assert ui.last.context["reason"] == "permission_denied"
    assert (await ui.post("/api-tokens", token_form())).status_code == 403
    assert (await revoke(ui, seeded)).status_code == 403
    assert not await ApiToken.exists(name="reporting")
    assert (await ApiToken.get(id=seeded.id)).revoked_at is None


async def test_given_auditor_then_the_list_is_read_only(ui: UiClient) -> None:
    await ui.login("auditor")
    response = await ui.get("/api-tokens")
    assert response.status_code == 200
    assert 'data-testid="api-token-new"' not in response.text
    assert "api-token-revoke-" not in response.text
    assert (await ui.post("/api-tokens", token_form())).status_code == 403


@pytest.mark.security
async def test_given_no_csrf_token_then_create_and_revoke_are_refused(ui: UiClient) -> None:
    await ui.login("administrator")
    seeded = await ApiToken.get(name=seed.SEEDED_TOKEN_NAME)
    for data in (token_form(), token_form(csrf_token="forged")):
        response = await ui.post("/api-tokens", data, csrf=False)
        assert response.status_code == 403
        assert ui.last.context["reason"] == "csrf_failed"
    response = await revoke(ui, seeded, data={"csrf_token": "forged"}, csrf=False)
    assert response.status_code == 403
    assert ui.last.context["reason"] == "csrf_failed"
    assert not await ApiToken.exists(name="reporting")
    assert (await ApiToken.get(id=seeded.id)).revoked_at is None
    assert not await AuditEntry.filter(object_type="api_token").exists()


@pytest.mark.security
async def test_given_token_clerk_then_no_token_above_their_own_permissions(
    ui: UiClient,
) -> None:
    # Holds everything an auditor holds, and may manage tokens.
    clerk_permissions = sorted(BUILTIN_ROLES["auditor"] | {"api_tokens:edit"})
    await Role.create(name="token clerk", builtin=False, permissions=clerk_permissions)
    await create_user("clerk", "token clerk")
    await ui.login("clerk")
    await ui.get("/api-tokens/new")
    assert ui.last.context["roles"] == ["auditor"]
    assert not ui.last.context["may_skip_expiry"]

    for role in ("administrator", "supervisor"):
        response = await ui.post("/api-tokens", token_form(role=role))
        assert response.status_code == 422
        assert ui.last.context["errors"]["role"].message_key == "api_tokens.error.cannot_grant"
    response = await ui.post("/api-tokens", token_form(role="auditor", never_expires="on"))
    assert response.status_code == 422
    error = ui.last.context["errors"]["expires_days"]
    assert error.message_key == "api_tokens.error.never_admin_only"
    assert not await ApiToken.exists(name="reporting")

    seeded = await ApiToken.get(name=seed.SEEDED_TOKEN_NAME)
    response = await revoke(ui, seeded)
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "users.error.outranks_you"
    assert (await ApiToken.get(id=seeded.id)).revoked_at is None

    token, _ = await create_token(ui, role="auditor", expires_days="7")
    assert token.role == "auditor" and token.created_by == "clerk"
    assert (await revoke(ui, token)).status_code == 303


async def test_given_administrator_then_a_token_may_never_expire(ui: UiClient) -> None:
    await ui.login("administrator")
    token, _ = await create_token(ui, never_expires="on", expires_days="")
    assert token.expires_at is None
    await ui.get("/api-tokens")
    assert {row.id: row.expires_at for row in ui.last.context["tokens"]}[token.id] == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message_key"),
    [
        ({"name": "  "}, "name", "api_tokens.error.name"),
        ({"name": "x" * 65}, "name", "api_tokens.error.name"),
        ({"name": "Demo Admin"}, "name", "api_tokens.error.name_reserved"),
        ({"role": "root"}, "role", "api_tokens.error.role"),
        ({"scopes": []}, "scopes", "api_tokens.error.no_scope"),
        ({"scopes": ["view", "sudo"]}, "scopes", "api_tokens.error.unknown_scope"),
        ({"role": "auditor", "scopes": ["edit"]}, "scopes", "api_tokens.error.scope_beyond_role"),
        ({"expires_days": "0"}, "expires_days", "api_tokens.error.expires_days"),
        ({"expires_days": "366"}, "expires_days", "api_tokens.error.expires_days"),
        ({"expires_days": "soon"}, "expires_days", "api_tokens.error.expires_days"),
    ],
    ids=lambda value: str(value)[:30],
)
async def test_given_invalid_form_then_the_field_is_named_and_nothing_is_created(
    ui: UiClient, overrides: dict[str, Any], field: str, message_key: str
) -> None:
    await ui.login("administrator")
    before = await ApiToken.all().count()
    response = await ui.post("/api-tokens", token_form(**overrides))
    assert response.status_code == 422
    assert ui.last.template == "api_tokens/form.html"
    assert ui.last.context["errors"][field].message_key == message_key
    assert await ApiToken.all().count() == before
    assert not await AuditEntry.filter(object_type="api_token").exists()


async def test_given_htmx_revoke_then_the_list_partial_comes_back(ui: UiClient) -> None:
    await ui.login("administrator")
    token, _ = await create_token(ui)
    response = await ui.client.post(
        f"/api-tokens/{token.id}/revoke", headers={"hx-request": "true", "x-csrf-token": ui.csrf}
    )
    assert response.status_code == 200
    assert ui.last.template == "api_tokens/_tokens.html"
    assert ui.last.context["notice"] == "api_tokens.revoked"
    assert response.text.lstrip().startswith('<section id="api-tokens"')


async def test_given_unknown_token_id_then_revoke_is_404(ui: UiClient) -> None:
    await ui.login("administrator")
    assert (await ui.post("/api-tokens/9999/revoke")).status_code == 404
    assert (await ui.post("/api-tokens/abc/revoke")).status_code == 404
    response = await ui.get("/api-tokens/1/revoke")  # the language switch reloads a page
    assert response.status_code == 303 and response.headers["location"] == "/api-tokens"


async def test_given_chinese_user_then_the_page_is_in_chinese(ui: UiClient) -> None:
    await User.filter(username="administrator").update(language="zh-CN")
    await ui.login("administrator")
    response = await ui.get("/api-tokens")
    assert "API 令牌" in response.text and "吊销" in response.text


# -- the seeded token and upgraded databases ---------------------------------------------


async def test_given_seeded_token_then_every_role_action_no_expiry_unless_a_ttl_is_set(
    seeded: Settings,
) -> None:
    token = await ApiToken.get(name=seed.SEEDED_TOKEN_NAME)
    assert token.scopes is None and token.expires_at is None
    assert token.created_by == api_tokens.SEED_CREATOR
    assert token.prefix == seeded.api_token[:8]
    assert api_tokens.scopes_of(token) == api_tokens.ROLE_ACTIONS["administrator"]

    await api_tokens.ensure_seeded(seed.SEEDED_TOKEN_NAME, seeded.api_token, ttl_days=30)
    token = await ApiToken.get(id=token.id)
    assert token.expires_at == token.created_at + timedelta(days=30)
    await api_tokens.ensure_seeded(seed.SEEDED_TOKEN_NAME, seeded.api_token, ttl_days=0)
    assert (await ApiToken.get(id=token.id)).expires_at is None


@pytest.mark.security
async def test_given_revoked_seeded_token_then_a_restart_does_not_bring_it_back(
    seeded: Settings,
) -> None:

    token = await ApiToken.get(name=seed.SEEDED_TOKEN_NAME)
    assert await api_tokens.revoke(token)
    await demo_data.seed_demo(seeded)
    again = await ApiToken.get(token_sha256=api_tokens.token_digest(seeded.api_token))
    assert again.id == token.id and api_tokens.status_of(again) == "revoked"


def test_given_ttl_setting_then_whole_days_of_0_or_more_are_accepted(tmp_path: Path) -> None:
    def ttl(value: str) -> int:
        env = {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_API_TOKEN_TTL_DAYS": value}
        return load_settings(env).api_token_ttl_days

    assert load_settings({"HOTLINE_VAR_DIR": str(tmp_path)}).api_token_ttl_days == 0
    assert ttl("30") == 30
    for bad in ("-1", "soon", "1.5"):
        with pytest.raises(ValueError, match="HOTLINE_API_TOKEN_TTL_DAYS"):
            ttl(bad)


def test_given_short_hand_set_token_then_no_prefix_is_shown() -> None:
    assert api_tokens.prefix_of("short-secret") == ""
    assert api_tokens.prefix_of("x" * 40) == "x" * 8


@pytest.mark.security
async def test_given_database_from_before_token_management_then_start_grants_the_permissions(
    seeded: Settings,
) -> None:
    for name in ("administrator", "auditor"):
        role = await Role.get(name=name)
        role.permissions = sorted(set(role.permissions) - {"api_tokens:view", "api_tokens:edit"})
        await role.save()

    await seed.seed_roles()

    administrator = set((await Role.get(name="administrator")).permissions)
    assert {"api_tokens:view", "api_tokens:edit"} <= administrator
    assert "api_tokens:view" in (await Role.get(name="auditor")).permissions
    for name in ("supervisor", "telecom engineer", "agent"):
        assert not {p for p in (await Role.get(name=name)).permissions if p.startswith("api_")}
