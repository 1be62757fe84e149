"""Tenant scoping of groups, roles, the last-administrator rule and the audit log:
a second tenant's administrator sees and changes only its own, and what it
changes is audited in its tenant."""

from __future__ import annotations

from typing import Any

import pytest

from hotline import audit_log as audit_services
from hotline import outbound_guard
from hotline.accounts.errors import LastAdministrator
from hotline.accounts.guards import ensure_an_administrator_remains
from hotline.errors import NotFound
from hotline.models import AuditEntry, Role, Tenant, User, UserGroup
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.test_tenancy_flows import WATER_AGENT, api, water_token, water_world
from tests.unit.ui_support import UiClient, create_user

pytestmark = pytest.mark.security


async def demo_custom_role() -> Role:
    return await Role.create(
        name="demo reporter",
        builtin=False,
        permissions=["audit:view"],
        tenant_id=await home_tenant_id(),
    )


async def demo_state() -> dict[str, Any]:
    """Everything a foreign request must leave as it was."""
    groups = await UserGroup.all().order_by("id").prefetch_related("roles")
    members = {}
    for group in groups:
        members[group.id] = sorted(
            await User.filter(groups__id=group.id).values_list("id", flat=True)
        )
    return {
        "groups": [
            (g.id, g.name, g.tenant_id, list(g.ip_allowlist or []), sorted(r.id for r in g.roles))
            for g in groups
        ],
        "members": members,
        "roles": await Role.all().order_by("id").values("id", "name", "permissions", "tenant_id"),
        "users": await User.all().order_by("id").values("id", "username", "is_active"),
    }


async def water_admin_group(other: Tenant) -> UserGroup:
    return await UserGroup.get(tenant_id=other.id, name__startswith="administrator group")


# -- groups ------------------------------------------------------------------------------


async def test_given_second_tenant_admin_when_listing_groups_then_only_their_tenants(
    ui: UiClient,
) -> None:
    other, admin = await other_tenant_admin(ui)
    response = await ui.get("/users/groups")
    assert response.status_code == 200
    groups = ui.last.context["groups"]
    assert [row.name for row in groups] == [(await water_admin_group(other)).name]
    assert groups[0].members == (admin.username,)
    assert "Administrators" not in response.text

    # The user form offers their groups only, too.
    await ui.get("/users/new")
    assert [row.name for row in ui.last.context["groups"]] == [groups[0].name]


async def test_given_second_tenant_admin_when_touching_a_demo_group_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    demo = await UserGroup.get(name="Administrators")
    before = await demo_state()
    audit_rows = await AuditEntry.all().count()

    assert (await ui.get(f"/users/groups/{demo.id}")).status_code == 404
    response = await ui.post(
        f"/users/groups/{demo.id}", {"name": "hijacked", "ip_allowlist": "10.0.0.0/8"}
    )
    assert response.status_code == 404
    assert await demo_state() == before
    assert await AuditEntry.all().count() == audit_rows


async def test_given_second_tenant_admin_when_giving_a_user_a_demo_group_then_unknown_group(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    demo = await UserGroup.get(name="Administrators")
    form = {
        "username": "water_mole",
        "password": "a long enough password",
        "language": "en",
        "groups": [str(demo.id)],
    }
    response = await ui.post("/users", form)
    assert response.status_code == 422
    assert ui.last.context["errors"]["groups"].message_key == "users.error.unknown_group"
    assert not await User.exists(username="water_mole")


async def test_given_second_tenant_admin_when_creating_a_group_then_theirs_and_audited(
    ui: UiClient,
) -> None:
    other, admin = await other_tenant_admin(ui)
    supervisor = await Role.get(name="supervisor")
    response = await ui.post("/users/groups", {"name": "Water shift", "roles": [supervisor.id]})
    assert response.status_code == 303
    group = await UserGroup.get(name="Water shift")
    assert group.tenant_id == other.id
    entry = await AuditEntry.filter(action="group_created").order_by("-id").first()
    assert entry is not None
    assert entry.tenant_id == other.id
    assert entry.username == admin.username


async def test_given_a_group_name_the_demo_tenant_holds_then_neutral_error_and_nothing_created(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    groups = await UserGroup.all().count()
    response = await ui.post("/users/groups", {"name": "Administrators"})
    assert response.status_code == 422
    error = ui.last.context["errors"]["name"]
    assert error.message_key == "users.error.group_name_unavailable"
    assert await UserGroup.all().count() == groups

    # Within the tenant, the usual message.
    await ui.post("/users/groups", {"name": "Water shift"})
    await ui.post("/users/groups", {"name": "Water shift"})
    assert ui.last.context["errors"]["name"].message_key == "users.error.group_name_taken"


# -- roles -------------------------------------------------------------------------------


async def test_given_second_tenant_admin_when_listing_roles_then_built_in_and_their_own(
    ui: UiClient,
) -> None:
    await demo_custom_role()
    other, _ = await other_tenant_admin(ui)
    response = await ui.post("/roles", {"name": "water reporter", "permissions": ["audit:view"]})
    assert response.status_code == 303
    assert (await Role.get(name="water reporter")).tenant_id == other.id

    await ui.get("/roles")
    listed = {row.name for row in ui.last.context["roles"]}
    builtin = set(await Role.filter(builtin=True).values_list("name", flat=True))
    assert listed == builtin | {"water reporter"}
    # The group form offers the same roles.
    await ui.get("/users/groups/new")
    assert {role.name for role in ui.last.context["roles"]} == listed
    # Which demo groups use a built-in role is not shown.
    admin_role = await Role.get(name="administrator")
    await ui.get(f"/roles/{admin_role.id}")
    assert "Administrators" not in ui.last.context["row"].groups


async def test_given_second_tenant_admin_when_touching_a_demo_custom_role_then_404_and_unchanged(
    ui: UiClient,
) -> None:
    role = await demo_custom_role()
    await other_tenant_admin(ui)
    before = await demo_state()
    audit_rows = await AuditEntry.all().count()

    assert (await ui.get(f"/roles/{role.id}")).status_code == 404
    form = {"name": "stolen", "permissions": ["audit:view"]}
    assert (await ui.post(f"/roles/{role.id}", form)).status_code == 404
    assert (await ui.post(f"/roles/{role.id}/delete", {})).status_code == 404
    # Nor may one of their groups carry it.
    response = await ui.post("/users/groups", {"name": "Water audit", "roles": [role.id]})
    assert response.status_code == 422
    assert ui.last.context["errors"]["roles"].message_key == "users.error.unknown_role"

    assert await demo_state() == before
    assert await AuditEntry.all().count() == audit_rows


async def test_given_second_tenant_admin_when_editing_a_built_in_role_then_still_read_only(
    ui: UiClient,
) -> None:
    await other_tenant_admin(ui)
    agent = await Role.get(name="agent")
    response = await ui.post(f"/roles/{agent.id}", {"name": "agent", "permissions": []})
    assert response.status_code == 409
    assert (await Role.get(id=agent.id)).permissions == agent.permissions


async def test_given_a_role_name_the_demo_tenant_holds_then_neutral_error(ui: UiClient) -> None:
    await demo_custom_role()
    await other_tenant_admin(ui)
    response = await ui.post("/roles", {"name": "demo reporter", "permissions": ["audit:view"]})
    assert response.status_code == 422
    assert ui.last.context["errors"]["name"].message_key == "roles.error.name_unavailable"
    # A built-in role's name is taken for everyone alike.
    await ui.post("/roles", {"name": "agent", "permissions": []})
    assert ui.last.context["errors"]["name"].message_key == "roles.error.name_taken"


# -- last administrator ----------------------------------------------------------------------


async def test_given_second_tenant_with_one_admin_then_demo_admins_do_not_count(
    ui: UiClient, seeded: Settings
) -> None:
    other, admin = await other_tenant_admin(ui)
    group = await water_admin_group(other)
    supervisor = await Role.get(name="supervisor")
    response = await ui.post(
        f"/users/groups/{group.id}", {"name": group.name, "roles": [supervisor.id]}
    )
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "users.error.last_admin"
    assert {role.name for role in await group.roles.all()} == {"administrator"}

    with pytest.raises(LastAdministrator):
        await ensure_an_administrator_remains(other.id, user_id=admin.id, user_active=False)
    # The demo tenant keeps its own administrators: deactivating one of them is fine there.
    home = await home_tenant_id()
    demo_admin = await User.get(username=seeded.admin_user)
    await ensure_an_administrator_remains(home, user_id=demo_admin.id, user_active=False)


async def test_given_demo_tenant_with_one_admin_then_second_tenants_admin_does_not_count(
    ui: UiClient,
) -> None:
    other, _ = await other_tenant_admin(ui)
    home = await home_tenant_id()
    demo_admins = [
        user
        for user in await User.filter(tenant_id=home, is_active=True).prefetch_related(
            "groups__roles"
        )
        if any(role.name == "administrator" for g in user.groups for role in g.roles)
    ]
    assert demo_admins
    *others, last = demo_admins
    await User.filter(id__in=[user.id for user in others]).update(is_active=False)
    with pytest.raises(LastAdministrator):
        await ensure_an_administrator_remains(home, user_id=last.id, user_active=False)
    assert other.id != home


# -- audit -------------------------------------------------------------------------------


async def test_given_second_tenant_admin_then_audit_shows_their_rows_only(ui: UiClient) -> None:
    old = await AuditEntry.create(
        username="before_tenants", action="queue_updated", object_type="queue"
    )
    home_row = await AuditEntry.create(
        username="administrator",
        action="flow_published",
        object_type="flow",
        tenant_id=await home_tenant_id(),
    )
    other, admin = await other_tenant_admin(ui)
    await ui.post("/users/groups", {"name": "Water shift"})
    mine = await AuditEntry.filter(tenant_id=other.id).values_list("id", flat=True)
    assert mine  # at least the sign-in and the new group

    response = await ui.get("/audit")
    assert response.status_code == 200
    shown = {row.id for row in ui.last.context["result"].rows}
    assert shown == set(mine)
    options = ui.last.context["options"]
    assert "before_tenants" not in options["users"]
    assert "queue_updated" not in options["actions"]
    assert "flow" not in options["object_types"]

    for foreign in (old, home_row):
        response = await ui.get(f"/audit/{foreign.id}")
        assert response.status_code == 404
        assert foreign.username not in response.text
    assert (await ui.get(f"/audit/{mine[0]}")).status_code == 200
    assert admin.username in options["users"]


async def test_given_home_admin_then_audit_shows_old_rows_and_not_the_second_tenants(
    ui: UiClient,
) -> None:
    old = await AuditEntry.create(
        username="before_tenants", action="queue_updated", object_type="queue"
    )
    other, _ = await other_tenant_admin(ui)
    await ui.post("/users/groups", {"name": "Water shift"})
    water_rows = set(await AuditEntry.filter(tenant_id=other.id).values_list("id", flat=True))
    assert water_rows

    await ui.login("administrator")
    await ui.get("/audit")
    shown = {row.id for row in ui.last.context["result"].rows}
    assert old.id in shown
    assert not shown & water_rows
    assert "water_admin" not in ui.last.context["options"]["users"]
    assert (await ui.get(f"/audit/{old.id}")).status_code == 200
    assert (await ui.get(f"/audit/{min(water_rows)}")).status_code == 404
    # The home admin's own changes carry the home tenant.
    await ui.post("/users/groups", {"name": "Home shift"})
    entry = await AuditEntry.filter(action="group_created").order_by("-id").first()
    assert entry is not None and entry.tenant_id == await home_tenant_id()


async def test_given_services_when_reading_another_tenants_entry_then_not_found(
    seeded: Settings,
) -> None:
    other = await Tenant.create(name="water")
    row = await AuditEntry.create(username="x", action="a", object_type="t", tenant_id=other.id)
    home = await home_tenant_id()
    filters = audit_services.parse_filters({})
    assert row.id not in {r.id for r in (await audit_services.search(filters, home)).rows}
    assert [r.id for r in (await audit_services.search(filters, other.id)).rows] == [row.id]
    with pytest.raises(NotFound):
        await audit_services.entry(str(row.id), home)


async def test_given_second_tenant_token_when_acting_through_the_api_then_audited_in_its_tenant(
    ui: UiClient,
) -> None:
    other = await water_world(ui)
    headers = await water_token(ui)
    response = await api(ui, "POST", f"/agents/{WATER_AGENT}/login", headers)
    assert response.status_code == 200, response.text
    entry = await AuditEntry.filter(source="api").order_by("-id").first()
    assert entry is not None
    assert entry.action == "agent_login"
    assert entry.tenant_id == other.id


async def test_given_sign_in_and_out_then_audited_in_the_users_tenant(ui: UiClient) -> None:
    other, admin = await other_tenant_admin(ui)
    login = await AuditEntry.filter(action="login", username=admin.username).first()
    assert login is not None and login.tenant_id == other.id
    await ui.post("/logout", {})
    logout = await AuditEntry.filter(action="logout", username=admin.username).first()
    assert logout is not None and logout.tenant_id == other.id
    await ui.login(admin.username, "wrong password")
    failed = await AuditEntry.filter(action="login_failed", username=admin.username).first()
    assert failed is not None and failed.tenant_id == other.id


async def test_given_pstn_side_events_then_no_tenant_unless_told(seeded: Settings) -> None:
    await outbound_guard.audit_placed("callback", "+15550100", "+15550199")
    placed = await AuditEntry.filter(action="callback_placed").order_by("-id").first()
    assert placed is not None and placed.tenant_id is None
    other = await Tenant.create(name="water")
    await outbound_guard.audit_placed("callback", "+15550100", "+15550198", tenant_id=other.id)
    told = await AuditEntry.filter(action="callback_placed").order_by("-id").first()
    assert told is not None and told.tenant_id == other.id
    assert "tenant_id" not in told.after


async def test_given_a_user_of_another_tenant_then_create_user_helper_puts_them_in_its_group(
    ui: UiClient,
) -> None:
    other = await Tenant.create(name="sewer")
    user = await create_user("sewer_agent", "agent", tenant=other)
    groups = await user.groups.all()
    assert [g.tenant_id for g in groups] == [other.id]
