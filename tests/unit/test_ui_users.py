"""/users, /users/groups and /roles: forms, permission matrix, last-admin rule, audit."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from starlette.routing import Route

from admin_ui.app import create_app
from admin_ui.web.routing import PUBLIC, route_permission
from hotline.accounts.roles import permission_matrix
from hotline.models import AuditEntry, Role, User, UserGroup
from hotline.permissions import ALL_PERMISSIONS
from tests.unit.stand_in import StandInCenter
from tests.unit.ui_support import PASSWORD, UiClient


def _checkbox(page: str, element_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', page)
    assert match, element_id
    return match.group(0)


async def _id(model: Any, **where: Any) -> int:
    found = await model.get(**where)
    return int(found.id)


def _audit_text(entries: list[AuditEntry]) -> str:
    return json.dumps([[entry.before, entry.after] for entry in entries])


async def test_given_administrator_when_listing_users_then_rows_show_groups_and_admin_flag(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.get("/users")
    assert response.status_code == 200
    assert ui.last.template == "users/list.html"
    rows = {row.username: row for row in ui.last.context["users"]}
    assert rows["administrator"].is_admin and rows["administrator"].is_active
    assert not rows["agent"].is_admin
    assert rows["agent"].groups == ("agent group",)
    assert 'data-testid="user-new"' in response.text


async def test_given_agent_role_when_opening_roles_then_refused_with_403(ui: UiClient) -> None:
    await ui.login("agent")
    response = await ui.get("/roles")
    assert response.status_code == 403
    assert ui.last.template == "errors/403.html"
    assert ui.last.context["reason"] == "permission_denied"
    response = await ui.post("/roles", {"name": "sneaky", "permissions": "roles:edit"})
    assert response.status_code == 403
    assert not await Role.exists(name="sneaky")


async def test_given_auditor_when_opening_a_user_then_form_is_read_only(ui: UiClient) -> None:
    await ui.login("auditor")
    agent_id = await _id(User, username="agent")
    response = await ui.get(f"/users/{agent_id}")
    assert response.status_code == 200
    assert ui.last.template == "users/form.html"
    assert "<fieldset disabled>" in response.text
    assert 'id="user-save"' not in response.text
    assert (await ui.get("/users/new")).status_code == 403


async def test_given_custom_role_through_a_group_then_new_user_sees_exactly_those_pages(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    granted = {"users:view", "audit:view"}
    response = await ui.post("/roles", {"name": "Auditing clerk", "permissions": sorted(granted)})
    assert response.status_code == 303
    role = await Role.get(name="Auditing clerk")
    assert set(role.permissions) == granted and not role.builtin
    response = await ui.post("/users/groups", {"name": "Clerks", "roles": [str(role.id)]})
    assert response.status_code == 303
    group = await UserGroup.get(name="Clerks")
    response = await ui.post(
        "/users",
        {
            "username": "clerk",
            "display_name": "Clerk One",
            "password": PASSWORD,
            "language": "zh-CN",
            "phone_extension": "1002",
            "groups": [str(group.id)],
        },
    )
    assert response.status_code == 303
    clerk = await User.get(username="clerk")
    assert response.headers["location"] == f"/users/{clerk.id}?saved=1"
    assert clerk.password_hash.startswith("$argon2")

    ui.client.cookies.clear()
    assert (await ui.login("clerk")).status_code == 303
    assert ui.last.template == "errors/403.html"  # "/" needs dashboard:view
    app = create_app(StandInCenter())
    for route in app.routes:
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        permission = route_permission(route)
        if permission in (None, PUBLIC) or "{" in route.path:
            continue
        response = await ui.get(route.path)
        if permission in granted:
            assert response.status_code == 200, route.path
        else:
            assert response.status_code == 403, route.path
            assert ui.last.context["reason"] == "permission_denied"
    await ui.get("/audit")
    assert ui.last.template == "audit/list.html"
    assert "审计日志" in (await ui.get("/audit")).text  # the clerk's language


async def test_given_role_matrix_then_only_valid_permissions_get_a_checkbox(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.get("/roles/new")
    assert ui.last.template == "users/role_form.html"
    boxes = {
        cell.permission
        for row in ui.last.context["matrix"]
        for cell in row.cells
        if cell.permission
    }
    assert boxes == set(ALL_PERMISSIONS)
    assert 'data-testid="perm-flows-publish"' in response.text
    assert 'data-testid="perm-users-publish"' not in response.text
    assert 'data-testid="perm-shifts-plan"' in response.text
    assert 'data-testid="perm-flows-plan"' not in response.text
    rows = {row.function: row for row in permission_matrix({"flows:view"})}
    assert [cell.checked for cell in rows["flows"].cells] == [True, False, False, False]


async def test_given_edit_without_view_then_role_is_refused_and_ticks_are_kept(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.post(
        "/roles", {"name": "Odd", "permissions": ["flows:edit", "queues:view"]}
    )
    assert response.status_code == 422
    assert ui.last.context["errors"]["permissions"].message_key == "roles.error.needs_view"
    assert ui.last.context["form"].permissions == ("flows:edit", "queues:view")
    assert "checked" in _checkbox(response.text, "perm-flows-edit")
    assert "checked" in _checkbox(response.text, "perm-queues-view")
    assert "checked" not in _checkbox(response.text, "perm-flows-view")
    assert not await Role.exists(name="Odd")


async def test_given_builtin_role_then_it_is_read_only_and_cannot_be_deleted(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    supervisor_id = await _id(Role, name="supervisor")
    response = await ui.get(f"/roles/{supervisor_id}")
    assert ui.last.context["read_only"] is True
    assert 'data-testid="role-builtin-notice"' in response.text
    assert 'id="role-save"' not in response.text
    response = await ui.post(f"/roles/{supervisor_id}", {"name": "boss", "permissions": []})
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "roles.error.builtin_read_only"
    response = await ui.post(f"/roles/{supervisor_id}/delete")
    assert response.status_code == 409
    role = await Role.get(id=supervisor_id)
    assert role.name == "supervisor" and role.permissions


async def test_given_role_used_by_groups_when_deleting_then_refused_naming_the_groups(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/roles", {"name": "Night watch", "permissions": ["queues:view"]})
    role = await Role.get(name="Night watch")
    await ui.post("/users/groups", {"name": "Night shift", "roles": [str(role.id)]})
    response = await ui.post(f"/roles/{role.id}/delete")
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "roles.error.in_use"
    assert "Night shift" in response.text
    group = await UserGroup.get(name="Night shift")
    await ui.post(f"/users/groups/{group.id}", {"name": "Night shift", "roles": []})
    response = await ui.post(f"/roles/{role.id}/delete")
    assert response.status_code == 303 and response.headers["location"] == "/roles?deleted=1"
    entry = await AuditEntry.get(action="role_deleted")
    assert entry.before == {"name": "Night watch", "builtin": False, "permissions": ["queues:view"]}
    assert entry.after is None and entry.username == "administrator"


async def test_given_invalid_cidr_then_group_form_keeps_input_and_names_the_entry(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    agent_role = await _id(Role, name="agent")
    typed = "10.0.0.0/8\n10.300.0.0/16"
    response = await ui.post(
        "/users/groups", {"name": "Remote", "ip_allowlist": typed, "roles": [str(agent_role)]}
    )
    assert response.status_code == 422
    assert ui.last.template == "users/group_form.html"
    error = ui.last.context["errors"]["ip_allowlist"]
    assert error.message_key == "users.error.bad_cidr"
    assert error.params == {"entry": "10.300.0.0/16"}
    assert 'IP allow-list: "10.300.0.0/16" is not a valid' in html.unescape(response.text)
    form = ui.last.context["form"]
    assert (form.name, form.ip_allowlist, form.role_ids) == ("Remote", typed, (str(agent_role),))
    assert f">{typed}</textarea>" in response.text
    assert not await UserGroup.exists(name="Remote")

    response = await ui.post(
        "/users/groups", {"name": "Remote", "ip_allowlist": "10.1.2.3/16, 192.168.1.7"}
    )
    assert response.status_code == 303
    group = await UserGroup.get(name="Remote")
    assert group.ip_allowlist == ["10.1.0.0/16", "192.168.1.7/32"]


async def test_given_short_password_or_taken_username_then_user_form_keeps_input(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    typed = {
        "username": "newbie",
        "display_name": "New Bie",
        "password": "short",
        "language": "zh-CN",
        "phone_extension": "1002",
    }
    response = await ui.post("/users", typed)
    assert response.status_code == 422
    assert ui.last.template == "users/form.html"
    errors = ui.last.context["errors"]
    assert set(errors) == {"password"}
    assert errors["password"].message_key == "users.error.password_short"
    assert "Password: at least 12 characters." in response.text
    form = ui.last.context["form"]
    assert (form.username, form.display_name, form.language, form.phone_extension) == (
        "newbie",
        "New Bie",
        "zh-CN",
        "1002",
    )
    assert form.password == ""  # a password is never sent back
    assert 'value="New Bie"' in response.text

    response = await ui.post("/users", {**typed, "username": "supervisor", "password": PASSWORD})
    assert response.status_code == 422
    assert ui.last.context["errors"]["username"].message_key == "users.error.username_taken"
    assert 'Username: "supervisor" is already taken.' in html.unescape(response.text)
    assert ui.last.context["form"].username == "supervisor"
    assert await User.filter(username="supervisor").count() == 1
    assert not await User.exists(username="newbie")


async def test_given_last_active_administrator_then_it_cannot_be_deactivated_or_demoted(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    me = await _id(User, username="administrator")
    seed_admin = await _id(User, username="admin")
    # Two administrators: one of them may go.
    assert (await ui.post(f"/users/{seed_admin}/deactivate")).status_code == 303
    assert not (await User.get(id=seed_admin)).is_active

    response = await ui.post(f"/users/{me}/deactivate")
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "users.error.self_deactivation"

    response = await ui.post(f"/users/{me}", {"username": "administrator", "groups": []})
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "users.error.last_admin"
    assert "last active administrator" in response.text
    assert [g.name for g in await (await User.get(id=me)).groups.all()] == ["administrator group"]

    group = await UserGroup.get(name="administrator group")
    response = await ui.post(f"/users/groups/{group.id}", {"name": group.name, "roles": []})
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "users.error.last_admin"
    assert await group.roles.filter(name="administrator").exists()

    # A user manager (not an administrator) cannot deactivate the last one either.
    await ui.post("/roles", {"name": "User manager", "permissions": ["users:view", "users:edit"]})
    role = await Role.get(name="User manager")
    await ui.post("/users/groups", {"name": "Managers", "roles": [str(role.id)]})
    managers = await _id(UserGroup, name="Managers")
    await ui.post("/users", {"username": "manager", "password": PASSWORD, "groups": [managers]})
    ui.client.cookies.clear()
    await ui.login("manager")
    response = await ui.post(f"/users/{me}/deactivate")
    assert response.status_code == 409
    # The administrator outranks the manager, which refuses it before the
    # last-administrator rule is even asked.
    assert ui.last.context["refusal"].message_key == "users.error.outranks_you"
    assert (await User.get(id=me)).is_active
    # ...nor hand out a group whose roles grant more than they hold.
    admins = await _id(UserGroup, name="Administrators")
    response = await ui.post(
        "/users", {"username": "crony", "password": PASSWORD, "groups": [admins]}
    )
    assert response.status_code == 422
    assert ui.last.context["errors"]["groups"].message_key == "users.error.cannot_grant"
    # ...nor take over an administrator by resetting their password.
    response = await ui.post(f"/users/{me}/password", {"new_password": "taken over at last"})
    assert response.status_code == 409
    assert ui.last.context["refusal"].message_key == "users.error.outranks_you"
    ui.client.cookies.clear()
    assert (await ui.login("administrator")).status_code == 303


@pytest.mark.security
async def test_given_user_manager_then_no_change_to_anyone_who_outranks_them(
    ui: UiClient,
) -> None:
    """A custom role with users:edit must not deactivate, demote, reactivate
    or edit an administrator, nor change a group or role granting more than
    it holds, even while other administrators would remain."""
    await ui.login("administrator")
    manager_permissions = ["users:view", "users:edit", "roles:view", "roles:edit"]
    await ui.post("/roles", {"name": "User manager", "permissions": manager_permissions})
    manager_role = await Role.get(name="User manager")
    await ui.post("/users/groups", {"name": "Managers", "roles": [str(manager_role.id)]})
    managers = await _id(UserGroup, name="Managers")
    await ui.post("/users", {"username": "manager", "password": PASSWORD, "groups": [managers]})
    await ui.post("/roles", {"name": "Auditors plus", "permissions": ["audit:view", "users:view"]})
    richer_role = await Role.get(name="Auditors plus")
    admin_group = await UserGroup.get(name="administrator group")
    seed_admin = await _id(User, username="admin")
    other_admin = await _id(User, username="administrator")
    assert (await ui.post(f"/users/{seed_admin}/deactivate")).status_code == 303
    ui.client.cookies.clear()
    await ui.login("manager")

    def refused(response: Any) -> bool:
        return bool(
            response.status_code == 409
            and ui.last.context["refusal"].message_key == "users.error.outranks_you"
        )

    assert refused(await ui.post(f"/users/{other_admin}/deactivate"))
    assert refused(await ui.post(f"/users/{seed_admin}/activate"))
    assert refused(
        await ui.post(f"/users/{other_admin}", {"username": "administrator", "groups": []})
    )
    assert refused(
        await ui.post(f"/users/groups/{admin_group.id}", {"name": admin_group.name, "roles": []})
    )
    assert refused(
        await ui.post(f"/roles/{richer_role.id}", {"name": "Auditors plus", "permissions": []})
    )
    assert refused(await ui.post(f"/roles/{richer_role.id}/delete"))
    assert (await User.get(id=other_admin)).is_active
    assert not (await User.get(id=seed_admin)).is_active
    assert [g.name for g in await (await User.get(id=other_admin)).groups.all()] == [
        "administrator group"
    ]
    assert await admin_group.roles.filter(name="administrator").exists()
    assert await Role.exists(name="Auditors plus")
    # Their equals and juniors they still manage.
    await ui.post("/users", {"username": "peer", "password": PASSWORD, "groups": [managers]})
    await ui.post("/users", {"username": "newbie", "password": PASSWORD})
    for username in ("peer", "newbie"):
        user_id = await _id(User, username=username)
        assert (await ui.post(f"/users/{user_id}/deactivate")).status_code == 303


async def test_given_password_reset_then_new_password_works_and_audit_has_no_hash(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    agent_id = await _id(User, username="agent")
    response = await ui.post(f"/users/{agent_id}/password", {"new_password": "tiny"})
    assert response.status_code == 422
    assert ui.last.context["errors"]["new_password"].message_key == "users.error.password_short"
    new_password = "a much longer passphrase"
    response = await ui.post(f"/users/{agent_id}/password", {"new_password": new_password})
    assert response.status_code == 303
    ui.client.cookies.clear()
    assert (await ui.login("agent", PASSWORD)).status_code == 401
    assert (await ui.login("agent", new_password)).status_code == 303

    entries = await AuditEntry.filter(object_type="user").exclude(action__startswith="login")
    actions = {entry.action for entry in entries}
    assert "user_password_reset" in actions
    text = _audit_text(list(entries))
    assert "argon2" not in text and new_password not in text


async def test_given_user_edit_then_audit_records_before_and_after_without_hash(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    agent_id = await _id(User, username="agent")
    supervisors = await _id(UserGroup, name="supervisor group")
    response = await ui.post(
        f"/users/{agent_id}",
        {
            "username": "agent",
            "display_name": "Agent Smith",
            "language": "en",
            "phone_extension": "1001",
            "groups": [str(supervisors)],
        },
    )
    assert response.status_code == 303
    page = await ui.get(response.headers["location"])
    assert ui.last.context["notice"] == "users.saved" and page.status_code == 200
    entry = await AuditEntry.get(action="user_updated")
    assert entry.object_type == "user" and entry.object_id == str(agent_id)
    assert entry.before["groups"] == ["agent group"]
    assert entry.after["groups"] == ["supervisor group"]
    assert entry.after["display_name"] == "Agent Smith"
    assert "password_hash" not in entry.after and entry.source == "ui"


async def test_given_unknown_ids_then_pages_answer_404_not_500(ui: UiClient) -> None:
    await ui.login("administrator")
    for path in ("/users/999", "/users/abc", "/users/groups/999", "/roles/999", "/roles/x"):
        response = await ui.get(path)
        assert response.status_code == 404, path
        assert ui.last.template == "users/not_found.html"
    assert (await ui.post("/users/999/deactivate")).status_code == 404


async def test_given_allowlist_excluding_my_address_then_my_group_is_not_saved(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    group = await UserGroup.get(name="administrator group")
    role_ids = [str(role.id) for role in await group.roles.all()]
    form = {"name": group.name, "roles": role_ids, "ip_allowlist": "10.20.0.0/16"}
    response = await ui.post(f"/users/groups/{group.id}", form)
    assert response.status_code == 422
    error = ui.last.context["errors"]["ip_allowlist"]
    assert error.message_key == "users.error.locks_you_out" and error.params["ip"]
    assert (await UserGroup.get(id=group.id)).ip_allowlist == []
    form["ip_allowlist"] = f"10.20.0.0/16\n{error.params['ip']}"
    assert (await ui.post(f"/users/groups/{group.id}", form)).status_code == 303
    assert (await ui.get("/users")).status_code == 200  # still allowed in


async def test_given_chinese_user_then_every_page_is_translated(ui: UiClient) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/"})
    group_id = await _id(UserGroup, name="Administrators")
    role_id = await _id(Role, name="administrator")
    user_id = await _id(User, username="agent")
    pages = ["/users", "/users/new", f"/users/{user_id}", "/users/groups", "/users/groups/new"]
    pages += [f"/users/groups/{group_id}", "/roles", "/roles/new", f"/roles/{role_id}", "/audit"]
    entry = await AuditEntry.filter(action="login").first()
    assert entry is not None
    pages.append(f"/audit/{entry.id}")
    untranslated = re.compile(r"\b(?:users|roles|audit|nav)\.[a-z_.]+\b")
    for path in pages:
        response = await ui.get(path)
        assert response.status_code == 200, path
        assert ui.last.context["language"] == "zh-CN"
        assert not untranslated.findall(response.text), (path, untranslated.findall(response.text))
    page = (await ui.get("/roles/new")).text
    assert "新建角色" in page and "功能" in page and "查看" in page
