"""Tenants themselves: list them with counts, create one with its first
administrator, rename one.

The platform operator's use cases (``hotline/accounts/tenant_admin.py``,
behind the ``admin_ui/tenants`` pages) call these; who may (users of the
home tenant only) is the pages' business, validation and what the audit log
records are those use cases', and this module has no web dependency.

A new tenant's first administrator gets the built-in "administrator" role
the way ``hotline/seed.py`` gives the demo administrator theirs: through a
user group of the tenant that carries the role.  Group names are one
namespace across tenants, so the group is named after its tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from tortoise.functions import Count
from tortoise.models import Model
from tortoise.transactions import in_transaction

from hotline.models import Agent, Did, Flow, Queue, Role, Tenant, User, UserGroup
from hotline.tenancy import home_tenant_id

ADMIN_ROLE: Final = "administrator"
# Tenant.name's column width.
MAX_NAME_LENGTH: Final = 100
# UserGroup.name's column width.
_MAX_GROUP_NAME: Final = 64


@dataclass(frozen=True)
class TenantSummary:
    id: int
    name: str
    home: bool
    users: int
    agents: int
    queues: int
    flows: int
    dids: int


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    admin: User
    group: UserGroup


async def _counts(model: type[Model]) -> dict[int, int]:
    """Rows of ``model`` per tenant id: one grouped query."""
    rows: list[dict[str, Any]] = (
        await model.annotate(count=Count(model._meta.pk_attr))
        .group_by("tenant_id")
        .values("tenant_id", "count")
    )
    return {int(row["tenant_id"]): int(row["count"]) for row in rows if row["tenant_id"]}


async def list_tenants() -> list[TenantSummary]:
    """Every tenant, the home tenant first, then by name."""
    tenants = await Tenant.all().order_by("id")
    if not tenants:
        return []
    home = await home_tenant_id()
    users, agents, queues = await _counts(User), await _counts(Agent), await _counts(Queue)
    flows, dids = await _counts(Flow), await _counts(Did)
    summaries = [
        TenantSummary(
            id=tenant.id,
            name=tenant.name,
            home=tenant.id == home,
            users=users.get(tenant.id, 0),
            agents=agents.get(tenant.id, 0),
            queues=queues.get(tenant.id, 0),
            flows=flows.get(tenant.id, 0),
            dids=dids.get(tenant.id, 0),
        )
        for tenant in tenants
    ]
    return sorted(summaries, key=lambda row: (not row.home, row.name.casefold(), row.id))


async def name_taken(name: str, *, except_id: int | None = None) -> bool:
    """A tenant holds ``name`` already (ignoring case: "Water" and "water"
    would be told apart by nobody)."""
    return await Tenant.filter(name__iexact=name).exclude(id=except_id or 0).exists()


async def _admin_group_name(tenant: Tenant, connection: Any) -> str:
    candidates = [f"Administrators ({tenant.name})", f"Administrators (tenant {tenant.id})"]
    for name in candidates:
        if len(name) <= _MAX_GROUP_NAME and not await UserGroup.exists(
            name=name, using_db=connection
        ):
            return name
    number = 2
    while await UserGroup.exists(name=f"{candidates[1]} {number}", using_db=connection):
        number += 1
    return f"{candidates[1]} {number}"


async def create_tenant_with_admin(
    name: str,
    *,
    username: str,
    password_hash: str,
    display_name: str = "Administrator",
    language: str = "en",
) -> NewTenant:
    """The tenant, its administrators' group (with the built-in administrator
    role) and its first administrator, in one transaction: all or nothing.

    The caller validated the names; a unique key another request took in
    between raises Tortoise's IntegrityError and nothing is kept.
    """
    async with in_transaction() as connection:
        tenant = await Tenant.create(name=name, using_db=connection)
        role = await Role.get(name=ADMIN_ROLE, builtin=True, using_db=connection)
        group = await UserGroup.create(
            name=await _admin_group_name(tenant, connection),
            ip_allowlist=[],
            tenant=tenant,
            using_db=connection,
        )
        await group.roles.add(role, using_db=connection)
        admin = await User.create(
            username=username,
            password_hash=password_hash,
            display_name=display_name,
            language=language,
            tenant=tenant,
            using_db=connection,
        )
        await admin.groups.add(group, using_db=connection)
    return NewTenant(tenant, admin, group)


async def get_tenant(tenant_id: int) -> Tenant | None:
    return await Tenant.get_or_none(id=tenant_id)


async def rename_tenant(tenant: Tenant, name: str) -> None:
    tenant.name = name
    await tenant.save(update_fields=["name"])
