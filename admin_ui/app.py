"""The ASGI application: /healthz and the /api/v1 JSON API.

The full htmx admin UI arrives with its own issue and mounts here.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
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


# Routing errors (no such path, wrong method) under /api/ keep the API's
# error shape, so a client can always read error_id; other paths stay plain.
_ROUTING_ERROR_IDS = {404: "not-found", 405: "method-not-allowed"}


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if not request.url.path.startswith("/api/"):
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    body = {
        "error_id": _ROUTING_ERROR_IDS.get(exc.status_code, "http-error"),
        "message": exc.detail,
        "details": {},
    }
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def create_app(center: ContactCenter) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Mount("/api/v1", routes=api.routes),
        ],
        exception_handlers={HotlineError: on_domain_error, HTTPException: on_http_error},
    )
    app.state.center = center
    return app
