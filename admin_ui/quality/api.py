"""/api/v1/quality: the reviews and the month's QA scores per agent, for
a performance or payroll system (WO-30 takes the QA score per agent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.quality.http import month_bounds
from admin_ui.web.openapi_ops import operation
from hotline.quality import services


def _month(request: Request) -> tuple[str, datetime, datetime]:
    settings = getattr(request.app.state, "settings", None)
    zone = ZoneInfo(settings.site_timezone if settings is not None else "UTC")
    month = request.query_params.get("month") or datetime.now(zone).strftime("%Y-%m")
    since, until = month_bounds(month, zone)
    return month, since, until


async def list_reviews(request: Request) -> Response:
    principal = await require(request, "view")
    month, since, until = _month(request)
    rows = await services.listed(
        principal.tenant_id,
        agent=request.query_params.get("agent") or None,
        state=request.query_params.get("state") or None,
        since=since,
        until=until,
    )
    return JSONResponse({"month": month, "reviews": rows})


async def quality_report(request: Request) -> Response:
    principal = await require(request, "view")
    month, since, until = _month(request)
    rows = await services.report(principal.tenant_id, since, until)
    return JSONResponse({"month": month, "agents": rows})


ROUTES = [
    Route("/quality/reviews", list_reviews),
    Route("/reports/quality", quality_report),
]

_MONTH = " ?month=YYYY-MM (the site's time; this month by default)"
OPENAPI_PATHS: dict[str, Any] = {
    "/quality/reviews": {
        "get": operation(
            "Quality reviews (质检) of calls in the month: {month, reviews: [{id, call_id,"
            " agent, state (pending, scored, appealed, final), score, tags, comment,"
            " inspector, call_started_at, scored_at, appeal_reason, decision,"
            " decision_note}]}; ?agent=, ?state=;" + _MONTH
        ),
    },
    "/reports/quality": {
        "get": operation(
            "The month's QA figures per agent: {month, agents: [{agent, sampled, scored,"
            " qa_score (average % of the scored reviews; null without one), lowest, appeals,"
            " top_tags}]};" + _MONTH
        ),
    },
}
