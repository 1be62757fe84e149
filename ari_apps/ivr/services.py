"""Flow service: drafts, validation and publishing of versioned IVR flows.

Only published versions run; each publish freezes the draft as a new
FlowVersion, and a call keeps the version it started with.  A draft is
saved even when invalid (nothing typed is lost), with one exception: node
ids outside ``NODE_ID_RE`` are refused on every save, naming the node,
because ids become URL path segments in the editor's forms.  A flow is
validated against its own tenant's catalogues, the ``http_lookup`` host
allow-list included.

Every function that reads or changes a flow, its versions or its DIDs takes
the ``tenant_id`` of the caller (the signed-in user's or the API token's):
another tenant's flow is "not found", exactly like a missing one, and the
queues a flow may name are its own tenant's only.  DIDs are one numbering
plan across tenants (a number rings one flow), so assigning a number
another tenant holds is refused without saying whose it is.
"""

from __future__ import annotations

import copy
from typing import Any

from ari_apps.ivr.validation import (
    ValidationContext,
    ValidationIssue,
    node_id_problem,
    validate_flow,
)
from hotline import lookup_hosts
from hotline.calendars import UnknownCalendar, resolve_calendars
from hotline.errors import Conflict, FlowInvalid, InvalidRequest, NotFound
from hotline.models import Did, Flow, FlowVersion, Queue, Tenant
from hotline.models_prompts import Prompt
from hotline.seed import publish_version
from hotline.sounds import known_sounds
from hotline.tenancy import get_scoped, scoped


class NodeIdRejected(InvalidRequest):
    """A draft names a node with an id that is not allowed; nothing was saved."""

    error_id = "invalid-node-id"

    def __init__(self, node_id: object, problem: str) -> None:
        shown = node_id if isinstance(node_id, str) else repr(node_id)
        super().__init__(problem, {"node_id": shown[:80], "field": "nodes"})
        self.node_id = shown


def check_node_ids(draft: Any) -> None:
    """NodeIdRejected naming the first node whose id is not allowed."""
    nodes = draft.get("nodes") if isinstance(draft, dict) else None
    for node_id in nodes if isinstance(nodes, dict) else ():
        problem = node_id_problem(node_id)
        if problem is not None:
            raise NodeIdRejected(node_id, problem)


async def validation_context(tenant_id: int) -> ValidationContext:
    """What a flow of ``tenant_id`` may name: its own tenant's queues and prompts only.

    Sounds are the installation's.  Calendars are the tenant's too; they are
    resolved (by ``check_flow``) before this context is used.
    """
    queues = await scoped(Queue, tenant_id).values_list("name", flat=True)
    prompts = await scoped(Prompt, tenant_id).values_list("name", flat=True)
    return ValidationContext(
        known_queues=frozenset(str(name) for name in queues),
        known_sounds=known_sounds(),
        known_prompts=frozenset(str(name) for name in prompts),
        lookup_hosts=await lookup_hosts.allow_list(tenant_id),
    )


async def check_flow(definition: Any, tenant_id: int) -> list[ValidationIssue]:
    """Validate a definition as it would run: the tenant's named calendars filled in first."""
    if isinstance(definition, dict):
        try:
            definition = await resolve_calendars(definition, tenant_id=tenant_id)
        except UnknownCalendar as error:
            return [ValidationIssue(error.details.get("node"), "unknown_calendar", error.message)]
    return validate_flow(definition, await validation_context(tenant_id))


def _issues_json(issues: list[ValidationIssue]) -> list[dict[str, Any]]:
    return [
        {"node_id": issue.node_id, "code": issue.code, "message": issue.message} for issue in issues
    ]


async def _flow(flow_id: int, tenant_id: int) -> Flow:
    """The tenant's flow; another tenant's is as missing as one that never was."""
    return await get_scoped(Flow, tenant_id, f"flow {flow_id}", id=flow_id)


async def list_flows(tenant_id: int) -> list[dict[str, Any]]:
    result = []
    for flow in await scoped(Flow, tenant_id).order_by("id"):
        version = (
            await scoped(FlowVersion, tenant_id).get_or_none(id=flow.published_version_id)
            if flow.published_version_id
            else None
        )
        result.append(
            {
                "id": flow.id,
                "name": flow.name,
                "published_version": version.version if version else None,
                "updated_at": flow.updated_at.isoformat(),
            }
        )
    return result


async def get_flow(flow_id: int, *, tenant_id: int) -> dict[str, Any]:
    flow = await _flow(flow_id, tenant_id)
    versions = await scoped(FlowVersion, tenant_id).filter(flow=flow).order_by("version")
    return {
        "id": flow.id,
        "name": flow.name,
        "draft": flow.draft,
        "published_version_id": flow.published_version_id,
        "versions": [
            {
                "id": v.id,
                "version": v.version,
                "published_at": v.published_at.isoformat(),
                "published_by": v.published_by,
                "live": v.id == flow.published_version_id,
            }
            for v in versions
        ],
    }


async def put_draft(flow_id: int, draft: Any, *, tenant_id: int) -> dict[str, Any]:
    flow = await _flow(flow_id, tenant_id)
    if not isinstance(draft, dict):
        raise InvalidRequest("a flow draft must be a JSON object with 'start' and 'nodes'")
    check_node_ids(draft)
    flow.draft = draft
    await flow.save(update_fields=["draft", "updated_at"])
    # Drafts may be invalid; saving never loses work.  Publish is the gate.
    issues = await check_flow(draft, tenant_id)
    return {"id": flow.id, "saved": True, "issues": _issues_json(issues)}


async def validate_draft(flow_id: int, *, tenant_id: int) -> dict[str, Any]:
    flow = await _flow(flow_id, tenant_id)
    issues = await check_flow(flow.draft, tenant_id)
    return {"valid": not issues, "issues": _issues_json(issues)}


async def publish(flow_id: int, published_by: str, *, tenant_id: int) -> dict[str, Any]:
    flow = await _flow(flow_id, tenant_id)
    issues = await check_flow(flow.draft, tenant_id)
    if issues:
        first = issues[0]
        where = f"node {first.node_id!r}" if first.node_id else "flow"
        raise FlowInvalid(
            f"cannot publish: {where}: {first.message}", {"issues": _issues_json(issues)}
        )
    version = await publish_version(flow, flow.draft, published_by)
    return {"id": flow.id, "version": version.version, "version_id": version.id}


async def published_definition(version_id: int) -> dict[str, Any]:
    """The definition of a version, by its id, unscoped.

    Only for ids the caller already got through its tenant: the editor passes
    the ``published_version_id`` of a flow read with ``get_flow`` (scoped).
    Calls do not come here (``ari_apps/ivr/routes.py`` goes DID -> flow ->
    its published version).  Do not pass it an id taken from a request.
    """
    version = await FlowVersion.get_or_none(id=version_id)
    if version is None:
        raise NotFound(f"no flow version {version_id}")
    definition: dict[str, Any] = version.definition
    return definition


# A new flow starts from the smallest publishable graph: it answers and hangs up.
MINIMAL_DRAFT: dict[str, Any] = {
    "start": "goodbye",
    "nodes": {"goodbye": {"kind": "hangup", "media": ["sound:vm-goodbye"]}},
}


async def create_flow(
    name: str, draft: dict[str, Any] | None = None, *, tenant_id: int
) -> dict[str, Any]:
    """A new, unpublished flow of ``tenant_id`` (names are unique per tenant)."""
    name = name.strip()
    if not name:
        raise InvalidRequest("a flow needs a name", {"field": "name"})
    tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        raise NotFound("no tenant")
    if await scoped(Flow, tenant_id).filter(name=name).exists():
        raise Conflict(f"a flow named {name!r} already exists", {"field": "name"})
    check_node_ids(draft)
    flow = await Flow.create(tenant=tenant, name=name, draft=copy.deepcopy(draft or MINIMAL_DRAFT))
    return {"id": flow.id, "name": flow.name}


async def version_definition(flow_id: int, version: int, *, tenant_id: int) -> dict[str, Any]:
    """The frozen definition of one published version (by its number)."""
    flow = await _flow(flow_id, tenant_id)
    found = await scoped(FlowVersion, tenant_id).get_or_none(flow=flow, version=version)
    if found is None:
        raise NotFound(f"flow {flow_id} has no version {version}")
    definition: dict[str, Any] = found.definition
    return definition


async def rollback(
    flow_id: int, version: int, published_by: str, *, tenant_id: int
) -> dict[str, Any]:
    """Publish an old version's definition again, as a NEW version.

    History is never rewritten; the draft is reset to the same definition so
    the next edit starts from what is live.  The old definition is validated
    against today's catalogues (a queue may have been deleted since).
    """
    flow = await _flow(flow_id, tenant_id)
    definition = await version_definition(flow_id, version, tenant_id=tenant_id)
    issues = await check_flow(definition, tenant_id)
    if issues:
        raise FlowInvalid(
            f"cannot roll back to version {version}: {issues[0].message}",
            {"issues": _issues_json(issues)},
        )
    new_version = await publish_version(flow, copy.deepcopy(definition), published_by)
    flow.draft = copy.deepcopy(definition)
    await flow.save(update_fields=["draft", "updated_at"])
    return {"id": flow.id, "version": new_version.version, "version_id": new_version.id}


async def flow_dids(flow_id: int, *, tenant_id: int) -> list[str]:
    flow = await _flow(flow_id, tenant_id)
    numbers = (
        await scoped(Did, tenant_id)
        .filter(flow=flow)
        .order_by("number")
        .values_list("number", flat=True)
    )
    return [str(number) for number in numbers]


async def assign_did(flow_id: int, number: str, *, tenant_id: int) -> None:
    """Route calls to ``number`` into this flow; a DID belongs to one flow only.

    DIDs are one numbering plan, so the check for a taken number is global;
    a number of another tenant is only "not available": neither its flow
    nor its tenant is named.
    """
    flow = await _flow(flow_id, tenant_id)
    number = number.strip()
    if not number.isdigit() or len(number) > 32:
        raise InvalidRequest("a DID is 1 to 32 digits", {"field": "number"})
    existing = await Did.get_or_none(number=number)
    if existing is not None:
        owner = None
        if existing.tenant_id == tenant_id:  # type: ignore[attr-defined]
            owner = await scoped(Flow, tenant_id).get_or_none(
                id=existing.flow_id  # type: ignore[attr-defined]
            )
        if owner is None:
            raise Conflict(f"DID {number} is not available", {"field": "number"})
        if owner.id == flow.id:
            return
        raise Conflict(
            f"DID {number} already belongs to flow {owner.name!r}",
            {"field": "number", "flow_id": owner.id, "flow_name": owner.name},
        )
    await Did.create(number=number, tenant_id=tenant_id, flow=flow)


async def unassign_did(flow_id: int, number: str, *, tenant_id: int) -> None:
    flow = await _flow(flow_id, tenant_id)
    row = await scoped(Did, tenant_id).get_or_none(flow=flow, number=number)
    if row is None:
        raise NotFound(f"DID {number} is not assigned to flow {flow_id}")
    # An instance delete, so the inbound routing cache hears of it (signals).
    await row.delete()
