"""The flow editor's page state: what it shows of a draft, and each change's outcome.

The changes are the flow engine's (``ari_apps.ivr.flow_drafts``, and
``services`` for DIDs); here each becomes an :class:`Outcome`: the editor to
show again (with what was typed and why it was refused, if it was), the HTTP
status, and what to write to the audit log.  A node whose id is not allowed
(stored before the rule) is shown, escaped, with its issue but gets no form,
since its id would be the form's path; the JSON editor is where it is
renamed.  Everything works in the signed-in user's tenant (``tenant_id``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from admin_ui.flows import graph, node_forms
from ari_apps.ivr import flow_drafts, flow_views
from ari_apps.ivr import services as flow_service
from ari_apps.ivr.validation import node_id_problem
from hotline.center import ContactCenter
from hotline.errors import Conflict, FlowInvalid, InvalidRequest


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


async def editor_context(
    flow_id: int, tenant_id: int, typed: EditorInput | None = None
) -> dict[str, Any]:
    typed = typed or EditorInput()
    view = await flow_views.draft_view(flow_id, tenant_id)
    draft = view.draft
    nodes = flow_drafts.draft_nodes(draft)
    by_node: dict[str, list[dict[str, Any]]] = {}
    for issue in view.issues:
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
    return {
        "flow": {
            "id": view.flow_id,
            "name": view.name,
            "live_version": view.live_version,
            "versions": view.version_count,
            "draft_is_live": view.draft_is_live,
        },
        "start": draft.get("start") if isinstance(draft, dict) else None,
        "node_ids": list(nodes),
        "nodes": node_views,
        "flow_issues": [issue for issue in view.issues if issue["node_id"] is None],
        "issue_count": len(view.issues),
        "graph": graph.layout(draft, frozenset(by_node)),
        "kinds": node_forms.registered_kinds(),
        "digits": node_forms.MENU_DIGITS,
        "digit_field_name": node_forms.digit_field_name,
        "queues": view.queues,
        "dids": view.dids,
        "json_text": (
            typed.json_text
            if typed.json_text is not None
            else json.dumps(draft, indent=2, ensure_ascii=False)
        ),
        "typed": typed,
    }


async def _refused(flow_id: int, tenant_id: int, typed: EditorInput, status: int) -> Outcome:
    return Outcome(await editor_context(flow_id, tenant_id, typed), status=status)


async def _saved(
    flow_id: int,
    tenant_id: int,
    change: Awaitable[flow_drafts.DraftChange],
    *,
    json_text: str | None = None,
    shown_if_refused: Callable[[flow_drafts.DraftRefused], EditorInput] | None = None,
) -> Outcome:
    try:
        done = await change
    except flow_drafts.DraftRefused as refused:
        if shown_if_refused is None:
            raise
        return await _refused(flow_id, tenant_id, shown_if_refused(refused), 400)
    except flow_service.NodeIdRejected as error:
        # Nothing saved: the draft (perhaps stored before the rule) names a
        # node whose id could not be a form's path.
        if json_text is not None:
            typed = EditorInput(json_text=json_text, json_error=error.message)
        else:
            values = {"node": error.node_id, "message": error.message}
            typed = EditorInput(error="flows.node_id_refused", error_values=values)
        return await _refused(flow_id, tenant_id, typed, 400)
    audit = (done.action, done.before, done.after)
    return Outcome(await editor_context(flow_id, tenant_id), audit=audit)


async def save_node(flow_id: int, tenant_id: int, node_id: str, form: Mapping[str, str]) -> Outcome:
    raw = await flow_drafts.draft_node(flow_id, tenant_id, node_id)
    kind = str(raw.get("kind", "")) if isinstance(raw, dict) else ""
    values = node_forms.form_values(kind, form)
    node, errors = node_forms.apply_values(raw, kind, values)
    if errors:
        typed = EditorInput(node_values={node_id: values}, node_errors={node_id: errors})
        return await _refused(flow_id, tenant_id, typed, 400)
    return await _saved(
        flow_id, tenant_id, flow_drafts.update_node(flow_id, tenant_id, node_id, node)
    )


async def add_node(flow_id: int, tenant_id: int, node_id: str, kind: str) -> Outcome:
    node_id = node_id.strip()
    values = {"node_id": node_id, "kind": kind}
    return await _saved(
        flow_id,
        tenant_id,
        flow_drafts.add_node(flow_id, tenant_id, node_id, kind),
        shown_if_refused=lambda refused: EditorInput(
            add_values=values, add_error=f"flows.{refused.reason}"
        ),
    )


async def delete_node(flow_id: int, tenant_id: int, node_id: str) -> Outcome:
    return await _saved(flow_id, tenant_id, flow_drafts.delete_node(flow_id, tenant_id, node_id))


async def set_start(flow_id: int, tenant_id: int, node_id: str) -> Outcome:
    return await _saved(
        flow_id,
        tenant_id,
        flow_drafts.set_start(flow_id, tenant_id, node_id),
        shown_if_refused=lambda refused: EditorInput(error=f"flows.{refused.reason}"),
    )


async def replace_draft(flow_id: int, tenant_id: int, text: str) -> Outcome:
    """The advanced editor: the whole draft as JSON."""
    try:
        draft = json.loads(text)
    except ValueError as error:
        typed = EditorInput(json_text=text, json_error=f"not valid JSON: {error}")
        return await _refused(flow_id, tenant_id, typed, 400)
    if not isinstance(draft, dict):
        typed = EditorInput(json_text=text, json_error="the draft must be a JSON object")
        return await _refused(flow_id, tenant_id, typed, 400)
    change = flow_drafts.replace_draft(flow_id, tenant_id, draft)
    return await _saved(flow_id, tenant_id, change, json_text=text)


async def publish(flow_id: int, tenant_id: int, username: str) -> Outcome:
    try:
        published = await flow_drafts.publish_draft(flow_id, tenant_id, username)
    except FlowInvalid:
        return await _refused(flow_id, tenant_id, EditorInput(error="flows.publish_refused"), 422)
    return Outcome(
        await editor_context(flow_id, tenant_id),
        audit=("publish", None, {"version": published.version, "definition": published.definition}),
        notice=("flows.published", {"version": published.version}),
    )


async def assign_did(flow_id: int, tenant_id: int, number: str) -> Outcome:
    try:
        await flow_service.assign_did(flow_id, number, tenant_id=tenant_id)
    except (InvalidRequest, Conflict) as error:
        typed = EditorInput(did_value=number, did_error=error.message)
        status = 409 if isinstance(error, Conflict) else 400
        return await _refused(flow_id, tenant_id, typed, status)
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
    try:
        call = await flow_drafts.start_test_call(flow_id, tenant_id, extension, center)
    except flow_drafts.NoPhoneToRing:
        typed = EditorInput(error="flows.test_call_no_phone")
        return await _refused(flow_id, tenant_id, typed, 400)
    except FlowInvalid:
        return await _refused(flow_id, tenant_id, EditorInput(error="flows.test_call_refused"), 422)
    except flow_drafts.DraftCallFailed as failed:
        return await _refused(
            flow_id, tenant_id, EditorInput(error=failed.message), failed.status_code
        )
    details = {"extension": extension, "channel": call.channel, "draft": call.draft}
    return Outcome(
        await editor_context(flow_id, tenant_id),
        audit=("test_call", None, details),
        notice=("flows.ringing", {"extension": extension}),
    )
