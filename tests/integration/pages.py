"""Every page of the admin UI, derived from the routes the features contribute.

Why derived: the browser test kept a hand list of pages, and /voicemail
was never added to it when the feature arrived.  A page is any GET route
of ``admin_ui.app.FEATURES`` that needs a signed-in user and no path
parameter; a new feature's pages are then visited without anyone
remembering to.  Pages behind a path parameter are opened with the demo
tenant's data (``SAMPLES``); a sample whose route is gone fails loudly.
"""

from __future__ import annotations

from typing import Final

from admin_ui.app import FEATURES
from admin_ui.cases.report_files import FORMATS as CASE_REPORT_FORMATS
from admin_ui.reports.exports import FORMATS as REPORT_FORMATS
from admin_ui.reports.tables import TABLE_KINDS
from admin_ui.web.routing import PUBLIC, route_permission
from hotline.customers.files import FORMATS as CUSTOMER_FORMATS

# Route path -> the page opened for it, with data ``seed_demo`` creates.
SAMPLES: Final = {
    "/queues/{name}": "/queues/support",
    "/agents/{extension}": "/agents/1001",
    "/voicemail/{box}": "/voicemail/5000",
    "/dialplan/{kind}": "/dialplan/dialplan",
    "/campaigns/{campaign_id:int}": "/campaigns/1",
    "/customers/{customer_id:int}": "/customers/1",
}
# Pages that only show their interesting part for a query.
QUERIES: Final = {"/shifts/planner": "?calls=100,120&aht=180"}
# GET routes that are not pages a person opens.
NOT_PAGES: Final = {
    "/wallboard/stream": "the wallboard's server-sent events",
    "/desk/stream": "the desk's server-sent events",
    "/desk/callbacks": "the desk's callbacks panel alone (htmx refreshes it)",
    "/desk/preview": "the desk's preview-call panel alone (htmx refreshes it)",
    "/desk/phone": "the browser phone's credentials (JSON, browser-phone agents only)",
    "/calls/{call_id}/recording.wav": "a recording's audio",
    **{
        f"/reports/{kind}.{file_format}": "a download (a report as a file)"
        for kind in ("queues", *TABLE_KINDS)
        for file_format in REPORT_FORMATS
    },
    **{
        f"/cases/report.{file_format}": "a download (the case report as one file)"
        for file_format in CASE_REPORT_FORMATS
    },
    "/wallboard/monitor": "the monitoring panel alone (htmx refreshes it)",
    "/wallboard/callback": "the call-back panel alone (htmx refreshes it)",
    "/campaigns/{campaign_id:int}/figures": "a campaign's figures alone (htmx refreshes them)",
    "/campaigns/{campaign_id:int}/rejected.csv": "a download (an import's rejected rows)",
    "/campaigns/{campaign_id:int}/attempts.{file_format:str}": "a download (the attempts)",
    "/callbacks/lists": "the callback lists alone (htmx refreshes them)",
    "/cases/notices": "the case notices alone (htmx loads them, SSE refreshes them)",
    "/cases/notices/stream": "the case notices' server-sent events",
    "/knowledge/search": "the knowledge search's results alone (htmx swaps them in as one types)",
    **{
        f"/customers/export.{file_format}": "a download (the customer records as a file)"
        for file_format in CUSTOMER_FORMATS
    },
}


def admin_pages() -> list[str]:
    """Paths (with any query) of every admin page, in navigation order."""
    pages: list[str] = []
    sampled: set[str] = set()
    for feature in FEATURES:
        for route in feature.routes:
            if "GET" not in (route.methods or ()) or route_permission(route) == PUBLIC:
                continue
            if route.path in NOT_PAGES:
                continue
            if "{" not in route.path:
                pages.append(route.path + QUERIES.get(route.path, ""))
            elif route.path in SAMPLES:
                pages.append(SAMPLES[route.path])
                sampled.add(route.path)
    missing = set(SAMPLES) - sampled
    if missing:
        raise LookupError(f"samples for routes that no longer exist: {sorted(missing)}")
    return pages


def page_path(page: str) -> str:
    """The path of a page, without its query: what a navigation link points at."""
    return page.partition("?")[0]
