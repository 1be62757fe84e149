"""Who acts: a signed-in user's permissions, roles, allow-list and tenant.

The web loads a ``Principal`` for every request (``admin_ui/web/routing.py``)
and the use cases of this package take it as their actor.  A group's IP
allow-list restricts where its members may work from: the web's guard checks
it on every request, sign-in checks it, and a group's own allow-list may not
shut out the person saving it (``groups.py``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from hotline.models import User
from hotline.tenancy import home_tenant_id


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    language: str
    permissions: frozenset[str]
    roles: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    phone_extension: str | None
    # Every query of this user sees this tenant's rows only (hotline/tenancy.py).
    tenant_id: int
    # The user works in the home tenant (the platform operator's): only such
    # users may manage the tenants themselves (/tenants).
    home_tenant: bool = False

    def can(self, permission: str) -> bool:
        return permission in self.permissions


async def load_principal(user_id: int) -> Principal | None:
    user = await User.get_or_none(id=user_id, is_active=True)
    if user is None:
        return None
    permissions: set[str] = set()
    roles: set[str] = set()
    allowlist: list[str] = []
    for group in await user.groups.all().prefetch_related("roles"):
        allowlist.extend(group.ip_allowlist or [])
        for role in group.roles:
            roles.add(role.name)
            permissions.update(role.permissions or [])
    home = await home_tenant_id()
    tenant_id = user.tenant_id if user.tenant_id is not None else home
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        language=user.language,
        permissions=frozenset(permissions),
        roles=tuple(sorted(roles)),
        ip_allowlist=tuple(allowlist),
        phone_extension=user.phone_extension,
        tenant_id=tenant_id,
        home_tenant=tenant_id == home,
    )


def ip_allowed(ip: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """An empty allow-list allows everyone; otherwise the IP must match a CIDR."""
    if not allowlist:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in allowlist:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
