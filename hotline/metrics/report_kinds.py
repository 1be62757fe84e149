"""Every standard report by name: what the report pages, their exports and
the API share.  Each gives rows (dicts, METRICS.md's names; null for "–")
for a tenant and a period.

The case report's sections (``hotline/cases/case_reports.py``) are standard
reports too.  The registry imports them, never the other way round: the
cases own their figures (``figures.py``: what "on time" means is the
workflow's business), and this module only lists the reports there are,
as it lists the call reports.  Both are kernel packages, so no layer
contract is bent; the "no-cycles" contract keeps ``hotline.cases`` from
ever importing ``hotline.metrics`` back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from hotline.cases import case_reports
from hotline.metrics import agent_report, call_reports, reports
from hotline.metrics.queue_figures import QueueFigures

Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ReportKind:
    name: str
    rows: Callable[[int, datetime, datetime, datetime], Awaitable[Rows]]
    # The header of a file without rows.
    empty_columns: tuple[str, ...]


async def _dispositions(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    return await call_reports.disposition_report(tenant_id, since, until)


async def _entries(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    return await call_reports.entry_report(tenant_id, since, until)


KINDS: Final[dict[str, ReportKind]] = {
    "queues": ReportKind(
        "queues", reports.queue_report, tuple(reports.queue_row("", QueueFigures()))
    ),
    "agents": ReportKind(
        "agents",
        agent_report.agent_report,
        (
            "agent",
            "name",
            "calls",
            "talk_s",
            "avg_talk_s",
            "wrap_up_s",
            "aht_s",
            "seconds_in_state",
            "not_ready_by_reason",
            "logged_in_s",
            "occupancy",
            "utilisation",
            "surveyed",
            "rated",
            "csat",
            "qa_reviews",
            "qa_score",
        ),
    ),
    "dispositions": ReportKind(
        "dispositions", _dispositions, ("queue", "disposition", "calls", "share")
    ),
    "entries": ReportKind(
        "entries",
        _entries,
        ("did", "calls", "reached_queue", "dropped_in_ivr", "ivr_drop_rate", "dropped_at"),
    ),
    **{
        name: ReportKind(name, section.rows, section.columns)
        for name, section in case_reports.SECTIONS.items()
    },
}
# The case report's sections, in its order.
CASE_KINDS: Final = tuple(case_reports.SECTIONS)
