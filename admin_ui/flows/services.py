"""Flows feature logic: the editor's view of a draft and every change to it.

Changes go through ``ari_apps.ivr.services`` (the same service the API uses); a
draft may be saved invalid (nothing typed is lost), publishing is the gate,
except for node ids outside ``NODE_ID_RE``: every save refuses them, naming
the node.  A draft stored before that rule may still hold one: its node is
shown (escaped) with its issue but gets no form, since its id would be the
form's path; the JSON editor is where it is renamed.
Each change returns an :class:`Outcome`: the editor to show again, the HTTP
status, and what to write to the audit log.

Everything here works in one tenant (``tenant_id``, the signed-in user's):
another tenant's flow is as unknown as a missing one, the editor offers the
tenant's own queues only, and the ``http_lookup`` allow-list shown and
changed is the tenant's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from admin_ui.flows import graph, node_forms
from ari_apps.ivr import services as flow_service
from ari_apps.ivr.validation import node_id_problem
from hotline import lookup_hosts as lookup_host_service
from hotline.center import ContactCenter
from hotline.errors import Conflict, FlowInvalid, HotlineError, InvalidRequest, NotFound
from hotline.models import Queue, Tenant
from hotline.tenancy import scoped


@dataclass
class Outcome:
    context: dict[str, Any]
    status: int = 200
    # (action, before, after) when something changed and must be audited.
    audit: tuple[str, Any, Any] | None = None
    notice: tuple[str, dict[str, Any]] | None = None


@dataclass
class EditorInput:
    """What the user typed that did not make it into the draft, to show again."""

    node_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    node_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    add_values: dict[str, str] = field(default_factory=dict)
    add_error: str | None = None
    json_text: str | None = None
    json_error: str | None = None
    did_value: str = ""
    did_error: str | None = None
    error: str | None = None
    error_values: dict[str, Any] = field(default_factory=dict)


def parse_id(text: str) -> int:
    """A path id; anything but digits is simply a page that does not exist."""
    if not text.isdigit():
        raise NotFound(f"no flow {text!r}")
    return int(text)


async def flow_rows(tenant_id: int) -> list[dict[str, Any]]:
    rows = await flow_service.list_flows(tenant_id)
    for row in rows:
        row["dids"] = await flow_service.flow_dids(row["id"], tenant_id=tenant_id)
    return rows


async def create_flow(name: str, tenant_id: int) -> dict[str, Any]:
    return await flow_service.create_flow(name, tenant_id=tenant_id)


# -- the http_lookup host allow-list (shown on /flows) -----------------------------------
@dataclass
class HostsOutcome:
    """The list after a change, and the (before, after) to audit, or the error."""

    hosts: list[str]
    audit: tuple[dict[str, Any], dict[str, Any]] | None = None
    error: str | None = None
    typed: str = ""
    status: int = 200


async def _tenant(tenant_id: int) -> Tenant:
    tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        raise NotFound("no tenant")
    return tenant


async def lookup_hosts(tenant_id: int) -> list[str]:
    return await lookup_host_service.entries((await _tenant(tenant_id)).id)


async def add_lookup_hosts(text: str, username: str, tenant_id: int) -> HostsOutcome:
    tenant = await _tenant(tenant_id)
    before = await lookup_host_service.entries(tenant.id)
    try:
        await lookup_host_service.add(tenant, text, username)
    except lookup_host_service.HostRejected as error:
        return HostsOutcome(before, error=error.message, typed=text, status=400)
    after = await lookup_host_service.entries(tenant.id)
    audit = (lookup_host_service.snapshot(before), lookup_host_service.snapshot(after))
    return HostsOutcome(after, audit=audit if after != before else None)


async def remove_lookup_host(entry: str, tenant_id: int) -> HostsOutcome:
    tenant = await _tenant(tenant_id)
    before = await lookup_host_service.entries(tenant.id)
    try:
        await lookup_host_service.remove(tenant, entry)
    except NotFound as error:
        return HostsOutcome(before, error=error.message, status=404)
    after = await lookup_host_service.entries(tenant.id)
    return HostsOutcome(
        after, audit=(lookup_host_service.snapshot(before), lookup_host_service.snapshot(after))
    )


def _draft_nodes(draft: Any) -> dict[str, Any]:
    nodes = draft.get("nodes") if isinstance(draft, dict) else None
    return nodes if isinstance(nodes, dict) else {}


async def editor_context(
    flow_id: int, tenant_id: int, typed: EditorInput | None = None
) -> dict[str, Any]:
    typed = typed or EditorInput()
    flow = await flow_service.get_flow(flow_id, tenant_id=tenant_id)
    draft = flow["draft"]
    issues = (await flow_service.validate_draft(flow_id, tenant_id=tenant_id))["issues"]
    nodes = _draft_nodes(draft)
    by_node: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        if issue["node_id"] is not None:
            by_node.setdefault(issue["node_id"], []).append(issue)
    node_views = []
    for node_id, raw in nodes.items():
        kind = str(raw.get("kind", "")) if isinstance(raw, dict) else ""
        node_views.append(
            {
                "id": node_id,
                # A path segment only for a safe id; an unsafe one gets no form.
                "editable": node_id_problem(node_id) is None,
                "path": quote(str(node_id), safe=""),
                "kind": kind,
                "fields": node_forms.fields_for(kind),
                "values": typed.node_values.get(node_id) or node_forms.node_values(raw),
                "errors": typed.node_errors.get(node_id, {}),
                "issues": by_node.get(node_id, []),
            }
        )
    live = next((v for v in flow["versions"] if v["live"]), None)
    live_definition = (
        # The id comes from the flow read above, through the tenant.
        await flow_service.published_definition(flow["published_version_id"])
        if flow["published_version_id"]
        else None
    )
    return {
        "flow": {
            "id": flow["id"],
            "name": flow["name"],
            "live_version": live["version"] if live else None,
            "versions": len(flow["versions"]),
            "draft_is_live": live_definition == draft,
        },
        "start": draft.get("start") if isinstance(draft, dict) else None,
        "node_ids": list(nodes),
        "nodes": node_views,
        "flow_issues": [issue for issue in issues if issue["node_id"] is None],
        "issue_count": len(issues),
        "graph": graph.layout(draft, frozenset(by_node)),
        "kinds": node_forms.registered_kinds(),
        "digits": node_forms.MENU_DIGITS,
        "digit_field_name": node_forms.digit_field_name,
        "queues": sorted(await scoped(Queue, tenant_id).values_list("name", flat=True)),
        "dids": await flow_service.flow_dids(flow_id, tenant_id=tenant_id),
        "json_text": (
            typed.json_text
            if typed.json_text is not None
            else json.dumps(draft, indent=2, ensure_ascii=False)
        ),
        "typed": typed,
    }


async def _current_draft(flow_id: int, tenant_id: int) -> dict[str, Any]:
    draft = (await flow_service.get_flow(flow_id, tenant_id=tenant_id))["draft"]
    return copy.deepcopy(draft) if isinstance(draft, dict) else {}


async def _save(
    flow_id: int,
    tenant_id: int,
    before: Any,
    after: dict[str, Any],
    action: str,
    json_text: str | None = None,
) -> Outcome:
    try:
        await flow_service.put_draft(flow_id, after, tenant_id=tenant_id)
    except flow_service.NodeIdRejected as error:
        # Nothing saved: the draft (perhaps stored before the rule) names a
        # node whose id could not be a form's path.
        if json_text is not None:
            typed = EditorInput(json_text=json_text, json_error=error.message)
        else:
            values = {"node": error.node_id, "message": error.message}
            typed = EditorInput(error="flows.node_id_refused", error_values=values)
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    return Outcome(await editor_context(flow_id, tenant_id), audit=(action, before, after))


async def save_node(flow_id: int, tenant_id: int, node_id: str, form: Mapping[str, str]) -> Outcome:
    draft = await _current_draft(flow_id, tenant_id)
    nodes = _draft_nodes(draft)
    if node_id not in nodes:
        raise NotFound(f"flow {flow_id} has no node {node_id!r}")
    raw = nodes[node_id]
    kind = str(raw.get("kind", "")) if isinstance(raw, dict) else ""
    values = node_forms.form_values(kind, form)
    node, errors = node_forms.apply_values(raw, kind, values)
    if errors:
        typed = EditorInput(node_values={node_id: values}, node_errors={node_id: errors})
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    before = copy.deepcopy(draft)
    nodes[node_id] = node
    draft["nodes"] = nodes
    return await _save(flow_id, tenant_id, before, draft, "update_node")


async def add_node(flow_id: int, tenant_id: int, node_id: str, kind: str) -> Outcome:
    draft = await _current_draft(flow_id, tenant_id)
    nodes = _draft_nodes(draft)
    node_id = node_id.strip()
    problem = None
    if node_id_problem(node_id) is not None:
        problem = "flows.node_id_invalid"
    elif node_id in nodes:
        problem = "flows.node_id_taken"
    elif kind not in node_forms.registered_kinds():
        problem = "flows.kind_unknown"
    if problem is not None:
        typed = EditorInput(add_values={"node_id": node_id, "kind": kind}, add_error=problem)
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    before = copy.deepcopy(draft)
    nodes[node_id] = node_forms.skeleton(kind)
    draft["nodes"] = nodes
    draft.setdefault("start", node_id)
    return await _save(flow_id, tenant_id, before, draft, "add_node")


async def delete_node(flow_id: int, tenant_id: int, node_id: str) -> Outcome:
    draft = await _current_draft(flow_id, tenant_id)
    nodes = _draft_nodes(draft)
    if node_id not in nodes:
        raise NotFound(f"flow {flow_id} has no node {node_id!r}")
    before = copy.deepcopy(draft)
    del nodes[node_id]
    # Edges into the deleted node stay: validation names each dangling one.
    return await _save(flow_id, tenant_id, before, draft, "delete_node")


async def set_start(flow_id: int, tenant_id: int, node_id: str) -> Outcome:
    draft = await _current_draft(flow_id, tenant_id)
    if node_id not in _draft_nodes(draft):
        typed = EditorInput(error="flows.start_unknown")
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    before = copy.deepcopy(draft)
    draft["start"] = node_id
    return await _save(flow_id, tenant_id, before, draft, "set_start")


async def replace_draft(flow_id: int, tenant_id: int, text: str) -> Outcome:
    """The advanced editor: the whole draft as JSON."""
    before = await _current_draft(flow_id, tenant_id)
    try:
        draft = json.loads(text)
    except ValueError as error:
        typed = EditorInput(json_text=text, json_error=f"not valid JSON: {error}")
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    if not isinstance(draft, dict):
        typed = EditorInput(json_text=text, json_error="the draft must be a JSON object")
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    return await _save(flow_id, tenant_id, before, draft, "update_draft", json_text=text)


async def publish(flow_id: int, tenant_id: int, username: str) -> Outcome:
    try:
        result = await flow_service.publish(flow_id, username, tenant_id=tenant_id)
    except FlowInvalid:
        typed = EditorInput(error="flows.publish_refused")
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=422)
    draft = await _current_draft(flow_id, tenant_id)
    return Outcome(
        await editor_context(flow_id, tenant_id),
        audit=("publish", None, {"version": result["version"], "definition": draft}),
        notice=("flows.published", {"version": result["version"]}),
    )


async def assign_did(flow_id: int, tenant_id: int, number: str) -> Outcome:
    try:
        await flow_service.assign_did(flow_id, number, tenant_id=tenant_id)
    except (InvalidRequest, Conflict) as error:
        typed = EditorInput(did_value=number, did_error=error.message)
        status = 409 if isinstance(error, Conflict) else 400
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=status)
    return Outcome(
        await editor_context(flow_id, tenant_id), audit=("assign_did", None, {"did": number})
    )


async def unassign_did(flow_id: int, tenant_id: int, number: str) -> Outcome:
    await flow_service.unassign_did(flow_id, number, tenant_id=tenant_id)
    return Outcome(
        await editor_context(flow_id, tenant_id), audit=("unassign_did", {"did": number}, None)
    )


async def test_call(
    flow_id: int, tenant_id: int, extension: str | None, center: ContactCenter
) -> Outcome:
    """Ring the user's own phone and run the DRAFT (validated first)."""
    if not extension:
        typed = EditorInput(error="flows.test_call_no_phone")
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=400)
    validation = await flow_service.validate_draft(flow_id, tenant_id=tenant_id)
    if not validation["valid"]:
        typed = EditorInput(error="flows.test_call_refused")
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=422)
    draft = await _current_draft(flow_id, tenant_id)
    try:
        # The flow's tenant: the test call's record and look-up allow-list are its.
        channel = await center.start_test_call(extension, draft, tenant_id=tenant_id)
    except HotlineError as error:
        typed = EditorInput(error=error.message)
        return Outcome(await editor_context(flow_id, tenant_id, typed), status=error.status_code)
    return Outcome(
        await editor_context(flow_id, tenant_id),
        audit=("test_call", None, {"extension": extension, "channel": channel, "draft": draft}),
        notice=("flows.ringing", {"extension": extension}),
    )
