"""Roles: built-in ones are read-only; custom ones are a permission matrix.

Built-in roles have no tenant and serve every tenant; a custom role belongs
to the tenant that created it, and another tenant's is unknown (404), like
a missing one (``hotline/tenancy.py``, SHARED_WHEN_NULL).  Role names stay
one namespace: a name another tenant holds is "not available".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hotline.accounts.changes import Change
from hotline.accounts.errors import (
    BuiltinRoleReadOnly,
    FieldError,
    FormInvalid,
    RoleInUse,
    UnknownObject,
)
from hotline.accounts.guards import ensure_actor_outranks_roles, missing_permissions
from hotline.accounts.principal import Principal
from hotline.models import Role, UserGroup
from hotline.permissions import ACTIONS, ALL_PERMISSIONS, FUNCTIONS
from hotline.tenancy import owned_or_unowned, scoped

_ROLE_NAME = re.compile(r"^[\w .-]{1,64}$")


@dataclass(frozen=True)
class MatrixCell:
    permission: str | None  # None: this action does not exist for the function
    checked: bool


@dataclass(frozen=True)
class MatrixRow:
    function: str
    cells: tuple[MatrixCell, ...]  # in ACTIONS order


@dataclass(frozen=True)
class RoleRow:
    id: int
    name: str
    builtin: bool
    permissions: tuple[str, ...]
    groups: tuple[str, ...]


@dataclass(frozen=True)
class RoleInput:
    name: str = ""
    permissions: tuple[str, ...] = ()


def permission_matrix(checked: Iterable[str]) -> list[MatrixRow]:
    """Rows = functions, columns = ACTIONS; only valid permissions get a box."""
    chosen = set(checked)
    rows = []
    for function in FUNCTIONS:
        cells = []
        for action in ACTIONS:
            name = f"{function}:{action}"
            valid = name in ALL_PERMISSIONS
            cells.append(MatrixCell(name if valid else None, valid and name in chosen))
        rows.append(MatrixRow(function, tuple(cells)))
    return rows


def role_snapshot(role: Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "builtin": role.builtin,
        "permissions": sorted(role.permissions or []),
    }


def _role_id(raw: str | int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UnknownObject(f"no role {raw!r}") from None


async def _role(role_id: str | int, actor: Principal) -> Role:
    """A built-in role or one of the actor's tenant; another tenant's is unknown."""
    role = await owned_or_unowned(Role, actor.tenant_id).get_or_none(id=_role_id(role_id))
    if role is None:
        raise UnknownObject(f"no role {role_id!r}")
    return role


async def _row(role: Role, tenant_id: int) -> RoleRow:
    # Only the tenant's groups: which groups of others use a built-in role is theirs.
    groups = await scoped(UserGroup, tenant_id).filter(roles__id=role.id)
    return RoleRow(
        id=role.id,
        name=role.name,
        builtin=role.builtin,
        permissions=tuple(sorted(role.permissions or [])),
        groups=tuple(sorted(group.name for group in groups)),
    )


async def list_roles(actor: Principal) -> list[RoleRow]:
    roles = await owned_or_unowned(Role, actor.tenant_id).order_by("-builtin", "name")
    return [await _row(role, actor.tenant_id) for role in roles]


async def get_role(role_id: str | int, actor: Principal) -> RoleRow:
    return await _row(await _role(role_id, actor), actor.tenant_id)


async def _validate(
    data: RoleInput, actor: Principal, role_id: int | None
) -> tuple[str, list[str]]:
    errors: dict[str, FieldError] = {}
    name = data.name.strip()
    if not _ROLE_NAME.match(name):
        errors["name"] = FieldError("roles.error.name")
    else:
        holder = await Role.filter(name=name).exclude(id=role_id or 0).first()
        if holder is not None and holder.tenant_id in (None, actor.tenant_id):
            errors["name"] = FieldError("roles.error.name_taken", {"name": name})
        elif holder is not None:  # another tenant's: not said whose
            errors["name"] = FieldError("roles.error.name_unavailable", {"name": name})
    chosen = set(data.permissions)
    unknown = sorted(chosen - set(ALL_PERMISSIONS))
    if unknown:
        errors["permissions"] = FieldError("roles.error.unknown_permission", {"name": unknown[0]})
    else:
        # Edit or publish without view would allow changes to a page one cannot open.
        for function in FUNCTIONS:
            acts = {a for a in ACTIONS if f"{function}:{a}" in chosen}
            if acts and "view" not in acts:
                errors["permissions"] = FieldError("roles.error.needs_view", {"name": function})
                break
        missing = missing_permissions(chosen, actor.permissions)
        if missing and "permissions" not in errors:
            errors["permissions"] = FieldError("roles.error.cannot_grant", {"name": missing[0]})
    if errors:
        raise FormInvalid(errors)
    return name, sorted(chosen)


async def create_role(data: RoleInput, actor: Principal) -> Change:
    name, permissions = await _validate(data, actor, None)
    role = await Role.create(
        name=name, builtin=False, permissions=permissions, tenant_id=actor.tenant_id
    )
    return Change("role_created", "role", role.id, None, role_snapshot(role))


async def update_role(role_id: str | int, data: RoleInput, actor: Principal) -> Change:
    role = await _role(role_id, actor)
    if role.builtin:
        raise BuiltinRoleReadOnly("built-in roles cannot be changed", {"name": role.name})
    ensure_actor_outranks_roles(actor.permissions, [role])
    name, permissions = await _validate(data, actor, role.id)
    before = role_snapshot(role)
    role.name = name
    role.permissions = permissions
    await role.save(update_fields=["name", "permissions"])
    return Change("role_updated", "role", role.id, before, role_snapshot(role))


async def delete_role(role_id: str | int, actor: Principal) -> Change:
    role = await _role(role_id, actor)
    if role.builtin:
        raise BuiltinRoleReadOnly("built-in roles cannot be deleted", {"name": role.name})
    ensure_actor_outranks_roles(actor.permissions, [role])
    groups = sorted(group.name for group in await UserGroup.filter(roles__id=role.id))
    if groups:
        raise RoleInUse(
            f"role {role.name!r} is used by groups",
            {"name": role.name, "groups": ", ".join(groups)},
        )
    before = role_snapshot(role)
    role_pk = role.id
    await role.delete()
    return Change("role_deleted", "role", role_pk, before, None)
