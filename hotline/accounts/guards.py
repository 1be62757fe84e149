"""Rules that keep the tenant administrable, checked before a change is saved.

- At least one active user of each tenant must keep the built-in
  "administrator" role (through a group), so nobody locks a tenant out of
  its own UI; another tenant's administrators do not count.
- Nobody grants what they do not hold: a role, or a group carrying roles,
  may only be handed out by someone who already has all of its permissions.
- Nobody changes someone who outranks them: a user, a group or a role may
  only be changed (edited, demoted, deactivated, reactivated, its password
  reset) by an actor who holds every permission it holds now.  Without
  this, a custom role with users:edit could deactivate or demote an
  administrator.
"""

from __future__ import annotations

from collections.abc import Iterable

from hotline.accounts.errors import LastAdministrator, OutranksActor
from hotline.models import Role, User, UserGroup
from hotline.tenancy import scoped
from hotline.tenants import ADMIN_ROLE as ADMIN_ROLE  # the built-in role, one name


async def ensure_an_administrator_remains(
    tenant_id: int,
    *,
    user_id: int | None = None,
    user_active: bool | None = None,
    user_group_ids: Iterable[int] | None = None,
    group_id: int | None = None,
    group_grants_admin: bool | None = None,
) -> None:
    """Refuse a change (described by the overrides) that leaves ``tenant_id``
    without an active administrator."""
    admin_groups: set[int] = {
        group.id for group in await UserGroup.filter(roles__name=ADMIN_ROLE).distinct()
    }
    memberships: dict[int, set[int]] = {}
    for user in await scoped(User, tenant_id).filter(is_active=True).prefetch_related("groups"):
        memberships[user.id] = {group.id for group in user.groups}
    admins_now = {uid for uid, groups in memberships.items() if groups & admin_groups}
    if not admins_now:
        return  # nothing left to protect; do not block repairs

    if group_id is not None and group_grants_admin is not None:
        if group_grants_admin:
            admin_groups.add(group_id)
        else:
            admin_groups.discard(group_id)
    if user_id is not None:
        if user_active is False:
            memberships.pop(user_id, None)
        elif user_group_ids is not None and user_id in memberships:
            memberships[user_id] = set(user_group_ids)
    admins_after = {uid for uid, groups in memberships.items() if groups & admin_groups}
    if not admins_after:
        raise LastAdministrator("the last active administrator must keep the role")


def missing_permissions(granted: Iterable[str], actor_permissions: frozenset[str]) -> list[str]:
    return sorted(set(granted) - actor_permissions)


async def user_permissions(user_id: int) -> frozenset[str]:
    """Everything the user's groups grant, whether or not the user is active
    (an inactive administrator still outranks whoever would reactivate them)."""
    groups = await UserGroup.filter(users__id=user_id).prefetch_related("roles")
    return frozenset(p for group in groups for role in group.roles for p in role.permissions or [])


async def ensure_actor_outranks_user(actor_permissions: frozenset[str], user_id: int) -> None:
    missing = missing_permissions(await user_permissions(user_id), actor_permissions)
    if missing:
        raise OutranksActor("the user holds permissions the actor does not", {"name": missing[0]})


def ensure_actor_outranks_roles(actor_permissions: frozenset[str], roles: Iterable[Role]) -> None:
    """For a group (its current roles) or a role itself."""
    granted = [permission for role in roles for permission in role.permissions or []]
    missing = missing_permissions(granted, actor_permissions)
    if missing:
        raise OutranksActor("it grants permissions the actor does not hold", {"name": missing[0]})
