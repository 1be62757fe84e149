"""The flow drawn as boxes and arrows (server-rendered SVG), from the draft.

Layout is by distance from the start node: column = breadth-first depth,
row = order of discovery.  Unreachable nodes get a last column so they are
visible (they are also flagged by validation).  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.registry import parse_node

BOX_W: Final = 150
BOX_H: Final = 46
GAP_X: Final = 70
GAP_Y: Final = 24
MARGIN: Final = 16


@dataclass(frozen=True, slots=True)
class Box:
    node_id: str
    kind: str
    label: str
    x: int
    y: int
    is_start: bool
    has_issues: bool

    @property
    def anchor(self) -> str:
        """The fragment of the node's card, the id percent-encoded ("/" too)."""
        return "node-" + quote(self.node_id, safe="")


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str
    target: str
    label: str
    x1: int
    y1: int
    x2: int
    y2: int
    dangling: bool


@dataclass(frozen=True, slots=True)
class Graph:
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    width: int
    height: int


def node_edges(node_id: str, raw: Any, node_ids: frozenset[str]) -> dict[str, str]:
    """Outgoing edges of one node; a node that does not parse gets guessed ones."""
    try:
        return dict(parse_node(node_id, raw).edges())
    except FlowDefinitionError:
        # Same guess as validation: any string value naming a node is an edge.
        return {f"?{index}": value for index, value in enumerate(_node_strings(raw, node_ids))}


def _node_strings(raw: Any, node_ids: frozenset[str]) -> Iterator[str]:
    if isinstance(raw, str):
        if raw in node_ids:
            yield raw
    elif isinstance(raw, dict):
        for key, value in raw.items():
            if key not in ("kind", "label", "description", "ui"):
                yield from _node_strings(value, node_ids)
    elif isinstance(raw, list):
        for value in raw:
            yield from _node_strings(value, node_ids)


def _columns(start: str, edges: Mapping[str, dict[str, str]]) -> dict[str, int]:
    column = {start: 0} if start in edges else {}
    frontier = list(column)
    while frontier:
        following: list[str] = []
        for node_id in frontier:
            for target in edges[node_id].values():
                if target in edges and target not in column:
                    column[target] = column[node_id] + 1
                    following.append(target)
        frontier = following
    last = max(column.values(), default=-1) + 1
    for node_id in edges:
        column.setdefault(node_id, last)
    return column


def layout(draft: Any, issue_nodes: frozenset[str] = frozenset()) -> Graph:
    nodes: dict[str, Any] = {}
    start = ""
    if isinstance(draft, dict):
        raw_nodes = draft.get("nodes")
        nodes = raw_nodes if isinstance(raw_nodes, dict) else {}
        raw_start = draft.get("start")
        start = raw_start if isinstance(raw_start, str) else ""
    node_ids = frozenset(nodes)
    edges = {node_id: node_edges(node_id, raw, node_ids) for node_id, raw in nodes.items()}
    columns = _columns(start, edges)
    rows: dict[int, int] = {}
    position: dict[str, tuple[int, int]] = {}
    boxes: list[Box] = []
    for node_id in sorted(nodes, key=lambda n: (columns[n], list(nodes).index(n))):
        column = columns[node_id]
        row = rows.get(column, 0)
        rows[column] = row + 1
        x = MARGIN + column * (BOX_W + GAP_X)
        y = MARGIN + row * (BOX_H + GAP_Y)
        position[node_id] = (x, y)
        raw = nodes[node_id] if isinstance(nodes[node_id], dict) else {}
        boxes.append(
            Box(
                node_id=node_id,
                kind=str(raw.get("kind", "?")),
                label=str(raw.get("label", "")),
                x=x,
                y=y,
                is_start=node_id == start,
                has_issues=node_id in issue_nodes,
            )
        )
    arrows: list[Arrow] = []
    for source, outgoing in edges.items():
        sx, sy = position[source]
        for label, target in outgoing.items():
            if target in position:
                tx, ty = position[target]
                arrows.append(
                    Arrow(
                        source,
                        target,
                        label,
                        sx + BOX_W,
                        sy + BOX_H // 2,
                        tx,
                        ty + BOX_H // 2,
                        False,
                    )
                )
            else:
                x1, y1 = sx + BOX_W, sy + BOX_H // 2
                arrows.append(Arrow(source, target, label, x1, y1, x1 + GAP_X // 2, y1, True))
    columns_used = max(columns.values(), default=0) + 1
    rows_used = max(rows.values(), default=1)
    return Graph(
        boxes=tuple(boxes),
        arrows=tuple(arrows),
        width=2 * MARGIN + columns_used * (BOX_W + GAP_X),
        height=2 * MARGIN + rows_used * (BOX_H + GAP_Y),
    )
