"""Tenant scoping: every model is classified, and a second tenant's users and
tokens neither see nor change the first tenant's."""

from __future__ import annotations

import importlib

import pytest
from tortoise.models import Model

from hotline import seed, tenancy
from hotline.db import model_modules
from hotline.models import ApiToken, Tenant, User
from hotline.models_voicemail import Mailbox
from hotline.settings import Settings
from tests.unit.test_api_tokens import bearer, create_token
from tests.unit.ui_support import UiClient, create_user

pytestmark = pytest.mark.security


def all_models() -> set[str]:
    names: set[str] = set()
    for module_name in model_modules():
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Model)
                and value.__module__ == module_name
            ):
                names.add(value.__name__)
    return names


def test_given_models_then_each_is_scoped_platform_or_listed_as_not_yet_scoped() -> None:
    tables = (
        tenancy.SCOPED,
        tenancy.SHARED_WHEN_NULL,
        tenancy.PLATFORM,
        tenancy.NOT_YET_SCOPED,
    )
    classified = [name for table in tables for name in table]
    assert len(classified) == len(set(classified)), "a model is in two tables"
    assert set(classified) == all_models()


def test_given_a_model_that_is_not_scoped_when_scoping_it_then_refused() -> None:
    from hotline.models_dialplan import DialplanDraft

    with pytest.raises(LookupError, match="DialplanDraft"):
        tenancy.scoped(DialplanDraft, 1)
    with pytest.raises(LookupError, match="Mailbox"):
        tenancy.owned_or_unowned(Mailbox, 1)


async def other_tenant_admin(ui: UiClient) -> tuple[Tenant, User]:
    other = await Tenant.create(name="water")
    admin = await create_user("water_admin", "administrator", tenant=other)
    await ui.login("water_admin")
    return other, admin


async def test_given_second_tenant_admin_when_listing_users_then_only_their_tenants(
    ui: UiClient,
) -> None:
    _, admin = await other_tenant_admin(ui)
    response = await ui.get("/users")
    assert response.status_code == 200
    listed = {row.username for row in ui.last.context["users"]}
    assert listed == {admin.username}


async def test_given_second_tenant_admin_when_touching_a_home_user_then_not_found_and_unchanged(
    ui: UiClient, seeded: Settings
) -> None:
    await other_tenant_admin(ui)
    home_admin = await User.get(username=seeded.admin_user)
    assert (await ui.get(f"/users/{home_admin.id}")).status_code == 404
    response = await ui.post(f"/users/{home_admin.id}/deactivate", {})
    assert response.status_code == 404
    await home_admin.refresh_from_db()
    assert home_admin.is_active


async def test_given_tokens_of_two_tenants_then_each_admin_lists_and_revokes_only_their_own(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    home_token, _ = await create_token(ui, name="home reporting")
    other, _ = await other_tenant_admin(ui)
    other_token, clear = await create_token(ui, name="water reporting")
    assert other_token.tenant_id == other.id
    assert home_token.tenant_id != other.id

    await ui.get("/api-tokens")
    assert [row.name for row in ui.last.context["tokens"]] == ["water reporting"]
    response = await ui.post(f"/api-tokens/{home_token.id}/revoke", {})
    assert response.status_code == 404
    await home_token.refresh_from_db()
    assert home_token.revoked_at is None
    # The other tenant's token works, in its own tenant.
    assert (await ui.client.get("/api/v1/queues", headers=bearer(clear))).status_code == 200


async def test_given_rows_from_before_tenants_when_seeding_then_they_join_the_home_tenant(
    seeded: Settings,
) -> None:
    user = await create_user("old_timer", "agent")
    await User.filter(id=user.id).update(tenant_id=None)
    token = await ApiToken.create(name="old", token_sha256="0" * 64)
    home = await Tenant.get(name=seed.DEMO_TENANT)
    await seed.adopt_tenantless_rows(home)
    assert (await User.get(id=user.id)).tenant_id == home.id
    assert (await ApiToken.get(id=token.id)).tenant_id == home.id
