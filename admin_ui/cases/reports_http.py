"""``/cases/report.xlsx``, ``.pdf`` and ``.docx``: the case report (工单统计报表)
as one file, linked from the ranking (``/cases?view=ranking``) and held to
its permission.

The period: ``?from=&to=`` as whole days in the site's time zone, "to"
included (the ranking's form); without them, the ranking's own period, the
last 30 days up to now, so the file holds the figures the page shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from admin_ui.cases import report_files
from admin_ui.cases.api import DEFAULT_PERIOD, site_timezone
from admin_ui.web.rendering import tenant_of
from hotline.metrics import reports


def period_of(request: Request, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    query = request.query_params
    if not query.get("from") and not query.get("to"):
        return now - DEFAULT_PERIOD, now
    today = now.astimezone(zone).date()
    first = reports.day_of("from", query.get("from"), today)
    last = reports.day_of("to", query.get("to"), today)
    return reports.days_period(first, last, zone)


async def case_report(request: Request) -> Response:
    zone = ZoneInfo(site_timezone(request))
    since, until = period_of(request, zone, datetime.now(UTC))
    file_format = request.url.path.rsplit(".", 1)[-1]
    return await report_files.case_report_file(
        request, tenant_of(request), since, until, file_format, zone
    )
