"""The running contact center as one tenant sees it.

The ACD keeps queues, agents and calls in memory by queue name, extension
and channel, with no tenant.  Queue names and extensions are one namespace
across tenants, so the tenant's ``Queue`` and ``Agent`` rows say which of
them are its own; everything else is "not found", exactly like a name or an
extension nobody has (``hotline/tenancy.py``).
"""

from __future__ import annotations

from typing import Any

from hotline.center import ContactCenter
from hotline.errors import NotFound
from hotline.models import Agent, Queue, User
from hotline.tenancy import home_tenant_id, scoped


async def queue_names(tenant_id: int) -> set[str]:
    names = await scoped(Queue, tenant_id).values_list("name", flat=True)
    return {str(name) for name in names}


async def agent_extensions(tenant_id: int) -> set[str]:
    extensions = await scoped(Agent, tenant_id).values_list("extension", flat=True)
    return {str(extension) for extension in extensions}


async def queue_statuses(center: ContactCenter, tenant_id: int) -> list[dict[str, Any]]:
    """The live status of each of the tenant's queues the ACD runs."""
    own = await queue_names(tenant_id)
    statuses = (center.queue_status(name) for name in center.queue_names() if name in own)
    return [status for status in statuses if status is not None]


async def queue_status(center: ContactCenter, tenant_id: int, name: str) -> dict[str, Any]:
    status = center.queue_status(name) if name in await queue_names(tenant_id) else None
    if status is None:
        raise NotFound(f"no queue {name!r}")
    return status


async def agent_statuses(center: ContactCenter, tenant_id: int) -> list[dict[str, Any]]:
    own = await agent_extensions(tenant_id)
    return [s for s in center.agent_statuses() if str(s.get("extension")) in own]


async def check_agent(tenant_id: int, extension: str) -> None:
    """NotFound unless ``extension`` is an agent of the tenant: checked before
    anything about the agent is read or done."""
    if not await scoped(Agent, tenant_id).filter(extension=extension).exists():
        raise NotFound(f"no agent {extension!r}")


async def check_phone(tenant_id: int, extension: str) -> None:
    """NotFound unless ``extension`` is a phone of the tenant: an agent's, or
    the one a user of the tenant is tied to (a supervisor's, say)."""
    if await scoped(Agent, tenant_id).filter(extension=extension).exists():
        return
    if (
        not extension
        or not await scoped(User, tenant_id).filter(phone_extension=extension).exists()
    ):
        raise NotFound(f"no phone {extension!r}")


async def agent_status(center: ContactCenter, tenant_id: int, extension: str) -> dict[str, Any]:
    await check_agent(tenant_id, extension)
    status = center.agent_status(extension)
    if status is None:
        raise NotFound(f"no agent {extension!r}")
    return status


async def live_calls(center: ContactCenter, tenant_id: int) -> list[dict[str, Any]]:
    """The calls in progress that are the tenant's.

    A call is the tenant's its flow runs for (``tenant_id``, set by the
    contact center for a call with a flow: a DID's or a test call's);
    without one, the tenant's whose queue it waits in or is connected from
    (a caller adopted after a restart); with neither, the home tenant's (as
    call records without a tenant are, ``hotline/calls.py``).  The tenant id
    itself is not shown.
    """
    home = await home_tenant_id()
    own_queues = await queue_names(tenant_id)
    result = []
    for call in center.live_calls():
        shown = {key: value for key, value in call.items() if key != "tenant_id"}
        owner = call.get("tenant_id")
        if owner is not None:
            mine = owner == tenant_id
        elif call.get("queue"):
            mine = call["queue"] in own_queues
        else:
            mine = tenant_id == home
        if mine:
            result.append(shown)
    return result
