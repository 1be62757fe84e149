"""Driving the admin UI in tests: users for every built-in role, a signed-in client.

Templates rendered during a request are captured (name and context), so tests
check what was rendered, not only status codes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.templating import Jinja2Templates

from admin_ui.app import create_app
from admin_ui.web import rendering
from admin_ui.web.security import hash_password
from hotline import passwords
from hotline.models import Role, Tenant, User, UserGroup
from hotline.permissions import BUILTIN_ROLES
from hotline.settings import Settings
from tests.unit.stand_in import StandInCenter

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Rendered:
    template: str
    context: dict[str, Any]


@dataclass
class UiClient:
    client: httpx.AsyncClient
    center: StandInCenter
    rendered: list[Rendered] = field(default_factory=list)
    csrf: str = ""
    app: Starlette | None = None

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.get(path, **kwargs)
        match = _CSRF.search(response.text)
        if match:
            self.csrf = match.group(1)
        return response

    async def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            if not self.csrf:
                await self.get("/login")
            form.setdefault("csrf_token", self.csrf)
        return await self.client.post(path, data=form, **kwargs)

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        await self.get("/login")
        response = await self.post("/login", {"username": username, "password": password})
        await self.get("/")  # pick up the new session's CSRF token
        return response

    @property
    def last(self) -> Rendered:
        return self.rendered[-1]

    @asynccontextmanager
    async def from_address(self, ip: str) -> AsyncIterator[UiClient]:
        """Another browser, connecting from ``ip``, to the same app (no cookies)."""
        assert self.app is not None
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50123))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hotline.test", follow_redirects=False
        ) as client:
            yield UiClient(client, self.center, self.rendered, app=self.app)


async def create_user(
    username: str,
    role: str,
    *,
    allowlist: list[str] | None = None,
    tenant: Tenant | None = None,
) -> User:
    home = await Tenant.all().order_by("id").first()
    tenant = tenant or home
    assert tenant is not None
    # As the UI creates groups: in the user's tenant (group names stay one
    # namespace, so another tenant's group is named after it).
    name = f"{role} group" + (" (restricted)" if allowlist else "")
    if home is not None and tenant.id != home.id:
        name += f" ({tenant.name})"
    group, _ = await UserGroup.get_or_create(
        name=name, defaults={"ip_allowlist": allowlist or [], "tenant": tenant}
    )
    await group.roles.add(await Role.get(name=role))
    # The demo seed has a "supervisor" of its own (issue 14's demo people):
    # the tests sign in as that one, with the tests' password.
    user, _ = await User.update_or_create(
        username=username,
        defaults={
            "password_hash": hash_password(PASSWORD),
            "display_name": username,
            # As the UI creates users: in a tenant (the home one unless told).
            "tenant": tenant,
        },
    )
    await user.groups.add(group)
    return user


@pytest.fixture
async def ui(seeded: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[UiClient]:
    # Production-strength argon2 costs seconds per test on a loaded box; the
    # hashing strength is not under test here (test_ui_security checks argon2).
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    for role in BUILTIN_ROLES:
        await create_user(role.replace(" ", "_"), role)
    center = StandInCenter()
    captured: list[Rendered] = []
    original = Jinja2Templates.TemplateResponse

    def capture(self: Jinja2Templates, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        captured.append(Rendered(response.template.name, dict(response.context)))
        return response

    monkeypatch.setattr(
        rendering.templates, "TemplateResponse", capture.__get__(rendering.templates)
    )
    app = create_app(center, session_secret="test-secret")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hotline.test", follow_redirects=False
    ) as client:
        yield UiClient(client, center, captured, app=app)
