"""Parsing a flow document into an immutable FlowDefinition (format: see core)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import ari_apps.ivr.nodes  # noqa: F401  (importing registers the built-in kinds)
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.registry import NodeSpec, parse_node

MAX_NODES: Final = 500


def load_flow_document(data: Mapping[str, Any] | str | bytes) -> tuple[Any, dict[str, Any]]:
    """(raw start, raw nodes) of a flow document; raises on a non-graph document."""
    document: Any = json.loads(data) if isinstance(data, str | bytes) else data
    if not isinstance(document, Mapping):
        raise FlowDefinitionError(None, "invalid_flow", "a flow must be a JSON object")
    raw_nodes = document.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        raise FlowDefinitionError(None, "invalid_flow", "'nodes' must be a non-empty object")
    if len(raw_nodes) > MAX_NODES:
        raise FlowDefinitionError(None, "invalid_flow", f"more than {MAX_NODES} nodes")
    return document.get("start"), raw_nodes


@dataclass(frozen=True)
class FlowDefinition:
    start: str
    nodes: Mapping[str, NodeSpec]

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> FlowDefinition:
        """Parse and structurally check a flow; raises FlowDefinitionError.

        Only what the engine needs to run safely is enforced here (valid node
        configs, existing start, no dangling edge); ``validate_flow`` does
        the full pre-publish review.
        """
        start, raw_nodes = load_flow_document(data)
        nodes = {node_id: parse_node(node_id, raw) for node_id, raw in raw_nodes.items()}
        if not isinstance(start, str) or start not in nodes:
            raise FlowDefinitionError(None, "missing_start", f"start node {start!r} does not exist")
        for spec in nodes.values():
            for label, target in spec.edges().items():
                if target not in nodes:
                    reason = f"edge {label!r} points to missing node {target!r}"
                    raise FlowDefinitionError(spec.node_id, "dangling_edge", reason)
        return cls(start=start, nodes=MappingProxyType(nodes))
