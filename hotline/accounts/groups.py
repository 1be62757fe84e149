"""User groups: list, create and edit; a group carries roles and an IP allow-list.

A group belongs to the actor's tenant; another tenant's id is as unknown as
a missing one.  Nobody grants through a group a role they do not hold, and
nobody saves an allow-list that shuts themselves out.  Every mutation
returns a ``Change`` (before/after snapshots) for the audit log.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hotline.accounts.changes import Change
from hotline.accounts.errors import FieldError, FormInvalid, UnknownObject, object_id
from hotline.accounts.guards import (
    ADMIN_ROLE,
    ensure_actor_outranks_roles,
    ensure_an_administrator_remains,
    missing_permissions,
)
from hotline.accounts.principal import Principal, ip_allowed
from hotline.models import Role, User, UserGroup
from hotline.tenancy import owned_or_unowned, scoped


@dataclass(frozen=True)
class GroupInput:
    name: str = ""
    ip_allowlist: str = ""  # one CIDR per line (commas accepted too)
    role_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    ip_allowlist: tuple[str, ...]
    roles: tuple[str, ...]
    role_ids: tuple[int, ...]
    members: tuple[str, ...] = field(default=())


def group_snapshot(group: UserGroup, roles: Sequence[Role]) -> dict[str, Any]:
    return {
        "name": group.name,
        "ip_allowlist": list(group.ip_allowlist or []),
        "roles": sorted(role.name for role in roles),
    }


async def _group_row(group: UserGroup, tenant_id: int) -> GroupRow:
    roles = await group.roles.all()
    # Members of the group's tenant only (a group holds no one else's users).
    members = await scoped(User, tenant_id).filter(groups__id=group.id).order_by("username")
    return GroupRow(
        id=group.id,
        name=group.name,
        ip_allowlist=tuple(group.ip_allowlist or []),
        roles=tuple(sorted(role.name for role in roles)),
        role_ids=tuple(sorted(role.id for role in roles)),
        members=tuple(sorted(user.username for user in members)),
    )


async def list_groups(actor: Principal) -> list[GroupRow]:
    groups = await scoped(UserGroup, actor.tenant_id).order_by("name")
    return [await _group_row(group, actor.tenant_id) for group in groups]


async def _tenant_group(group_id: str | int, actor: Principal) -> UserGroup:
    """A group of the actor's tenant; another tenant's id is as unknown as a missing one."""
    group = await scoped(UserGroup, actor.tenant_id).get_or_none(id=object_id(group_id))
    if group is None:
        raise UnknownObject(f"no group {group_id!r}")
    return group


async def get_group(group_id: str | int, actor: Principal) -> GroupRow:
    return await _group_row(await _tenant_group(group_id, actor), actor.tenant_id)


async def all_roles(actor: Principal) -> list[Role]:
    """The roles a group of the actor's tenant may carry: built-in plus its custom ones."""
    return list(await owned_or_unowned(Role, actor.tenant_id).order_by("-builtin", "name"))


def parse_allowlist(text: str) -> tuple[list[str], FieldError | None]:
    """CIDRs, one per line or comma-separated, normalised; the first bad entry is named."""
    networks: list[str] = []
    for entry in re.split(r"[\s,]+", text.strip()):
        if not entry:
            continue
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            return [], FieldError("users.error.bad_cidr", {"entry": entry})
    return networks, None


async def _validate_group(
    data: GroupInput, actor: Principal, *, group_id: int | None, current_roles: set[int]
) -> tuple[dict[str, FieldError], list[str], list[Role]]:
    errors: dict[str, FieldError] = {}
    name = data.name.strip()
    if not name or len(name) > 64:
        errors["name"] = FieldError("users.error.group_name")
    else:
        # Group names are one namespace across tenants: a name another tenant
        # holds is refused without saying whose.
        holder = await UserGroup.filter(name=name).exclude(id=group_id or 0).first()
        if holder is not None and holder.tenant_id == actor.tenant_id:
            errors["name"] = FieldError("users.error.group_name_taken", {"name": name})
        elif holder is not None:
            errors["name"] = FieldError("users.error.group_name_unavailable", {"name": name})
    networks, cidr_error = parse_allowlist(data.ip_allowlist)
    if cidr_error:
        errors["ip_allowlist"] = cidr_error
    roles: list[Role] = []
    try:
        wanted = {int(raw) for raw in data.role_ids}
    except ValueError:
        wanted = set()
        errors["roles"] = FieldError("users.error.unknown_role")
    if wanted:
        # Built-in roles and the tenant's own: another tenant's custom role is unknown.
        roles = list(await owned_or_unowned(Role, actor.tenant_id).filter(id__in=sorted(wanted)))
        if len(roles) != len(wanted):
            errors["roles"] = FieldError("users.error.unknown_role")
    for role in roles:
        if role.id not in current_roles and missing_permissions(
            role.permissions or [], actor.permissions
        ):
            errors["roles"] = FieldError("users.error.cannot_grant", {"name": role.name})
            break
    return errors, networks, roles


async def create_group(data: GroupInput, actor: Principal) -> Change:
    errors, networks, roles = await _validate_group(data, actor, group_id=None, current_roles=set())
    if errors:
        raise FormInvalid(errors)
    group = await UserGroup.create(
        name=data.name.strip(), ip_allowlist=networks, tenant_id=actor.tenant_id
    )
    if roles:
        await group.roles.add(*roles)
    return Change("group_created", "user_group", group.id, None, group_snapshot(group, roles))


async def _locks_out(actor: Principal, actor_ip: str, group_id: int, networks: list[str]) -> bool:
    """Would this allow-list keep the person saving it from reaching the UI?"""
    own_groups = await UserGroup.filter(users__id=actor.user_id)
    if group_id not in {group.id for group in own_groups}:
        return False
    allowlist = list(networks)
    for group in own_groups:
        if group.id != group_id:
            allowlist.extend(group.ip_allowlist or [])
    return not ip_allowed(actor_ip, allowlist)


async def update_group(
    group_id: str | int, data: GroupInput, actor: Principal, actor_ip: str = ""
) -> Change:
    group = await _tenant_group(group_id, actor)
    old_roles = list(await group.roles.all())
    ensure_actor_outranks_roles(actor.permissions, old_roles)
    errors, networks, roles = await _validate_group(
        data, actor, group_id=group.id, current_roles={role.id for role in old_roles}
    )
    if "ip_allowlist" not in errors and await _locks_out(actor, actor_ip, group.id, networks):
        errors["ip_allowlist"] = FieldError("users.error.locks_you_out", {"ip": actor_ip})
    if errors:
        raise FormInvalid(errors)
    await ensure_an_administrator_remains(
        actor.tenant_id,
        group_id=group.id,
        group_grants_admin=any(role.name == ADMIN_ROLE for role in roles),
    )
    before = group_snapshot(group, old_roles)
    group.name = data.name.strip()
    group.ip_allowlist = networks
    await group.save(update_fields=["name", "ip_allowlist"])
    await group.roles.clear()
    if roles:
        await group.roles.add(*roles)
    return Change("group_updated", "user_group", group.id, before, group_snapshot(group, roles))
