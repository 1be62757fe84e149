"""Pre-publish review of a flow: every problem, each naming its node.

Checks and their stable codes:

* ``invalid_flow``: the document is not a ``{"start", "nodes"}`` graph;
* ``invalid_node_id``: a node id is not 1 to 64 ASCII letters, digits, ``_``
  or ``-`` (``NODE_ID_RE``).  Ids become path segments of the editor's
  forms (``/flows/1/nodes/<id>``), so ``../../users/2/activate`` would send
  an admin's Save, with their CSRF token, to another page; saving a draft
  refuses such ids outright (``ari_apps.ivr.services.put_draft``);
* ``unknown_kind`` / ``invalid_config``: a node does not parse;
* ``missing_start``: ``start`` names no node;
* ``dangling_edge``: an edge points to a node that does not exist;
* ``unreachable_node``: no path from ``start`` (edges of nodes that failed to
  parse are guessed from their string values, to avoid false alarms);
* ``unknown_prompt`` / ``unknown_sound``: ``prompt:NAME`` not in
  ``known_prompts``; ``sound:NAME`` not in ``known_sounds`` (only when given);
  media names containing ``${var}`` cannot be checked and are skipped;
* ``unknown_queue``: queue not in ``known_queues`` (only when given);
* ``lookup_host_not_allowed``: an ``http_lookup`` URL's host is not on the
  tenant's allow-list ``lookup_hosts`` (only when given; the message lists
  the allowed entries; see ``lookup_policy.py``);
* ``loop_without_input``: a cycle none of whose nodes waits for the caller
  (``waits_for_caller``: menu, collect, queue); a play node alone does not
  count, as the loop would replay forever without the caller doing anything;
* ``unknown_variable``: ``${x}`` where x is neither builtin, in
  ``known_variables``, nor set by any node of the flow. This is a simple
  "set anywhere" analysis: it does not prove x is set on every path before
  use (unset variables expand to "" at runtime).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import load_flow_document
from ari_apps.ivr.node_external import HttpLookupNode
from ari_apps.ivr.registry import NodeSpec, parse_node
from ari_apps.ivr.templates import BUILTIN_VARIABLES, static_media_name, variables_in
from hotline.lookup_policy import HostAllowList

# Safe as a URL path segment, an HTML id and a CSS selector: no "/", ".",
# "%", "?", "#", quotes or spaces.  The editor has offered exactly this since
# its first version, so every id made there stays valid.
NODE_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def node_id_problem(node_id: object) -> str | None:
    """Why ``node_id`` may not name a node, or None."""
    if isinstance(node_id, str) and NODE_ID_RE.fullmatch(node_id):
        return None
    shown = repr(node_id)[:80]
    return f"node id {shown} is not allowed: use 1 to 64 letters, digits, '_' or '-'"


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Catalogues to check against; ``None`` means "do not check"."""

    known_prompts: frozenset[str] = frozenset()
    known_sounds: frozenset[str] | None = None
    known_queues: frozenset[str] | None = None
    known_variables: frozenset[str] = frozenset()
    lookup_hosts: HostAllowList | None = None


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    node_id: str | None
    code: str
    message: str


def validate_flow(
    data: Mapping[str, Any] | str | bytes, context: ValidationContext | None = None
) -> list[ValidationIssue]:
    """Every problem found in ``data``; an empty list means publishable."""
    context = context or ValidationContext()
    try:
        start, raw_nodes = load_flow_document(data)
    except FlowDefinitionError as error:
        return [ValidationIssue(None, error.code, error.reason)]
    except ValueError:
        return [ValidationIssue(None, "invalid_flow", "the flow is not valid JSON")]

    issues: list[ValidationIssue] = []
    specs: dict[str, NodeSpec] = {}
    graph: dict[str, set[str]] = {}
    for node_id, raw in raw_nodes.items():
        problem = node_id_problem(node_id)
        if problem is not None:
            issues.append(ValidationIssue(node_id, "invalid_node_id", problem))
        try:
            spec = parse_node(node_id, raw)
        except FlowDefinitionError as error:
            issues.append(ValidationIssue(node_id, error.code, error.reason))
            graph[node_id] = {value for value in _strings(raw) if value in raw_nodes}
            continue
        specs[node_id] = spec
        graph[node_id] = set()
        for label, target in spec.edges().items():
            if target in raw_nodes:
                graph[node_id].add(target)
            else:
                message = f"edge {label!r} points to missing node {target!r}"
                issues.append(ValidationIssue(node_id, "dangling_edge", message))

    if isinstance(start, str) and start in raw_nodes:
        reached = _reachable(graph, start)
        for node_id in raw_nodes:
            if node_id not in reached:
                message = f"node {node_id!r} cannot be reached from start {start!r}"
                issues.append(ValidationIssue(node_id, "unreachable_node", message))
    else:
        issues.append(
            ValidationIssue(None, "missing_start", f"start node {start!r} does not exist")
        )

    issues.extend(_catalogue_issues(specs, context))
    issues.extend(_loop_issues(specs))
    issues.extend(_variable_issues(specs, context))
    return issues


def _strings(raw: Any) -> Iterator[str]:
    if isinstance(raw, str):
        yield raw
    elif isinstance(raw, dict):
        for value in raw.values():
            yield from _strings(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from _strings(value)


def _reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    reached = {start}
    frontier = [start]
    while frontier:
        for target in graph.get(frontier.pop(), ()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    return reached


def _catalogue_issues(
    specs: Mapping[str, NodeSpec], context: ValidationContext
) -> Iterator[ValidationIssue]:
    for node_id, spec in specs.items():
        for item in spec.media():
            static = static_media_name(item)
            if static is None:
                continue
            scheme, name = static
            if scheme == "prompt" and name not in context.known_prompts:
                yield ValidationIssue(node_id, "unknown_prompt", f"prompt {name!r} does not exist")
            sounds = context.known_sounds
            if scheme == "sound" and sounds is not None and name not in sounds:
                yield ValidationIssue(node_id, "unknown_sound", f"sound {name!r} does not exist")
        if context.known_queues is not None:
            for queue in sorted(spec.queues() - context.known_queues):
                yield ValidationIssue(node_id, "unknown_queue", f"queue {queue!r} does not exist")
        if context.lookup_hosts is not None and isinstance(spec, HttpLookupNode):
            refusal = context.lookup_hosts.url_refusal(spec.literal_origin())
            if refusal is not None:
                yield ValidationIssue(node_id, "lookup_host_not_allowed", refusal)


def _loop_issues(specs: Mapping[str, NodeSpec]) -> Iterator[ValidationIssue]:
    """One issue per cycle of nodes that never wait for the caller."""
    passive = {
        node_id: {target for target in spec.edges().values() if _is_passive(specs, target)}
        for node_id, spec in specs.items()
        if not spec.waits_for_caller
    }
    # reach[n]: nodes reachable from n through at least one passive edge.
    reach = {
        node_id: set().union(*(_reachable(passive, successor) for successor in successors))
        for node_id, successors in passive.items()
    }
    reported: set[str] = set()
    for node_id in passive:  # document order: the first node of a cycle names it
        if node_id in reported or node_id not in reach[node_id]:
            continue
        cycle = [other for other in passive if other in reach[node_id] and node_id in reach[other]]
        reported.update(cycle)
        message = f"loop without caller input through {', '.join(cycle)}"
        yield ValidationIssue(node_id, "loop_without_input", message)


def _is_passive(specs: Mapping[str, NodeSpec], node_id: str) -> bool:
    spec = specs.get(node_id)
    return spec is not None and not spec.waits_for_caller


def _variable_issues(
    specs: Mapping[str, NodeSpec], context: ValidationContext
) -> Iterator[ValidationIssue]:
    defined = set(BUILTIN_VARIABLES) | set(context.known_variables)
    for spec in specs.values():
        defined |= spec.variables_set()
    for node_id, spec in specs.items():
        used: set[str] = set()
        for template in spec.templates():
            used |= variables_in(template)
        for name in sorted(used - defined):
            message = f"variable {name!r} is used but never set"
            yield ValidationIssue(node_id, "unknown_variable", message)
