"""Ending sessions: logout, a password reset and deactivation sign out every copy.

A session is a signed cookie, so "a copy saved before" is simply the cookie
value read before the logout and presented again afterwards.
"""

from __future__ import annotations

import pytest

from hotline.accounts.sessions import current_version
from hotline.models import User
from tests.unit.ui_support import PASSWORD, UiClient

COOKIE = "hotline_session"


async def page_with(ui: UiClient, cookie: str, path: str = "/") -> int:
    """Status of ``path`` for another browser presenting ``cookie``."""
    async with ui.from_address("127.0.0.1") as other:
        response = await other.client.get(path, headers={"cookie": f"{COOKIE}={cookie}"})
        return response.status_code


async def _id(username: str) -> int:
    return (await User.get(username=username)).id


@pytest.mark.security
async def test_given_logout_then_a_copy_of_the_session_saved_before_is_signed_out(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    saved = ui.client.cookies[COOKIE]
    assert await page_with(ui, saved) == 200
    assert (await ui.post("/logout")).status_code == 303
    assert await page_with(ui, saved) == 303
    assert (await ui.get("/")).status_code == 303
    # Signing in again issues a session that works.
    assert (await ui.login("supervisor")).status_code == 303
    assert (await ui.get("/")).status_code == 200


@pytest.mark.security
async def test_given_admin_resets_a_users_password_then_that_users_sessions_end(
    ui: UiClient,
) -> None:
    async with ui.from_address("192.0.2.30") as agent:
        await agent.login("agent")
        assert (await agent.get("/")).status_code == 200
        await ui.login("administrator")
        agent_id = await _id("agent")
        response = await ui.post(f"/users/{agent_id}/password", {"new_password": "x" * 20})
        assert response.status_code == 303
        assert (await agent.get("/")).status_code == 303
        assert (await agent.login("agent", "x" * 20)).status_code == 303
        assert (await agent.get("/")).status_code == 200
    # The administrator's own session was not touched.
    assert (await ui.get("/")).status_code == 200


@pytest.mark.security
async def test_given_own_password_reset_then_this_session_goes_on_and_older_copies_end(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    stolen = ui.client.cookies[COOKIE]
    me = await _id("administrator")
    response = await ui.post(f"/users/{me}/password", {"new_password": "a new passphrase!"})
    assert response.status_code == 303
    assert (await ui.get("/")).status_code == 200
    assert await page_with(ui, stolen) == 303


@pytest.mark.security
async def test_given_deactivated_then_reactivated_user_then_old_sessions_stay_ended(
    ui: UiClient,
) -> None:
    async with ui.from_address("192.0.2.31") as auditor:
        await auditor.login("auditor")
        saved = auditor.client.cookies[COOKIE]
        await ui.login("administrator")
        auditor_id = await _id("auditor")
        assert (await ui.post(f"/users/{auditor_id}/deactivate")).status_code == 303
        assert (await ui.post(f"/users/{auditor_id}/activate")).status_code == 303
        assert await page_with(ui, saved) == 303
        assert (await auditor.login("auditor", PASSWORD)).status_code == 303


@pytest.mark.security
async def test_given_ended_session_then_public_actions_ignore_its_user(ui: UiClient) -> None:
    await ui.login("supervisor")
    saved = ui.client.cookies[COOKIE]
    await ui.post("/logout")
    version = await current_version(await _id("supervisor"))
    # A logout or language switch with the old cookie neither acts as the
    # user nor ends the user's new sessions.
    async with ui.from_address("198.51.100.9") as thief:
        thief.client.cookies.set(COOKIE, saved, domain="hotline.test")
        await thief.get("/login")
        await thief.post("/language", {"language": "zh-CN", "next": "/"})
        await thief.post("/logout")
    assert (await User.get(username="supervisor")).language == "en"
    assert await current_version(await _id("supervisor")) == version
