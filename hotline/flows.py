"""Flow service: drafts, validation and publishing of versioned IVR flows.

Only published versions run; each publish freezes the draft as a new
FlowVersion, and a call keeps the version it started with.
"""

from __future__ import annotations

from typing import Any

from ari_apps.ivr.validation import ValidationContext, ValidationIssue, validate_flow
from hotline.errors import FlowInvalid, InvalidRequest, NotFound
from hotline.models import Flow, FlowVersion, Queue
from hotline.seed import publish_version
from hotline.sounds import known_sounds


async def validation_context() -> ValidationContext:
    queues = await Queue.all().values_list("name", flat=True)
    return ValidationContext(
        known_queues=frozenset(str(name) for name in queues),
        known_sounds=known_sounds(),
    )


def _issues_json(issues: list[ValidationIssue]) -> list[dict[str, Any]]:
    return [
        {"node_id": issue.node_id, "code": issue.code, "message": issue.message} for issue in issues
    ]


async def _flow(flow_id: int) -> Flow:
    flow = await Flow.get_or_none(id=flow_id)
    if flow is None:
        raise NotFound(f"no flow {flow_id}")
    return flow


async def list_flows() -> list[dict[str, Any]]:
    result = []
    for flow in await Flow.all().order_by("id"):
        version = (
            await FlowVersion.get_or_none(id=flow.published_version_id)
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


async def get_flow(flow_id: int) -> dict[str, Any]:
    flow = await _flow(flow_id)
    versions = await FlowVersion.filter(flow=flow).order_by("version")
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


async def put_draft(flow_id: int, draft: Any) -> dict[str, Any]:
    if not isinstance(draft, dict):
        raise InvalidRequest("a flow draft must be a JSON object with 'start' and 'nodes'")
    flow = await _flow(flow_id)
    flow.draft = draft
    await flow.save(update_fields=["draft", "updated_at"])
    # Drafts may be invalid; saving never loses work.  Publish is the gate.
    issues = validate_flow(draft, await validation_context())
    return {"id": flow.id, "saved": True, "issues": _issues_json(issues)}


async def validate_draft(flow_id: int) -> dict[str, Any]:
    flow = await _flow(flow_id)
    issues = validate_flow(flow.draft, await validation_context())
    return {"valid": not issues, "issues": _issues_json(issues)}


async def publish(flow_id: int, published_by: str) -> dict[str, Any]:
    flow = await _flow(flow_id)
    issues = validate_flow(flow.draft, await validation_context())
    if issues:
        first = issues[0]
        where = f"node {first.node_id!r}" if first.node_id else "flow"
        raise FlowInvalid(
            f"cannot publish: {where}: {first.message}", {"issues": _issues_json(issues)}
        )
    version = await publish_version(flow, flow.draft, published_by)
    return {"id": flow.id, "version": version.version, "version_id": version.id}


async def published_definition(version_id: int) -> dict[str, Any]:
    version = await FlowVersion.get_or_none(id=version_id)
    if version is None:
        raise NotFound(f"no flow version {version_id}")
    definition: dict[str, Any] = version.definition
    return definition
