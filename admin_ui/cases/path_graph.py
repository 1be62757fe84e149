"""A case's path as a picture (图形化的流转状况): one lane per department
that held it (the centre first), a bar for each stretch it held the case,
drawn as inline SVG by the page (no script, the CSP allows no inline one).

Built from the history alone: after each action the holders it left
(``holders``) hold the case until the next one; with no department holding
it, the centre does, until it is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

CENTRE: Final = ""
WIDTH: Final = 640
LANE_H: Final = 28
LABEL_W: Final = 120


@dataclass(frozen=True)
class Bar:
    lane: int
    x: float
    width: float
    label: str  # the action that gave the case to this lane


@dataclass(frozen=True)
class PathGraph:
    lanes: tuple[str, ...]  # display names, the centre first
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


def draw(case: dict[str, Any], names: dict[str, str], now: datetime) -> PathGraph:
    history = case["history"]
    if not history:
        return PathGraph((), (), WIDTH, 0, LABEL_W)
    times = [datetime.fromisoformat(entry["at"]) for entry in history]
    start = times[0]
    closed = case["status"] == "closed"
    end = times[-1] if closed else max(now, times[-1])
    span = max((end - start).total_seconds(), 1.0)
    stretches: list[tuple[str, datetime, datetime, str]] = []
    for index, entry in enumerate(history):
        until = times[index + 1] if index + 1 < len(history) else end
        if entry["status"] == "closed":
            continue
        holders = entry["holders"] or [CENTRE]
        for holder in holders:
            stretches.append((holder, times[index], until, entry["action"]))
    order = [CENTRE, *sorted({h for h, *_ in stretches if h != CENTRE})]
    scale = (WIDTH - LABEL_W) / span
    bars = tuple(
        Bar(
            order.index(holder),
            LABEL_W + (begin - start).total_seconds() * scale,
            max(2.0, (until - begin).total_seconds() * scale),
            action,
        )
        for holder, begin, until, action in stretches
    )
    lanes = tuple(
        names.get(code, code) if code else names.get("centre", "centre") for code in order
    )
    return PathGraph(lanes, bars, WIDTH, LANE_H * len(order), LABEL_W)
