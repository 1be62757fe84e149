"""Each tenant's ``http_lookup`` host allow-list: stored, read, changed.

The rules of an entry live in ``hotline/lookup_policy.py``.  Entries
come from two places: the admin UI (``/flows``, "HTTP look-up hosts", for
users who may publish flows; every change audited) and
``HOTLINE_LOOKUP_ALLOWED_HOSTS``, added to the demo tenant's list at every
start (a host removed in the UI but still in the setting comes back then).
An empty list allows no look-up at all.
"""

from __future__ import annotations

import logging
from typing import Any

from hotline import lookup_policy
from hotline.errors import InvalidRequest, NotFound
from hotline.lookup_policy import BadEntry, HostAllowList
from hotline.models import Tenant
from hotline.models_lookup import LookupAllowedHost

log = logging.getLogger(__name__)


class HostRejected(InvalidRequest):
    error_id = "lookup-host-rejected"

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(
            f"{entry!r} is not a host, an address or a network: {reason}",
            {"field": "entry", "entry": entry[:80], "reason": reason},
        )
        self.entry = entry
        self.reason = reason


async def tenant_or_home(tenant_id: int | None) -> Tenant:
    """The tenant a flow belongs to; None (a test call, a direct service) is
    the home tenant, the one the admin UI manages."""
    tenant = None
    if tenant_id is not None:
        tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        tenant = await Tenant.all().order_by("id").first()
    if tenant is None:
        raise NotFound("no tenant")
    return tenant


async def entries(tenant_id: int | None) -> list[str]:
    tenant = await tenant_or_home(tenant_id)
    rows = await LookupAllowedHost.filter(tenant=tenant).order_by("entry")
    return [row.entry for row in rows]


async def allow_list(tenant_id: int | None) -> HostAllowList:
    """What the tenant's look-ups may reach (a stored entry that no longer
    parses is left out, never read as "anything")."""
    good: list[str] = []
    for entry in await entries(tenant_id):
        try:
            lookup_policy.parse_entry(entry)
        except BadEntry:
            log.warning("lookup allow-list entry %r no longer parses; ignored", entry)
            continue
        good.append(entry)
    return lookup_policy.build(good)


def _normalised(text: str) -> list[str]:
    found: list[str] = []
    for entry in lookup_policy.split_entries(text):
        try:
            lookup_policy.parse_entry(entry)
        except BadEntry as error:
            raise HostRejected(error.entry, error.reason) from None
        found.append(entry.lower())
    return found


async def add(tenant: Tenant, text: str, added_by: str) -> list[str]:
    """Add the entries of ``text``; nothing is added when one is bad."""
    new = _normalised(text)
    if not new:
        raise HostRejected(text.strip(), "empty")
    added: list[str] = []
    for entry in new:
        _, created = await LookupAllowedHost.get_or_create(
            tenant=tenant, entry=entry, defaults={"added_by": added_by[:64]}
        )
        if created:
            added.append(entry)
    return added


async def remove(tenant: Tenant, entry: str) -> None:
    row = await LookupAllowedHost.get_or_none(tenant=tenant, entry=entry.strip().lower())
    if row is None:
        raise NotFound(f"{entry!r} is not on the allow-list", {"entry": entry[:80]})
    await row.delete()


async def add_configured_hosts(tenant: Tenant, text: str) -> list[str]:
    """HOTLINE_LOOKUP_ALLOWED_HOSTS into ``tenant``'s list; a typo stops the start."""
    try:
        return await add(tenant, text, "HOTLINE_LOOKUP_ALLOWED_HOSTS") if text.strip() else []
    except HostRejected as error:
        raise ValueError(f"HOTLINE_LOOKUP_ALLOWED_HOSTS: {error.message}") from error


def snapshot(tenant_entries: list[str]) -> dict[str, Any]:
    """What the audit log keeps of a list."""
    return {"hosts": list(tenant_entries)}
