"""Saved custom reports (自定义报表): choose a standard report, its columns,
its grouping (the queue report: per interval, day, week or month) and a
filter (a queue, or an agent), save it under a name, and share it with a
role.  Running one runs the standard report (``report_kinds``) for the
period asked and keeps the chosen rows and columns: the figures are the
standard ones, never computed anew (METRICS.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from hotline.errors import InvalidRequest, NotFound
from hotline.metrics import reports
from hotline.metrics.intervals import GRAINS
from hotline.metrics.report_kinds import KINDS
from hotline.models import Role
from hotline.models_reports import SavedReport

# The filter each report's rows can take: the column it matches, always
# shown first.  The case report's overall figures are one row: no filter.
FILTERS: Final[dict[str, str]] = {
    "queues": "queue",
    "agents": "agent",
    "dispositions": "queue",
    "entries": "did",
    "cases_by_category": "category",
    "cases_by_source": "source",
    "cases_by_department": "department",
    "cases_on_time": "department",
    "cases_extensions": "department",
    "cases_follow_ups": "department",
    "cases_steps": "department",
}
MAX_NAME: Final = 80


@dataclass(frozen=True)
class Viewer:
    username: str
    roles: Sequence[str]
    tenant_id: int


def columns_of(kind: str) -> tuple[str, ...]:
    return KINDS[kind].empty_columns


def _check(
    kind: str, name: str, columns: Sequence[str], by: str, filter_value: str
) -> dict[str, Any]:
    if not name.strip() or len(name) > MAX_NAME:
        raise InvalidRequest(f"name: 1 to {MAX_NAME} characters", {"field": "name"})
    if kind not in KINDS:
        raise InvalidRequest(f"kind: one of {sorted(KINDS)}", {"field": "kind"})
    known = columns_of(kind)
    unknown = [c for c in columns if c not in known]
    if unknown or not columns:
        raise InvalidRequest(
            f"columns: choose among {list(known)}; not {unknown}", {"field": "columns"}
        )
    if by and (kind != "queues" or by not in GRAINS):
        raise InvalidRequest(
            f"by: only the queue report groups, per one of {list(GRAINS)}", {"field": "by"}
        )
    # The row's key column always shows, first: a row without it says nothing.
    key = FILTERS.get(kind, "")
    if filter_value.strip() and not key:
        raise InvalidRequest(f"filter: the {kind} report takes none", {"field": "filter"})
    ordered = [*([key] if key else []), *[c for c in known if c in columns and c != key]]
    return {
        "name": name.strip(),
        "kind": kind,
        "columns": ordered,
        "by": by,
        "filters": {key: filter_value.strip()} if filter_value.strip() else {},
    }


async def create(
    viewer: Viewer,
    *,
    name: str,
    kind: str,
    columns: Sequence[str],
    by: str = "",
    filter_value: str = "",
    shared_role: str = "",
) -> SavedReport:
    fields = _check(kind, name, columns, by, filter_value)
    if (
        shared_role
        and not await Role.filter(
            Q(name=shared_role) & (Q(tenant_id=viewer.tenant_id) | Q(tenant_id=None))
        ).exists()
    ):
        raise InvalidRequest(f"shared_role: no role {shared_role!r}", {"field": "shared_role"})
    try:
        return await SavedReport.create(
            tenant_id=viewer.tenant_id,
            owner=viewer.username,
            shared_role=shared_role or None,
            **fields,
        )
    except IntegrityError:
        raise InvalidRequest(
            f"name: a report named {fields['name']!r} exists already", {"field": "name"}
        ) from None


def _visible(viewer: Viewer) -> Q:
    return Q(tenant_id=viewer.tenant_id) & (
        Q(owner=viewer.username) | Q(shared_role__in=list(viewer.roles))
    )


async def visible(viewer: Viewer) -> list[SavedReport]:
    return list(await SavedReport.filter(_visible(viewer)).order_by("name"))


async def get(viewer: Viewer, report_id: int) -> SavedReport:
    report = await SavedReport.filter(_visible(viewer), id=report_id).first()
    if report is None:
        raise NotFound(f"no saved report {report_id}")
    return report


async def delete(viewer: Viewer, report_id: int) -> SavedReport:
    """Only its owner deletes a report (those it is shared with run it)."""
    report = await get(viewer, report_id)
    if report.owner != viewer.username:
        raise InvalidRequest("only its owner deletes a saved report", {"field": "owner"})
    await report.delete()
    return report


def keep(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], filters: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The rows matching the filters, with the chosen columns only (pure)."""
    return [
        {column: row.get(column) for column in columns}
        for row in rows
        if all(str(row.get(field, "")) == value for field, value in filters.items())
    ]


async def run(
    report: SavedReport, since: datetime, until: datetime, now: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    if report.kind == "queues" and report.by:
        rows = await reports.queue_report_by(report.tenant_id, since, until, now, report.by, zone)
        columns = ["period", *report.columns]
    else:
        rows = await KINDS[report.kind].rows(report.tenant_id, since, until, now)
        columns = list(report.columns)
    return keep(rows, columns, report.filters or {})
