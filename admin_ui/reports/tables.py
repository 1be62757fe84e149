"""The agent, disposition, entry and case reports as the templates show them.

Each cell formatted once, as the PDF and Word documents show it
(``hotline.metrics.documents.text``): rates as percentages, times as m:ss,
"–" for an empty denominator, per-state and per-reason times as "name m:ss"
lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from admin_ui.reports.view import Period
from hotline.metrics import documents
from hotline.metrics.report_kinds import CASE_KINDS, KINDS

# The report pages besides /reports (queues), in the order of their tabs;
# the case report's sections share one tab.
TABLE_KINDS: Final = ("agents", "dispositions", "entries", *CASE_KINDS)
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
        "qa_reviews",
        "qa_score",
    ),
    "dispositions": ("queue", "disposition", "calls", "share"),
    "entries": ("did", "calls", "reached_queue", "dropped_in_ivr", "ivr_drop_rate", "dropped_at"),
    **{kind: KINDS[kind].empty_columns for kind in CASE_KINDS},
}


def cell(column: str, value: Any) -> str:
    return documents.text(column, value)


def table_context(
    kind: str, rows: Sequence[dict[str, Any]], period: Period, error: str | None
) -> dict[str, Any]:
    columns = COLUMNS[kind]
    return {
        "kind": kind,
        "kinds": TABLE_KINDS,
        "case_kinds": CASE_KINDS,
        "period": period,
        "columns": columns,
        "rows": [{c: cell(c, row.get(c)) for c in columns} for row in rows],
        "export_query": period.query(),
        "error": error,
    }
