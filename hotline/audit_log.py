"""Reading the audit log: filters, pages, pretty before/after and a compact diff.

The log is append-only (``AuditEntry.save``/``delete`` refuse changes);
nothing here writes to it (the web does, ``admin_ui/web/audit.py``).  The
/audit pages (``admin_ui/audit``) show what this finds.

Each tenant reads its own rows (``AuditEntry.tenant_id``); rows of no tenant
(from before tenants, or PSTN-side) are the home tenant's
(``hotline/tenancy.py``, SHARED_WHEN_NULL).  Another tenant's entry is "not
found", like a missing one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from tortoise.queryset import QuerySet

from hotline.errors import NotFound
from hotline.models import AuditEntry
from hotline.tenancy import home_tenant_id, owned_or_unowned

PER_PAGE = 50
FILTER_FIELDS = ("user", "action", "object_type", "date_from", "date_to")


@dataclass(frozen=True)
class AuditFilters:
    """The query string as typed; ``errors`` names fields that were ignored and why."""

    user: str = ""
    action: str = ""
    object_type: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    errors: Mapping[str, str] = field(default_factory=dict)  # field -> i18n key

    def query(self, page: int | None = None) -> str:
        """The query string for a link: the filters, and a page."""
        values = {name: getattr(self, name) for name in FILTER_FIELDS if getattr(self, name)}
        if (page or self.page) > 1:
            values["page"] = str(page or self.page)
        return urlencode(values)


@dataclass(frozen=True)
class DiffLine:
    key: str
    before: str  # compact JSON, "" when absent
    after: str
    kind: str  # "added", "removed" or "changed"


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str  # UTC, "YYYY-MM-DD HH:MM:SS"
    username: str
    ip: str
    source: str
    action: str
    object_type: str
    object_id: str
    before_json: str
    after_json: str
    diff: tuple[DiffLine, ...]


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    page: int
    pages: int
    total: int


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def parse_filters(params: Mapping[str, str]) -> AuditFilters:
    values = {name: str(params.get(name, "")).strip() for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    for name in ("date_from", "date_to"):
        if values[name] and _date(values[name]) is None:
            errors[name] = "audit.error.date"
    start, end = _date(values["date_from"]), _date(values["date_to"])
    if start and end and end < start:
        errors["date_to"] = "audit.error.date_order"
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    return AuditFilters(**values, page=page, errors=errors)


def _pretty(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff(before: Any, after: Any) -> tuple[DiffLine, ...]:
    """Top-level keys that differ; non-objects compare as one value."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        lines = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                lines.append(DiffLine(key, _compact(old[key]), "", "removed"))
            elif key not in old:
                lines.append(DiffLine(key, "", _compact(new[key]), "added"))
            elif old[key] != new[key]:
                lines.append(DiffLine(key, _compact(old[key]), _compact(new[key]), "changed"))
        return tuple(lines)
    if before == after:
        return ()
    return (DiffLine("", "" if before is None else _compact(before), _compact(after), "changed"),)


def _row(entry: AuditEntry) -> AuditRow:
    at = entry.at
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return AuditRow(
        id=entry.id,
        at=at.strftime("%Y-%m-%d %H:%M:%S"),
        username=entry.username,
        ip=entry.ip,
        source=entry.source,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        before_json=_pretty(entry.before),
        after_json=_pretty(entry.after),
        diff=diff(entry.before, entry.after),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def visible_entries(tenant_id: int) -> QuerySet[AuditEntry]:
    """The rows ``tenant_id`` may read: its own, plus those of no tenant for the home tenant."""
    if tenant_id == await home_tenant_id():
        return owned_or_unowned(AuditEntry, tenant_id)
    return AuditEntry.filter(tenant_id=tenant_id)


async def search(filters: AuditFilters, tenant_id: int, per_page: int = PER_PAGE) -> AuditPage:
    query = await visible_entries(tenant_id)
    if filters.user:
        query = query.filter(username=filters.user)
    if filters.action:
        query = query.filter(action=filters.action)
    if filters.object_type:
        query = query.filter(object_type=filters.object_type)
    start = None if "date_from" in filters.errors else _date(filters.date_from)
    end = None if "date_to" in filters.errors else _date(filters.date_to)
    if start:
        query = query.filter(at__gte=_day_start(start))
    if end:  # the whole "to" day is included
        query = query.filter(at__lt=_day_start(end + timedelta(days=1)))
    total = await query.count()
    pages = max(1, math.ceil(total / per_page))
    page = min(filters.page, pages)
    entries = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    return AuditPage(tuple(_row(entry) for entry in entries), page, pages, total)


async def filter_options(tenant_id: int) -> dict[str, list[str]]:
    """Values seen in the tenant's log, for the filter drop-downs."""
    visible = await visible_entries(tenant_id)

    async def distinct(column: str) -> list[str]:
        query = visible.distinct().order_by(column)
        values = await query.values_list(column, flat=True)
        return sorted({str(value) for value in values})

    return {
        "users": await distinct("username"),
        "actions": await distinct("action"),
        "object_types": await distinct("object_type"),
    }


async def entry(entry_id: str, tenant_id: int) -> AuditRow:
    visible = await visible_entries(tenant_id)
    try:
        found = await visible.get_or_none(id=int(entry_id))
    except ValueError:
        found = None
    if found is None:
        raise NotFound(f"no audit entry {entry_id!r}")
    return _row(found)
