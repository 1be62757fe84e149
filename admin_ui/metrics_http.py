"""``GET /metrics``: Prometheus text (hotline/metrics/prometheus.py).

It spans every tenant's queues, so it is the platform operator's: a bearer
token (an API token, as Prometheus' ``authorization`` setting sends it) of
the home tenant with the ``view`` action.  Another tenant's token is refused
like a missing page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from admin_ui.auth import require
from hotline.center import ContactCenter
from hotline.metrics.prometheus import CONTENT_TYPE, exposition
from hotline.tenancy import home_tenant_id


async def metrics(request: Request) -> Response:
    principal = await require(request, "view")
    if principal.tenant_id != await home_tenant_id():
        raise HTTPException(status_code=404)
    center: ContactCenter = request.app.state.center
    settings = getattr(request.app.state, "settings", None)
    zone = ZoneInfo(settings.site_timezone if settings is not None else "UTC")
    body = await exposition(center, zone, datetime.now(UTC))
    return Response(body, media_type=CONTENT_TYPE)


# Not a UI page: the bearer token above is its guard (admin_ui/web/routing.py).
metrics.permission = "public"  # type: ignore[attr-defined]
