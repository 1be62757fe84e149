"""A tenant's ``http_lookup`` host allow-list, as the flow pages show and change it.

The list is what stops an ``http_lookup`` node reaching inside the network,
so widening it is a publisher's call (the route's permission).  The entries'
rules and storage are the kernel's (``hotline.lookup_hosts``); a change comes
back with the list before and after as the audit log stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline import lookup_hosts
from hotline.errors import NotFound
from hotline.models import Tenant


@dataclass(frozen=True)
class HostsChange:
    """The list after a change, and its (before, after) snapshots; None when unchanged."""

    hosts: list[str]
    audit: tuple[dict[str, Any], dict[str, Any]] | None


async def _tenant(tenant_id: int) -> Tenant:
    tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        raise NotFound("no tenant")
    return tenant


async def allowed_hosts(tenant_id: int) -> list[str]:
    return await lookup_hosts.entries((await _tenant(tenant_id)).id)


async def add_hosts(text: str, username: str, tenant_id: int) -> HostsChange:
    """Add the entries of ``text`` (lookup_hosts.HostRejected, and nothing added, if one is bad)."""
    tenant = await _tenant(tenant_id)
    before = await lookup_hosts.entries(tenant.id)
    await lookup_hosts.add(tenant, text, username)
    after = await lookup_hosts.entries(tenant.id)
    audit = (lookup_hosts.snapshot(before), lookup_hosts.snapshot(after))
    return HostsChange(after, audit if after != before else None)


async def remove_host(entry: str, tenant_id: int) -> HostsChange:
    """Remove one entry (NotFound when the list does not hold it)."""
    tenant = await _tenant(tenant_id)
    before = await lookup_hosts.entries(tenant.id)
    await lookup_hosts.remove(tenant, entry)
    after = await lookup_hosts.entries(tenant.id)
    return HostsChange(after, (lookup_hosts.snapshot(before), lookup_hosts.snapshot(after)))
