"""Deleting a queue, and why it may be refused.

Deleting is refused (409, ``QueueInUse``) while a published flow sends
callers to the queue, another queue overflows into it, or callers are
waiting in it: a supervisor drains a queue (or lets it overflow) before
deleting it, and nobody on hold is moved somewhere they did not expect. A
caller who arrives between that check and the reload is sent through the
queue's overflow rule by the ACD (``QueueRemoved``), so nobody is lost
either way. Calls already connected go on.  The deletion is audited with
what the queue was, and a deleted queue leaves the running ACD at the
``reload_config()`` that follows.

Everything here works in one tenant (``tenant_id``, the signed-in user's):
another tenant's queue or flow is as unknown as a missing one.
"""

from __future__ import annotations

from ari_apps.acd.config import OVERFLOW_QUEUE
from ari_apps.acd.queue_settings import get_queue, snapshot
from ari_apps.acd.settings_edit import Editor
from hotline.errors import Conflict
from hotline.models import Flow, FlowVersion, Queue, QueueMember
from hotline.tenancy import scoped


class QueueInUse(Conflict):
    """A queue that a published flow (or another queue's overflow) still sends
    callers to, or that callers are waiting in right now."""

    error_id = "queue-in-use"

    def __init__(
        self, queue: str, *, flows: list[str], queues: list[str], waiting: int = 0
    ) -> None:
        users = [f"flow {name!r}" for name in flows] + [f"queue {name!r}" for name in queues]
        if waiting:
            users.append(f"{waiting} waiting caller(s)")
        super().__init__(
            f"queue {queue!r} is used by " + ", ".join(users),
            {"queue": queue, "flows": flows, "queues": queues, "waiting": waiting},
        )
        self.queue = queue
        self.flows = flows
        self.queues = queues
        self.waiting = waiting


async def flows_using(tenant_id: int, name: str) -> list[str]:
    """Names of the tenant's flows whose published version has a node sending
    callers to ``name``."""
    flows = (
        await scoped(Flow, tenant_id).filter(published_version_id__not_isnull=True).order_by("name")
    )
    using: list[str] = []
    for flow in flows:
        version = await FlowVersion.get_or_none(id=flow.published_version_id)
        nodes = (version.definition or {}).get("nodes", {}) if version else {}
        if any(isinstance(n, dict) and n.get("queue") == name for n in nodes.values()):
            using.append(flow.name)
    return using


async def delete_queue(editor: Editor, tenant_id: int, name: str) -> None:
    queue = await get_queue(tenant_id, name)
    flows = await flows_using(tenant_id, name)
    if flows:
        raise QueueInUse(name, flows=flows, queues=[])
    # Only the tenant's queues may overflow into its queues (``queue_settings._parse``).
    overflowing = await scoped(Queue, tenant_id).filter(
        overflow_kind=OVERFLOW_QUEUE, overflow_target=name
    )
    if overflowing:
        raise QueueInUse(name, flows=[], queues=sorted(q.name for q in overflowing))
    waiting = (editor.center.queue_status(name) or {}).get("waiting") or []
    if waiting:
        raise QueueInUse(name, flows=[], queues=[], waiting=len(waiting))
    before = await snapshot(queue)
    await QueueMember.filter(queue=queue).delete()
    await queue.delete()
    await editor.audit("delete", "queue", name, before=before, after=None)
    await editor.center.reload_config()
