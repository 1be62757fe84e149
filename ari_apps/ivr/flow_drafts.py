"""Changing a flow's draft a step at a time, as the editor does; publishing it,
or trying it on the user's own phone first.

Every change reads the draft, changes a copy and saves it through
``services.put_draft``, the path the API takes too: a draft may be saved
invalid (nothing typed is lost) and publishing is the gate, except for node
ids outside ``NODE_ID_RE``, which every save refuses naming the node
(``services.NodeIdRejected``).  A draft stored before that rule may still
hold one; replacing the whole draft is how it is renamed.  A saved change
comes back as a :class:`DraftChange` for the audit log; one refused before
anything is saved raises :class:`DraftRefused` with a stable reason word.

Everything works in one tenant (``tenant_id``, the signed-in user's): another
tenant's flow is as unknown as a missing one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ari_apps.ivr import services
from ari_apps.ivr.registry import NODE_KINDS
from ari_apps.ivr.validation import node_id_problem
from hotline.center import ContactCenter
from hotline.errors import FlowInvalid, HotlineError, InvalidRequest, NotFound


@dataclass(frozen=True)
class DraftChange:
    """A saved change, as the audit log records it: its action, the draft before and after."""

    action: str
    before: Any
    after: dict[str, Any]


class DraftRefused(InvalidRequest):
    """Nothing was saved; ``reason`` says why in a stable word (``node_id_taken``...)."""

    error_id = "draft-change-refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, {"reason": reason})
        self.reason = reason


def draft_nodes(draft: Any) -> dict[str, Any]:
    nodes = draft.get("nodes") if isinstance(draft, dict) else None
    return nodes if isinstance(nodes, dict) else {}


async def current_draft(flow_id: int, tenant_id: int) -> dict[str, Any]:
    """A copy of the stored draft, to change; {} when it is not a JSON object."""
    draft = (await services.get_flow(flow_id, tenant_id=tenant_id))["draft"]
    return copy.deepcopy(draft) if isinstance(draft, dict) else {}


async def draft_node(flow_id: int, tenant_id: int, node_id: str) -> Any:
    """The node's JSON as stored (NotFound when the draft has no such node)."""
    nodes = draft_nodes(await current_draft(flow_id, tenant_id))
    if node_id not in nodes:
        raise NotFound(f"flow {flow_id} has no node {node_id!r}")
    return nodes[node_id]


def skeleton(kind: str) -> dict[str, Any]:
    """A new node of ``kind``: just its kind; validation lists what it still needs."""
    return {"kind": kind}


async def _save(
    flow_id: int, tenant_id: int, before: Any, after: dict[str, Any], action: str
) -> DraftChange:
    await services.put_draft(flow_id, after, tenant_id=tenant_id)
    return DraftChange(action, before, after)


async def update_node(
    flow_id: int, tenant_id: int, node_id: str, node: dict[str, Any]
) -> DraftChange:
    """Replace one node's JSON (the editor built it from the node's form)."""
    draft = await current_draft(flow_id, tenant_id)
    nodes = draft_nodes(draft)
    if node_id not in nodes:
        raise NotFound(f"flow {flow_id} has no node {node_id!r}")
    before = copy.deepcopy(draft)
    nodes[node_id] = node
    draft["nodes"] = nodes
    return await _save(flow_id, tenant_id, before, draft, "update_node")


async def add_node(flow_id: int, tenant_id: int, node_id: str, kind: str) -> DraftChange:
    """A new node of a registered kind; the first node of a draft becomes its start."""
    draft = await current_draft(flow_id, tenant_id)
    nodes = draft_nodes(draft)
    problem = node_id_problem(node_id)
    if problem is not None:
        raise DraftRefused("node_id_invalid", problem)
    if node_id in nodes:
        raise DraftRefused("node_id_taken", f"flow {flow_id} already has a node {node_id!r}")
    if kind not in NODE_KINDS:
        raise DraftRefused("kind_unknown", f"there is no node kind {kind!r}")
    before = copy.deepcopy(draft)
    nodes[node_id] = skeleton(kind)
    draft["nodes"] = nodes
    draft.setdefault("start", node_id)
    return await _save(flow_id, tenant_id, before, draft, "add_node")


async def delete_node(flow_id: int, tenant_id: int, node_id: str) -> DraftChange:
    draft = await current_draft(flow_id, tenant_id)
    nodes = draft_nodes(draft)
    if node_id not in nodes:
        raise NotFound(f"flow {flow_id} has no node {node_id!r}")
    before = copy.deepcopy(draft)
    del nodes[node_id]
    # Edges into the deleted node stay: validation names each dangling one.
    return await _save(flow_id, tenant_id, before, draft, "delete_node")


async def set_start(flow_id: int, tenant_id: int, node_id: str) -> DraftChange:
    draft = await current_draft(flow_id, tenant_id)
    if node_id not in draft_nodes(draft):
        raise DraftRefused("start_unknown", f"flow {flow_id} has no node {node_id!r}")
    before = copy.deepcopy(draft)
    draft["start"] = node_id
    return await _save(flow_id, tenant_id, before, draft, "set_start")


async def replace_draft(flow_id: int, tenant_id: int, draft: dict[str, Any]) -> DraftChange:
    """The whole draft at once (the editor's JSON view)."""
    before = await current_draft(flow_id, tenant_id)
    return await _save(flow_id, tenant_id, before, draft, "update_draft")


@dataclass(frozen=True)
class Published:
    version: int
    definition: dict[str, Any]


async def publish_draft(flow_id: int, tenant_id: int, username: str) -> Published:
    """The draft as the flow's new live version (FlowInvalid if validation refuses it)."""
    result = await services.publish(flow_id, username, tenant_id=tenant_id)
    return Published(result["version"], await current_draft(flow_id, tenant_id))


class NoPhoneToRing(InvalidRequest):
    """A test call rings the user's own phone, and the user has none."""

    error_id = "test-call-no-phone"


class DraftCallFailed(HotlineError):
    """The contact center could not start the test call; the message and status are its."""

    error_id = "test-call-failed"

    def __init__(self, cause: HotlineError) -> None:
        super().__init__(cause.message, cause.details)
        self.status_code = cause.status_code


@dataclass(frozen=True)
class DraftCall:
    channel: str
    draft: dict[str, Any]


async def start_test_call(
    flow_id: int, tenant_id: int, extension: str | None, center: ContactCenter
) -> DraftCall:
    """Ring the user's own phone and run the DRAFT, validated first (FlowInvalid if not)."""
    if not extension:
        raise NoPhoneToRing("you have no phone extension to ring")
    validation = await services.validate_draft(flow_id, tenant_id=tenant_id)
    if not validation["valid"]:
        raise FlowInvalid("the draft does not validate", {"issues": validation["issues"]})
    draft = await current_draft(flow_id, tenant_id)
    try:
        # The flow's tenant: the test call's record and look-up allow-list are its.
        channel = await center.start_test_call(extension, draft, tenant_id=tenant_id)
    except HotlineError as error:
        raise DraftCallFailed(error) from error
    return DraftCall(channel, draft)
