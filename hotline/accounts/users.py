"""Users: list, create, edit, deactivate or reactivate, and reset a password.

Every user belongs to the actor's tenant; another tenant's id is as unknown
as a missing one.  Every mutation returns a ``Change`` (before/after
snapshots) that the web writes to the audit log.  Snapshots never contain
password hashes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hotline.accounts.changes import Change
from hotline.accounts.credentials import password_error, username_error
from hotline.accounts.errors import (
    FieldError,
    FormInvalid,
    SelfDeactivation,
    UnknownObject,
    object_id,
)
from hotline.accounts.guards import (
    ADMIN_ROLE,
    ensure_actor_outranks_user,
    ensure_an_administrator_remains,
    missing_permissions,
)
from hotline.accounts.principal import Principal
from hotline.accounts.sessions import end_all_sessions
from hotline.languages import LANGUAGES
from hotline.models import User, UserGroup
from hotline.passwords import new_password_hash
from hotline.tenancy import scoped

_EXTENSION = re.compile(r"^[0-9*#]{1,32}$")


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


def user_snapshot(user: User, groups: Sequence[UserGroup]) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "language": user.language,
        "phone_extension": user.phone_extension,
        "is_active": user.is_active,
        "groups": sorted(group.name for group in groups),
    }


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
    user = await scoped(User, actor.tenant_id).get_or_none(id=object_id(user_id))
    if user is None:
        raise UnknownObject(f"no user {user_id!r}")
    return user


async def get_user(user_id: str | int, actor: Principal) -> UserRow:
    return await _user_row(await _tenant_user(user_id, actor))


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
    # Whoever signed in with the old password is signed out (the web keeps
    # the session of a user who reset their own).
    await end_all_sessions(user.id)
    # Only the fact of the reset is recorded, never the hash.
    return Change("user_password_reset", "user", user.id, None, {"password": "reset"})
