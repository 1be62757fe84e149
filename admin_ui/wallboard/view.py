"""The board as the templates show it: figures as text, the chart's series.

Every figure is formatted here once, with "–" for an empty denominator
(METRICS.md), so the page, the big screen and the stream agree.
"""

from __future__ import annotations

import json
from typing import Any, Final

from hotline.metrics.queue_figures import DEFINITIONS, QueueFigures, shown
from hotline.metrics.wallboard import QueueBoard, Wallboard

PARTIAL: Final = "wallboard/_board.html"
# Agents' states in the order the board lists them.
STATE_ORDER: Final = ("ready", "ringing", "on_call", "wrap_up", "not_ready", "logged_out")


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    whole = round(value)
    return f"{whole // 60}:{whole % 60:02d}"


def percent(value: float | None) -> str:
    return shown(value, percent=True)


def _figures(figures: QueueFigures) -> dict[str, str]:
    return {
        "offered": str(figures.offered),
        "answered": str(figures.answered),
        "abandoned": str(figures.abandoned),
        "service_level": percent(figures.service_level),
        "asa": seconds(figures.asa_s),
        "aht": seconds(figures.aht_s),
        "abandon_rate": percent(figures.abandon_rate),
    }


def _queue(board: QueueBoard) -> dict[str, Any]:
    return {
        "name": board.name,
        "waiting": board.waiting_now,
        "callbacks_waiting": board.callbacks_waiting_now,
        "longest_wait": seconds(board.longest_wait_now_s),
        "sl_colour": board.sl_colour,
        "sl_target": f"{board.targets.sl_target * 100:.0f} %",
        "sl_threshold": f"{board.targets.sl_threshold_s:.0f} s",
        "today": _figures(board.today),
        "recent": _figures(board.last_15_min),
    }


def board_context(board: Wallboard) -> dict[str, Any]:
    agents = [
        {
            "state": state,
            "agents": [
                {
                    "extension": agent.extension,
                    "name": agent.name,
                    "reason": agent.reason,
                    "in_state": seconds(agent.in_state_s),
                    "registered": agent.registered,
                }
                for agent in board.agents_by_state.get(state, ())
            ],
        }
        for state in STATE_ORDER
    ]
    series = {
        "labels": [start.strftime("%H:%M") for start in (i.start for i in board.intervals)],
        "offered": [i.offered for i in board.intervals],
        "answered": [i.answered for i in board.intervals],
        "abandoned": [i.abandoned for i in board.intervals],
    }
    return {
        "at": board.at.strftime("%H:%M:%S"),
        "queues": [_queue(queue) for queue in board.queues],
        "totals": _figures(board.totals),
        "agent_groups": agents,
        "abandoned": [
            {
                "call_id": call.call_id,
                "caller": call.caller or "–",
                "queue": call.queue,
                "time": call.entered_at.strftime("%H:%M:%S"),
                "waited": seconds(call.waited_s),
            }
            for call in board.abandoned
        ],
        "series_json": json.dumps(series, separators=(",", ":")),
        "definitions": DEFINITIONS,
    }
