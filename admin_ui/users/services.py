"""Users and user groups: validation, storage and audit snapshots.

Every mutation returns a ``Change`` (before/after snapshots) that the HTTP
layer writes to the audit log.  Snapshots never contain password hashes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from admin_ui.users.exceptions import (
    FieldError,
    FormInvalid,
    SelfDeactivation,
    UnknownObject,
)
from admin_ui.users.guards import (
    ADMIN_ROLE,
    ensure_actor_outranks_roles,
    ensure_actor_outranks_user,
    ensure_an_administrator_remains,
    missing_permissions,
)
from admin_ui.web.i18n import LANGUAGES
from admin_ui.web.security import Principal, ip_allowed, new_password_hash
from admin_ui.web.sessions import end_all_sessions
from hotline.models import Role, User, UserGroup
from hotline.tenancy import owned_or_unowned, scoped

MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_EXTENSION = re.compile(r"^[0-9*#]{1,32}$")


@dataclass(frozen=True)
class Change:
    """What the audit log records about one change."""

    action: str
    object_type: str
    object_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class UserInput:
    """A user form exactly as typed (strings), so an error can show it again."""

    username: str = ""
    display_name: str = ""
    password: str = ""
    language: str = "en"
    phone_extension: str = ""
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupInput:
    name: str = ""
    ip_allowlist: str = ""  # one CIDR per line (commas accepted too)
    role_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    language: str
    phone_extension: str
    is_active: bool
    groups: tuple[str, ...]
    group_ids: tuple[int, ...]
    is_admin: bool


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    ip_allowlist: tuple[str, ...]
    roles: tuple[str, ...]
    role_ids: tuple[int, ...]
    members: tuple[str, ...] = field(default=())


def _object_id(raw: str | int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UnknownObject(f"no such object {raw!r}") from None


def user_snapshot(user: User, groups: Sequence[UserGroup]) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "language": user.language,
        "phone_extension": user.phone_extension,
        "is_active": user.is_active,
        "groups": sorted(group.name for group in groups),
    }


def group_snapshot(group: UserGroup, roles: Sequence[Role]) -> dict[str, Any]:
    return {
        "name": group.name,
        "ip_allowlist": list(group.ip_allowlist or []),
        "roles": sorted(role.name for role in roles),
    }


# ---- users -----------------------------------------------------------------


async def _user_row(user: User) -> UserRow:
    groups = await user.groups.all().prefetch_related("roles")
    return UserRow(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        phone_extension=user.phone_extension or "",
        is_active=user.is_active,
        groups=tuple(sorted(group.name for group in groups)),
        group_ids=tuple(sorted(group.id for group in groups)),
        is_admin=any(role.name == ADMIN_ROLE for group in groups for role in group.roles),
    )


async def list_users(actor: Principal) -> list[UserRow]:
    users = await scoped(User, actor.tenant_id).order_by("username")
    return [await _user_row(user) for user in users]


async def _tenant_user(user_id: str | int, actor: Principal) -> User:
    """A user of the actor's tenant; another tenant's id is as unknown as a missing one."""
    user = await scoped(User, actor.tenant_id).get_or_none(id=_object_id(user_id))
    if user is None:
        raise UnknownObject(f"no user {user_id!r}")
    return user


async def get_user(user_id: str | int, actor: Principal) -> UserRow:
    return await _user_row(await _tenant_user(user_id, actor))


def user_input_of(row: UserRow) -> UserInput:
    return UserInput(
        username=row.username,
        display_name=row.display_name,
        language=row.language,
        phone_extension=row.phone_extension,
        group_ids=tuple(str(gid) for gid in row.group_ids),
    )


def password_error(password: str) -> FieldError | None:
    """The password policy: why ``password`` may not be set, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return FieldError("users.error.password_short", {"min": str(MIN_PASSWORD_LENGTH)})
    if len(password) > 1024:
        return FieldError("users.error.password_long")
    return None


async def username_error(username: str, *, user_id: int | None = None) -> FieldError | None:
    """Why ``username`` (stripped) may not name a user, or None.  Usernames are
    one namespace across tenants; ``user_id`` is the user being renamed."""
    if not _USERNAME.match(username):
        return FieldError("users.error.username_format")
    if await User.filter(username=username).exclude(id=user_id or 0).exists():
        return FieldError("users.error.username_taken", {"username": username})
    return None


async def _validate_user(
    data: UserInput, actor: Principal, *, user_id: int | None, current_groups: set[int]
) -> tuple[dict[str, FieldError], list[UserGroup]]:
    errors: dict[str, FieldError] = {}
    username_refused = await username_error(data.username.strip(), user_id=user_id)
    if username_refused:
        errors["username"] = username_refused
    if len(data.display_name) > 100:
        errors["display_name"] = FieldError("users.error.display_name_long")
    if data.language not in LANGUAGES:
        errors["language"] = FieldError("users.error.language")
    extension = data.phone_extension.strip()
    if extension and not _EXTENSION.match(extension):
        errors["phone_extension"] = FieldError("users.error.extension_format")
    groups: list[UserGroup] = []
    try:
        wanted = {int(raw) for raw in data.group_ids}
    except ValueError:
        wanted = set()
        errors["groups"] = FieldError("users.error.unknown_group")
    if wanted:
        # Another tenant's group is as unknown as a missing one.
        groups = list(
            await scoped(UserGroup, actor.tenant_id)
            .filter(id__in=sorted(wanted))
            .prefetch_related("roles")
        )
        if len(groups) != len(wanted):
            errors["groups"] = FieldError("users.error.unknown_group")
    for group in groups:
        if group.id in current_groups:
            continue
        granted = [perm for role in group.roles for perm in role.permissions or []]
        if missing_permissions(granted, actor.permissions):
            errors["groups"] = FieldError("users.error.cannot_grant", {"name": group.name})
            break
    return errors, groups


async def create_user(data: UserInput, actor: Principal) -> Change:
    errors, groups = await _validate_user(data, actor, user_id=None, current_groups=set())
    password_refused = password_error(data.password)
    if password_refused:
        errors["password"] = password_refused
    if errors:
        raise FormInvalid(errors)
    user = await User.create(
        username=data.username.strip(),
        password_hash=await new_password_hash(data.password),
        display_name=data.display_name.strip(),
        language=data.language,
        phone_extension=data.phone_extension.strip() or None,
        tenant_id=actor.tenant_id,
    )
    if groups:
        await user.groups.add(*groups)
    return Change("user_created", "user", user.id, None, user_snapshot(user, groups))


async def update_user(user_id: str | int, data: UserInput, actor: Principal) -> Change:
    user = await _tenant_user(user_id, actor)
    await ensure_actor_outranks_user(actor.permissions, user.id)
    old_groups = list(await user.groups.all())
    errors, groups = await _validate_user(
        data, actor, user_id=user.id, current_groups={group.id for group in old_groups}
    )
    if errors:
        raise FormInvalid(errors)
    await ensure_an_administrator_remains(
        actor.tenant_id, user_id=user.id, user_group_ids=[group.id for group in groups]
    )
    before = user_snapshot(user, old_groups)
    user.username = data.username.strip()
    user.display_name = data.display_name.strip()
    user.language = data.language
    user.phone_extension = data.phone_extension.strip() or None
    await user.save(update_fields=["username", "display_name", "language", "phone_extension"])
    await user.groups.clear()
    if groups:
        await user.groups.add(*groups)
    return Change("user_updated", "user", user.id, before, user_snapshot(user, groups))


async def set_active(user_id: str | int, active: bool, actor: Principal) -> Change:
    user = await _tenant_user(user_id, actor)
    await ensure_actor_outranks_user(actor.permissions, user.id)
    if not active:
        if user.id == actor.user_id:
            raise SelfDeactivation("a user cannot deactivate themselves")
        await ensure_an_administrator_remains(actor.tenant_id, user_id=user.id, user_active=False)
    groups = list(await user.groups.all())
    before = user_snapshot(user, groups)
    user.is_active = active
    await user.save(update_fields=["is_active"])
    if not active:
        # Reactivating the user later must not bring their old sessions back.
        await end_all_sessions(user.id)
    action = "user_activated" if active else "user_deactivated"
    return Change(action, "user", user.id, before, user_snapshot(user, groups))


async def reset_password(user_id: str | int, password: str, actor: Principal) -> Change:
    user = await _tenant_user(user_id, actor)
    await ensure_actor_outranks_user(actor.permissions, user.id)
    error = password_error(password)
    if error:
        raise FormInvalid({"password": error})
    user.password_hash = await new_password_hash(password)
    await user.save(update_fields=["password_hash"])
    # Whoever signed in with the old password is signed out (the HTTP layer
    # keeps the session of a user who reset their own).
    await end_all_sessions(user.id)
    # Only the fact of the reset is recorded, never the hash.
    return Change("user_password_reset", "user", user.id, None, {"password": "reset"})


# ---- groups ----------------------------------------------------------------


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
    group = await scoped(UserGroup, actor.tenant_id).get_or_none(id=_object_id(group_id))
    if group is None:
        raise UnknownObject(f"no group {group_id!r}")
    return group


async def get_group(group_id: str | int, actor: Principal) -> GroupRow:
    return await _group_row(await _tenant_group(group_id, actor), actor.tenant_id)


def group_input_of(row: GroupRow) -> GroupInput:
    return GroupInput(
        name=row.name,
        ip_allowlist="\n".join(row.ip_allowlist),
        role_ids=tuple(str(rid) for rid in row.role_ids),
    )


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


def form_values(form: Mapping[str, Any], name: str) -> tuple[str, ...]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else form.get(name, [])
    return tuple(str(value) for value in values)
