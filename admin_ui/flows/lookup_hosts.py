"""The http_lookup host allow-list section of /flows: the list after a change, or
the refusal with what was typed.

The change itself is the flow engine's (``ari_apps.ivr.lookup_allow_list``);
nothing is saved when it is refused, so the list shown then is the one
before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ari_apps.ivr import lookup_allow_list
from hotline.errors import NotFound
from hotline.lookup_hosts import HostRejected


@dataclass
class HostsOutcome:
    """The list after a change, and the (before, after) to audit, or the error."""

    hosts: list[str]
    audit: tuple[dict[str, Any], dict[str, Any]] | None = None
    error: str | None = None
    typed: str = ""
    status: int = 200


async def add_lookup_hosts(text: str, username: str, tenant_id: int) -> HostsOutcome:
    try:
        change = await lookup_allow_list.add_hosts(text, username, tenant_id)
    except HostRejected as error:
        hosts = await lookup_allow_list.allowed_hosts(tenant_id)
        return HostsOutcome(hosts, error=error.message, typed=text, status=400)
    return HostsOutcome(change.hosts, audit=change.audit)


async def remove_lookup_host(entry: str, tenant_id: int) -> HostsOutcome:
    try:
        change = await lookup_allow_list.remove_host(entry, tenant_id)
    except NotFound as error:
        hosts = await lookup_allow_list.allowed_hosts(tenant_id)
        return HostsOutcome(hosts, error=error.message, status=404)
    return HostsOutcome(change.hosts, audit=change.audit)
