"""A flow's published history as the version pages use it: one definition by
its version number (or the draft), and rolling back to an old version.

Rollback publishes the old definition as a NEW version (history is never
rewritten) and resets the draft to it; see ``services.rollback``.  Every
function works in the signed-in user's tenant (``tenant_id``): another
tenant's flow is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ari_apps.ivr import services
from hotline.errors import InvalidRequest


async def definition_of(flow_id: int, tenant_id: int, which: str) -> Any:
    """The draft (``which`` is "draft") or a published version's definition, by number."""
    if which == "draft":
        return (await services.get_flow(flow_id, tenant_id=tenant_id))["draft"]
    if not which.isdigit():
        raise InvalidRequest(f"{which!r} is not a version number", {"field": "version"})
    return await services.version_definition(flow_id, int(which), tenant_id=tenant_id)


@dataclass(frozen=True)
class RolledBack:
    """The version the rollback published, and its definition (the old one's)."""

    version: int
    definition: dict[str, Any]


async def roll_back(flow_id: int, tenant_id: int, version: int, username: str) -> RolledBack:
    """Publish ``version``'s definition again (FlowInvalid if today's catalogues refuse it)."""
    result = await services.rollback(flow_id, version, username, tenant_id=tenant_id)
    definition = await services.version_definition(flow_id, result["version"], tenant_id=tenant_id)
    return RolledBack(result["version"], definition)
