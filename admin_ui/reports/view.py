"""The report page as the templates show it: the period, the rows as text, the chart.

The form asks for whole days in the site's time zone, "to" included (a
supervisor picks 1 to 30 November, not 1 November to 1 December); the
period is then checked by ``reports.parse_period``, as the API's is.
Every figure is formatted here once: rates as percentages, times as m:ss,
"–" for an empty denominator (METRICS.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from hotline.errors import InvalidRequest
from hotline.metrics import reports
from hotline.metrics.intervals import GRAINS
from hotline.metrics.queue_figures import shown

PARTIAL: Final = "reports/_result.html"
# The table's columns: every figure of the API's contract, in its order.
COUNTS: Final = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "overflowed",
    "callbacks",
    "callbacks_completed",
    "answered_within_sl",
)
RATES: Final = ("service_level", "abandon_rate", "agent_connect_rate", "timely_answer_rate")
TIMES: Final = ("asa_s", "aht_s", "avg_talk_s", "avg_wrap_up_s", "time_to_callback_s")
COLUMNS: Final = (*COUNTS, "overflowed_by_rule", *RATES, *TIMES)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    since: datetime
    until: datetime
    queue: str
    by: str = ""  # "" (the whole period), or one of intervals.GRAINS

    def query(self) -> str:
        """The form's query string, for the export links."""
        values = {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}
        if self.queue:
            values["queue"] = self.queue
        if self.by:
            values["by"] = self.by
        return urlencode(values)


def period_of(query: Mapping[str, str], zone: ZoneInfo, now: datetime) -> Period:
    """The form's period; today (site time) when a day is left out."""
    today = now.astimezone(zone).date()
    first = reports.day_of("from", query.get("from"), today)
    last = reports.day_of("to", query.get("to"), today)
    since, until = reports.days_period(first, last, zone)
    by = (query.get("by") or "").strip()
    if by and by not in GRAINS:
        raise InvalidRequest(f"'by': one of {list(GRAINS)}", {"field": "by"})
    return Period(first, last, since, until, (query.get("queue") or "").strip(), by)


def chosen(rows: Sequence[dict[str, Any]], queue: str) -> list[dict[str, Any]]:
    """The rows of the chosen queue, or all of them."""
    return [row for row in rows if not queue or row["queue"] == queue]


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    whole = round(value)
    return f"{whole // 60}:{whole % 60:02d}"


def _by_rule(value: Mapping[str, int] | None) -> str:
    if not value:
        return "–"
    return ", ".join(f"{rule} {count}" for rule, count in sorted(value.items()))


def shown_row(row: Mapping[str, Any]) -> dict[str, str]:
    cells = {name: shown(row.get(name)) for name in COUNTS}
    cells.update({name: shown(row.get(name), percent=True, digits=1) for name in RATES})
    cells.update({name: seconds(row.get(name)) for name in TIMES})
    cells["overflowed_by_rule"] = _by_rule(row.get("overflowed_by_rule"))
    period = str(row.get("period") or "")
    # A grouped row's period, as its local start: "2026-12-05 09:15".
    shown_period = period[:16].replace("T", " ") if period else ""
    return {"queue": str(row["queue"]), "period": shown_period, **cells}


def result_context(
    all_rows: Sequence[dict[str, Any]], period: Period, error: str | None = None
) -> dict[str, Any]:
    rows = chosen(all_rows, period.queue)
    series = {
        "labels": [
            f"{shown['period']} {row['queue']}".strip()
            for row, shown in zip(rows, (shown_row(r) for r in rows), strict=True)
        ],
        "offered": [row["offered"] for row in rows],
        "answered": [row["answered"] for row in rows],
        "abandoned": [row["abandoned"] for row in rows],
    }
    return {
        "period": period,
        "queues": sorted({row["queue"] for row in all_rows}),
        "grains": GRAINS,
        "rows": [shown_row(row) for row in rows],
        "columns": COLUMNS,
        "series_json": json.dumps(series, ensure_ascii=False, separators=(",", ":")),
        "export_query": period.query(),
        "error": error,
    }
