"""What the flow pages show: a tenant's flows with their DIDs, and one flow's
draft with what validation says of it.

Reads only: the draft changes are ``flow_drafts``, rollback is
``flow_versions``, DIDs and publishing are ``services``.  Everything works in
one tenant (``tenant_id``, the signed-in user's): another tenant's flow is as
unknown as a missing one, and the queues a draft may name are the tenant's
own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ari_apps.ivr import services
from hotline.models import Queue
from hotline.tenancy import scoped


async def flow_rows(tenant_id: int) -> list[dict[str, Any]]:
    """The tenant's flows, each with the DIDs that ring it."""
    rows = await services.list_flows(tenant_id)
    for row in rows:
        row["dids"] = await services.flow_dids(row["id"], tenant_id=tenant_id)
    return rows


@dataclass(frozen=True)
class DraftView:
    """One flow's draft, as the editor shows it."""

    flow_id: int
    name: str
    draft: Any
    # Validation's findings, each naming its node (None: the flow as a whole).
    issues: list[dict[str, Any]]
    live_version: int | None
    version_count: int
    # Whether calls run exactly this draft (nothing to publish).
    draft_is_live: bool
    queues: list[str]
    dids: list[str]


async def draft_view(flow_id: int, tenant_id: int) -> DraftView:
    flow = await services.get_flow(flow_id, tenant_id=tenant_id)
    draft = flow["draft"]
    issues = (await services.validate_draft(flow_id, tenant_id=tenant_id))["issues"]
    live = next((v for v in flow["versions"] if v["live"]), None)
    live_definition = (
        # The id comes from the flow read above, through the tenant.
        await services.published_definition(flow["published_version_id"])
        if flow["published_version_id"]
        else None
    )
    queues = await scoped(Queue, tenant_id).values_list("name", flat=True)
    return DraftView(
        flow_id=flow["id"],
        name=flow["name"],
        draft=draft,
        issues=issues,
        live_version=live["version"] if live else None,
        version_count=len(flow["versions"]),
        draft_is_live=live_definition == draft,
        queues=sorted(str(name) for name in queues),
        dids=await services.flow_dids(flow_id, tenant_id=tenant_id),
    )
