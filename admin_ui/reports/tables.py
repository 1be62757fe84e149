"""The agent, disposition and entry reports as the templates show them.

Each cell formatted once: rates as percentages, times as m:ss, "–" for an
empty denominator, per-state and per-reason times as "name m:ss" lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from admin_ui.reports.view import Period, seconds
from hotline.metrics.queue_figures import shown

# The report pages besides /reports (queues), in the order of their tabs.
TABLE_KINDS: Final = ("agents", "dispositions", "entries")
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "agents": (
        "agent",
        "name",
        "calls",
        "talk_s",
        "avg_talk_s",
        "wrap_up_s",
        "aht_s",
        "logged_in_s",
        "seconds_in_state",
        "not_ready_by_reason",
        "occupancy",
        "utilisation",
        "rated",
        "csat",
    ),
    "dispositions": ("queue", "disposition", "calls", "share"),
    "entries": ("did", "calls", "reached_queue", "dropped_in_ivr", "ivr_drop_rate", "dropped_at"),
}
_RATES: Final = frozenset(
    {
        "occupancy",
        "utilisation",
        "csat",
        "share",
        "ivr_drop_rate",
        "service_level",
        "abandon_rate",
        "agent_connect_rate",
        "timely_answer_rate",
    }
)
_TIMES: Final = frozenset(
    {"talk_s", "avg_talk_s", "wrap_up_s", "aht_s", "logged_in_s", "asa_s", "avg_wrap_up_s"}
)
_TIME_LISTS: Final = frozenset({"seconds_in_state", "not_ready_by_reason"})


def cell(column: str, value: Any) -> str:
    if column in _RATES:
        return shown(value, percent=True, digits=1)
    if column in _TIMES:
        return seconds(value)
    if column == "period" and isinstance(value, str):
        return value[:16].replace("T", " ")
    if column in _TIME_LISTS or column == "overflowed_by_rule":
        if not isinstance(value, Mapping) or not value:
            return "–"
        return ", ".join(f"{name} {seconds(v)}" for name, v in sorted(value.items()))
    if value is None or value == "":
        return "–"
    return str(value)


def table_context(
    kind: str, rows: Sequence[dict[str, Any]], period: Period, error: str | None
) -> dict[str, Any]:
    columns = COLUMNS[kind]
    return {
        "kind": kind,
        "kinds": TABLE_KINDS,
        "period": period,
        "columns": columns,
        "rows": [{c: cell(c, row.get(c)) for c in columns} for row in rows],
        "export_query": period.query(),
        "error": error,
    }
