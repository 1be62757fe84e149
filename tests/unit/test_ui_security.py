"""Admin UI security: sign-in, throttling, CSRF, IP allow-lists, the role matrix."""

from __future__ import annotations

import json
import re

import pytest
from starlette.routing import Mount, Route

from admin_ui.app import create_app
from admin_ui.web.i18n import CATALOGUE_DIR, LANGUAGES, catalogue
from admin_ui.web.routing import PUBLIC, route_permission
from admin_ui.web.security import LoginThrottle
from hotline import seed
from hotline.accounts.principal import ip_allowed
from hotline.models import AuditEntry, Role, User
from hotline.permissions import ALL_PERMISSIONS, BUILTIN_ROLES
from hotline.settings import Settings
from tests.unit.stand_in import StandInCenter
from tests.unit.ui_support import PASSWORD, UiClient, create_user

ROLE_USERS = {role: role.replace(" ", "_") for role in BUILTIN_ROLES}


def ui_routes() -> list[tuple[str, str, str]]:
    """(method, path, permission) for every guarded UI route of the app."""
    app = create_app(StandInCenter())
    found: list[tuple[str, str, str]] = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        permission = route_permission(route)
        assert permission is not None, f"{route.path} declares no permission"
        if permission == PUBLIC:
            continue
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                found.append((method, route.path, permission))
    return found


def sample_path(path: str) -> str:
    # Parameterised routes get a value; a 404 after the guard still proves access.
    # An int parameter needs a number, or the route would not even match.
    return re.sub(r"\{\w+:int\}", "1", path).replace("{", "").replace("}", "")


async def test_given_anonymous_user_when_opening_any_ui_route_then_redirected_or_refused(
    ui: UiClient,
) -> None:
    for method, path, _ in ui_routes():
        url = sample_path(path)
        response = await (ui.get(url) if method == "GET" else ui.post(url, csrf=False))
        if method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
async def test_given_builtin_role_then_every_route_is_allowed_exactly_by_its_permission(
    ui: UiClient, role: str
) -> None:
    await ui.login(ROLE_USERS[role])
    for method, path, permission in ui_routes():
        url = sample_path(path)
        response = await (ui.get(url) if method == "GET" else ui.post(url))
        allowed = permission in BUILTIN_ROLES[role]
        if allowed:
            assert response.status_code != 403, (role, method, path)
            assert response.status_code < 500, (role, method, path, response.text[:300])
        else:
            assert response.status_code == 403, (role, method, path)
            assert ui.last.template == "errors/403.html"
            assert ui.last.context["reason"] == "permission_denied"


async def test_given_right_password_then_signed_in_with_httponly_samesite_cookie(
    ui: UiClient,
) -> None:
    response = await ui.login("administrator")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = await ui.get("/")
    assert page.status_code == 200
    assert ui.last.template == "account/dashboard.html"
    assert ui.last.context["user"].username == "administrator"
    entry = await AuditEntry.filter(action="login").first()
    assert entry is not None and entry.username == "administrator" and entry.ip


async def test_given_wrong_password_then_never_signed_in_and_form_keeps_username(
    ui: UiClient,
) -> None:
    await ui.get("/login")
    response = await ui.post("/login", {"username": "administrator", "password": "nope"})
    assert response.status_code == 401
    assert ui.last.context["error"] == "login.invalid"
    assert ui.last.context["username"] == "administrator"
    assert (await ui.get("/")).status_code == 303
    assert await AuditEntry.filter(action="login_failed").count() == 1


async def test_given_many_failures_then_throttled_even_with_the_right_password(
    ui: UiClient,
) -> None:
    await ui.get("/login")
    for _ in range(5):
        await ui.post("/login", {"username": "supervisor", "password": "guess"})
    response = await ui.post("/login", {"username": "supervisor", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert ui.last.context["error"] == "login.throttled"
    # Another account from the same address is not locked out by this one.
    assert (await ui.login("auditor")).status_code == 303


def test_given_throttle_then_real_user_waits_only_briefly() -> None:
    throttle = LoginThrottle()
    for second in range(5):
        throttle.failed("alice", "10.0.0.9", now=1000.0 + second)
    assert 0 < throttle.retry_after("alice", "10.0.0.9", now=1005.0) <= 30
    assert throttle.retry_after("alice", "10.0.0.9", now=1005.0 + 31) == 0
    assert throttle.retry_after("bob", "10.0.0.8", now=1005.0) == 0


async def test_given_missing_csrf_token_then_login_and_changes_are_refused(ui: UiClient) -> None:
    await ui.get("/login")
    response = await ui.post(
        "/login", {"username": "administrator", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    await ui.login("administrator")
    response = await ui.post("/logout", {"csrf_token": "forged"})
    assert response.status_code == 403
    assert (await ui.get("/")).status_code == 200  # still signed in


async def test_given_ip_allowlist_then_members_are_refused_elsewhere(ui: UiClient) -> None:
    await create_user("night_shift", "supervisor", allowlist=["10.20.0.0/16"])
    response = await ui.login("night_shift")
    assert response.status_code == 401
    assert ui.last.context["error"] == "login.ip_not_allowed"
    assert ip_allowed("10.20.3.4", ["10.20.0.0/16"])
    assert not ip_allowed("127.0.0.1", ["10.20.0.0/16"])
    assert ip_allowed("127.0.0.1", [])


async def test_given_language_switch_then_user_preference_is_stored(ui: UiClient) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/"})
    page = await ui.get("/")
    assert "实时状态" in page.text
    assert (await User.get(username="administrator")).language == "zh-CN"


def test_given_catalogues_then_every_language_has_every_key() -> None:
    for path in CATALOGUE_DIR.glob("*.json"):
        json.loads(path.read_text("utf-8"))  # each file is valid JSON
    keys = {code: set(catalogue(code)) for code in LANGUAGES}
    assert keys["en"] == keys["zh-CN"], keys["en"] ^ keys["zh-CN"]
    for code in LANGUAGES:
        assert all(catalogue(code).values()), f"empty translation in {code}"


def test_given_builtin_roles_then_permissions_are_known() -> None:
    for permissions in BUILTIN_ROLES.values():
        assert permissions <= set(ALL_PERMISSIONS)
    assert "roles:view" not in BUILTIN_ROLES["agent"]


@pytest.mark.security
def test_given_builtin_roles_then_only_those_who_plan_staffing_may_run_the_planner() -> None:
    planners = {role for role, permissions in BUILTIN_ROLES.items() if "shifts:plan" in permissions}
    assert planners == {"administrator", "supervisor"}
    assert "shifts:view" in BUILTIN_ROLES["agent"]  # agents still read their schedules
    planner_routes = {
        (method, permission)
        for method, path, permission in ui_routes()
        if path == "/shifts/planner"
    }
    assert planner_routes == {("GET", "shifts:plan"), ("POST", "shifts:plan")}


@pytest.mark.security
async def test_given_database_from_before_the_planner_permission_then_start_fixes_builtin_roles(
    seeded: Settings,
) -> None:
    # What a database seeded by the previous release holds: shifts:view
    # opened the planner, and there was no shifts:plan.
    for name in ("supervisor", "agent"):
        role = await Role.get(name=name)
        role.permissions = sorted(set(role.permissions) - {"shifts:plan"})
        await role.save()
    await Role.create(name="Planners", builtin=False, permissions=["shifts:view"])

    await seed.seed_roles()
    await seed.seed_roles()  # every start runs it: idempotent

    for name, permissions in BUILTIN_ROLES.items():
        assert set((await Role.get(name=name)).permissions) == permissions, name
    assert "shifts:plan" in (await Role.get(name="supervisor")).permissions
    assert "shifts:plan" not in (await Role.get(name="agent")).permissions
    # A custom role keeps what its administrator chose.
    assert (await Role.get(name="Planners")).permissions == ["shifts:view"]


def test_given_password_then_stored_as_argon2id() -> None:
    from argon2 import PasswordHasher

    from admin_ui.web.security import verify_password

    stored = PasswordHasher().hash("s3cret-passphrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "s3cret-passphrase")
    assert not verify_password(stored, "wrong")
    assert not verify_password("not-a-hash", "anything")
