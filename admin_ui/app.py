"""The ASGI application: /healthz and the /api/v1 JSON API.

The full htmx admin UI arrives with its own issue and mounts here.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from admin_ui import api
from hotline.center import ContactCenter
from hotline.errors import HotlineError
from hotline.models import Tenant


async def healthz(request: Request) -> Response:
    center: ContactCenter = request.app.state.center
    checks: dict[str, bool] = {"asterisk": center.ari_connected}
    try:
        await Tenant.first()
        checks["database"] = True
    except Exception:
        checks["database"] = False
    status = 200 if all(checks.values()) else 503
    return JSONResponse({"ok": status == 200, "checks": checks}, status_code=status)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HotlineError)
    return JSONResponse(exc.as_dict(), status_code=exc.status_code)


def create_app(center: ContactCenter) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Mount("/api/v1", routes=api.routes),
        ],
        exception_handlers={HotlineError: on_domain_error},
    )
    app.state.center = center
    return app
