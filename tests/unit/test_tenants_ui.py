"""The tenants page (/tenants): only the home tenant's users reach it; a
tenant is created with its first administrator in one transaction; names
are unique; every change is audited without the password."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.accounts import credentials as user_services
from hotline.models import AuditEntry, Role, Tenant, User, UserGroup
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.ui_support import PASSWORD, UiClient, create_user

pytestmark = pytest.mark.security

NEW_PASSWORD = "a brand new tenant passphrase"
HTMX = {"HX-Request": "true"}


async def world() -> tuple[int, int, int, int]:
    """What a refused request must leave as it was."""
    return (
        await Tenant.all().count(),
        await User.all().count(),
        await UserGroup.all().count(),
        await AuditEntry.filter(object_type="tenant").count(),
    )


async def create_water(ui: UiClient, **overrides: str) -> Any:
    form = {"name": "water", "admin_username": "water_boss", "admin_password": NEW_PASSWORD}
    return await ui.post("/tenants", {**form, **overrides})


def audit_text(entry: AuditEntry) -> str:
    return json.dumps([entry.before, entry.after, entry.object_id, entry.action])


# -- the home tenant's administrator -----------------------------------------------------


async def test_given_home_admin_when_listing_then_every_tenant_with_counts_and_home_marked(
    ui: UiClient,
) -> None:
    other = await Tenant.create(name="water")
    await ui.login("administrator")
    response = await ui.get("/tenants")
    assert response.status_code == 200
    assert ui.last.template == "tenants/list.html"
    rows = {row.name: row for row in ui.last.context["tenants"]}
    assert set(rows) == {"demo", "water"}
    demo = rows["demo"]
    assert demo.home and demo.id == await home_tenant_id()
    assert demo.users == await User.filter(tenant_id=demo.id).count() > 0
    # Flows: the main menu, the post-call survey, the case status line (DID
    # 8600), the self-service answers (DID 8601) and the customer line (DID
    # 8800).
    assert (demo.agents, demo.queues, demo.flows, demo.dids) == (2, 1, 5, 4)
    water = rows["water"]
    assert not water.home and water.id == other.id
    assert (water.users, water.agents, water.queues, water.flows, water.dids) == (0, 0, 0, 0, 0)
    assert 'data-testid="tenant-home"' in response.text
    # The navigation offers the page.
    assert 'href="/tenants"' in (await ui.get("/")).text


async def test_given_home_admin_when_creating_then_tenant_and_its_admin_who_sees_only_it(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await create_water(ui)
    assert response.status_code == 303
    assert response.headers["location"] == "/tenants?done=created"

    water = await Tenant.get(name="water")
    boss = await User.get(username="water_boss")
    assert boss.tenant_id == water.id and boss.is_active
    assert boss.password_hash.startswith("$argon2")
    groups = await boss.groups.all().prefetch_related("roles")
    assert len(groups) == 1 and groups[0].tenant_id == water.id
    assert [role.name for role in groups[0].roles] == ["administrator"]
    assert (await Role.get(name="administrator")).builtin

    entry = await AuditEntry.get(action="tenant_created")
    assert entry.username == "administrator" and entry.ip == "127.0.0.1"
    assert entry.source == "ui" and entry.object_id == str(water.id)
    assert entry.tenant_id == await home_tenant_id()
    assert entry.after is not None and entry.after["name"] == "water"
    assert entry.after["administrator"] == "water_boss"
    assert NEW_PASSWORD not in audit_text(entry) and "argon2" not in audit_text(entry)

    # The new administrator signs in and sees their tenant only.
    ui.client.cookies.clear()
    ui.csrf = ""
    assert (await ui.login("water_boss", NEW_PASSWORD)).status_code == 303
    assert (await ui.get("/users")).status_code == 200
    assert {row.username for row in ui.last.context["users"]} == {"water_boss"}
    assert (await ui.get("/users/groups")).status_code == 200
    assert [row.name for row in ui.last.context["groups"]] == [groups[0].name]
    assert 'href="/tenants"' not in (await ui.get("/")).text
    assert (await ui.get("/tenants")).status_code == 404


async def test_given_htmx_create_then_form_partial_with_the_table_out_of_band(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    form = {"name": "water", "admin_username": "water_boss", "admin_password": NEW_PASSWORD}
    response = await ui.post("/tenants", form, headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "tenants/_create.html"
    assert 'id="tenant-create"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'value="water_boss"' not in response.text  # a fresh form after a create
    assert await Tenant.exists(name="water")

    # A refusal comes in the partial too (htmx swaps 2xx only), without the password.
    response = await ui.post("/tenants", form, headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "tenants/_create.html"
    assert 'data-testid="error-name"' in response.text
    assert NEW_PASSWORD not in response.text


async def test_given_home_admin_when_renaming_then_renamed_and_audited(ui: UiClient) -> None:
    water = await Tenant.create(name="water")
    await ui.login("administrator")
    response = await ui.post(f"/tenants/{water.id}/rename", {"name": "  sea  "})
    assert response.status_code == 303 and response.headers["location"] == "/tenants?done=renamed"
    await water.refresh_from_db()
    assert water.name == "sea"
    entry = await AuditEntry.get(action="tenant_renamed")
    assert entry.username == "administrator" and entry.ip == "127.0.0.1"
    assert entry.before == {"name": "water"} and entry.after == {"name": "sea"}
    assert entry.object_type == "tenant" and entry.object_id == str(water.id)

    # htmx: the table partial comes back.
    response = await ui.post(f"/tenants/{water.id}/rename", {"name": "lake"}, headers=HTMX)
    assert response.status_code == 200 and ui.last.template == "tenants/_tenants.html"
    assert (await Tenant.get(id=water.id)).name == "lake"

    # The same name again changes nothing and audits nothing.
    count = await AuditEntry.filter(action="tenant_renamed").count()
    assert (await ui.post(f"/tenants/{water.id}/rename", {"name": "lake"})).status_code == 303
    assert await AuditEntry.filter(action="tenant_renamed").count() == count


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "tenants.error.name"),
        ("   ", "tenants.error.name"),
        ("x" * 101, "tenants.error.name"),
        ("demo", "tenants.error.name_taken"),
        ("DEMO", "tenants.error.name_taken"),
    ],
)
async def test_given_empty_or_taken_name_when_renaming_then_refused_naming_the_field(
    ui: UiClient, name: str, key: str
) -> None:
    water = await Tenant.create(name="water")
    await ui.login("administrator")
    before = await world()
    response = await ui.post(f"/tenants/{water.id}/rename", {"name": name})
    assert response.status_code == 422
    assert ui.last.context["rename_error"].message_key == key
    assert ui.last.context["rename_id"] == water.id
    assert "Tenant name:" in response.text
    assert (await Tenant.get(id=water.id)).name == "water"
    assert await world() == before


async def test_given_unknown_tenant_when_renaming_then_not_found(ui: UiClient) -> None:
    await ui.login("administrator")
    assert (await ui.post("/tenants/999/rename", {"name": "x"})).status_code == 404
    assert ui.last.template == "tenants/not_found.html"
    assert (await ui.post("/tenants/abc/rename", {"name": "x"})).status_code == 404


# -- refused creates: nothing at all is created -------------------------------------------


async def test_given_taken_tenant_name_when_creating_then_refused_and_nothing_created(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    before = await world()
    response = await create_water(ui, name="Demo")
    assert response.status_code == 422
    errors = ui.last.context["errors"]
    assert set(errors) == {"name"} and errors["name"].message_key == "tenants.error.name_taken"
    assert 'data-testid="error-name"' in response.text and "Tenant name:" in response.text
    assert NEW_PASSWORD not in response.text
    assert ui.last.context["form"].admin_username == "water_boss"  # kept as typed
    assert await world() == before
    assert not await User.exists(username="water_boss")


async def test_given_taken_username_when_creating_then_refused_and_nothing_created(
    ui: UiClient, seeded: Settings
) -> None:
    await ui.login("administrator")
    before = await world()
    response = await create_water(ui, admin_username=seeded.admin_user)
    assert response.status_code == 422
    errors = ui.last.context["errors"]
    assert set(errors) == {"admin_username"}
    assert errors["admin_username"].message_key == "users.error.username_taken"
    assert "Username:" in response.text
    assert await world() == before
    assert not await Tenant.exists(name="water")


async def test_given_bad_fields_when_creating_then_each_named_and_nothing_created(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    before = await world()
    response = await ui.post(
        "/tenants", {"name": " ", "admin_username": "no spaces!", "admin_password": "short"}
    )
    assert response.status_code == 422
    errors = ui.last.context["errors"]
    assert {name: error.message_key for name, error in errors.items()} == {
        "name": "tenants.error.name",
        "admin_username": "users.error.username_format",
        "admin_password": "users.error.password_short",
    }
    assert await world() == before


async def test_given_username_taken_between_check_and_insert_then_nothing_is_kept(
    ui: UiClient, seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request takes the username after the check: the insert fails,
    # and the tenant and group made before it in the transaction go too.
    real = user_services.username_error
    calls = []

    async def passes_once(username: str, **kwargs: Any) -> Any:
        calls.append(username)
        return None if len(calls) == 1 else await real(username, **kwargs)

    monkeypatch.setattr(user_services, "username_error", passes_once)
    await ui.login("administrator")
    before = await world()
    response = await create_water(ui, admin_username=seeded.admin_user)
    assert response.status_code == 422
    assert ui.last.context["errors"]["admin_username"].message_key == "users.error.username_taken"
    assert await world() == before
    assert not await Tenant.exists(name="water")
    assert not await UserGroup.filter(name__contains="water").exists()


# -- who may not --------------------------------------------------------------------------


async def test_given_second_tenant_admin_then_404_on_every_tenants_route_and_no_nav_link(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    before = await world()
    assert (await ui.get("/tenants")).status_code == 404
    assert (await create_water(ui, name="sea")).status_code == 404
    assert (await create_water(ui, name="sea", csrf_token="forged")).status_code == 404
    assert (await ui.post("/tenants", {}, csrf=False)).status_code == 404
    rename = await ui.post(f"/tenants/{other.id}/rename", {"name": "sea"})
    assert rename.status_code == 404
    assert (await ui.get(f"/tenants/{other.id}/rename")).status_code == 404
    # The same answer as a path that does not exist.
    missing = await ui.get("/no-such-page")
    assert (rename.status_code, rename.text) == (missing.status_code, missing.text)
    assert (await Tenant.get(id=other.id)).name == "water"
    assert await world() == before
    assert 'href="/tenants"' not in (await ui.get("/")).text


async def test_given_second_tenant_agent_then_404(ui: UiClient) -> None:
    other = await Tenant.create(name="water")
    await create_user("water_agent", "agent", tenant=other)
    await ui.login("water_agent")
    assert (await ui.get("/tenants")).status_code == 404
    assert (await create_water(ui, name="sea")).status_code == 404


async def test_given_home_agent_then_forbidden(ui: UiClient) -> None:
    await ui.login("agent")
    before = await world()
    response = await ui.get("/tenants")
    assert response.status_code == 403
    assert ui.last.context["reason"] == "permission_denied"
    assert (await create_water(ui)).status_code == 403
    assert await world() == before
    assert 'href="/tenants"' not in (await ui.get("/")).text


async def test_given_home_auditor_then_may_view_but_not_change(ui: UiClient) -> None:
    water = await Tenant.create(name="water")
    await ui.login("auditor")
    response = await ui.get("/tenants")
    assert response.status_code == 200
    assert 'id="tenant-create"' not in response.text
    assert f'data-testid="tenant-rename-{water.id}"' not in response.text
    assert (await create_water(ui, name="sea")).status_code == 403
    assert (await ui.post(f"/tenants/{water.id}/rename", {"name": "sea"})).status_code == 403
    assert (await Tenant.get(id=water.id)).name == "water"


async def test_given_missing_or_forged_csrf_then_refused_and_nothing_changes(
    ui: UiClient,
) -> None:
    water = await Tenant.create(name="water")
    await ui.login("administrator")
    before = await world()
    form = {"name": "sea", "admin_username": "sea_boss", "admin_password": NEW_PASSWORD}
    assert (await ui.post("/tenants", form, csrf=False)).status_code == 403
    assert ui.last.context["reason"] == "csrf_failed"
    assert (await ui.post("/tenants", {**form, "csrf_token": "forged"})).status_code == 403
    rename = await ui.post(f"/tenants/{water.id}/rename", {"name": "sea"}, csrf=False)
    assert rename.status_code == 403
    assert await world() == before
    assert (await Tenant.get(id=water.id)).name == "water"


async def test_given_language_zh_then_page_is_translated(ui: UiClient) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/tenants"})
    response = await ui.get("/tenants")
    assert "租户" in response.text and "主租户" in response.text


async def test_given_created_tenant_then_its_admin_password_works_only_as_given(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await create_water(ui)
    ui.client.cookies.clear()
    ui.csrf = ""
    assert (await ui.login("water_boss", PASSWORD)).status_code == 401
