"""The ASGI application: the admin UI, /healthz and the /api/v1 JSON API.

Feature folders (``admin_ui/<feature>/plugin.py``) each contribute a
``routes`` list; every UI route is guarded (see ``admin_ui/web/routing.py``).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from admin_ui import api, metrics_http, sms_simulator
from admin_ui.account import plugin as account
from admin_ui.agents import plugin as agents
from admin_ui.api_tokens import plugin as api_tokens
from admin_ui.audit import plugin as audit_log
from admin_ui.callbacks import plugin as callbacks
from admin_ui.calls import plugin as calls
from admin_ui.campaigns import plugin as campaigns
from admin_ui.cases import plugin as cases
from admin_ui.customers import plugin as customers
from admin_ui.desk import plugin as desk
from admin_ui.dialplan import plugin as dialplan
from admin_ui.fax import plugin as fax
from admin_ui.flows import plugin as flows
from admin_ui.knowledge import plugin as knowledge
from admin_ui.prompts import plugin as prompts
from admin_ui.quality import plugin as quality
from admin_ui.queues import plugin as queues
from admin_ui.reports import plugin as reports
from admin_ui.shifts import plugin as shifts
from admin_ui.tenants import plugin as tenants
from admin_ui.users import plugin as users
from admin_ui.voicemail import plugin as voicemail
from admin_ui.wallboard import plugin as wallboard
from admin_ui.web.body_limit import BodyLimitMiddleware
from admin_ui.web.client_address import trusted_networks
from admin_ui.web.headers import SecurityHeadersMiddleware, websocket_origin
from admin_ui.web.security import LoginThrottle
from admin_ui.webhooks import plugin as webhooks
from hotline.center import ContactCenter, HealthCheck
from hotline.errors import HotlineError
from hotline.models import Tenant
from hotline.settings import Settings


async def healthz(request: Request) -> Response:
    """200 when every check passes; each check names its reason when it fails."""
    center: ContactCenter = request.app.state.center
    checks = {"asterisk": center.asterisk_health(), "database": await _database_health()}
    status = 200 if all(check.ok for check in checks.values()) else 503
    body = {"ok": status == 200, "checks": {name: c.as_dict() for name, c in checks.items()}}
    return JSONResponse(body, status_code=status)


async def _database_health() -> HealthCheck:
    try:
        await Tenant.first()
    except Exception as exc:
        return HealthCheck(False, f"{type(exc).__name__}: {exc}"[:300])
    return HealthCheck(True)


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


STATIC_DIR = Path(__file__).resolve().parent / "static"

# The UI features, in navigation order.  Each contributes ``routes``.
FEATURES = (
    account,
    desk,
    wallboard,
    cases,
    knowledge,
    customers,
    quality,
    reports,
    calls,
    flows,
    prompts,
    fax,
    voicemail,
    campaigns,
    callbacks,
    queues,
    agents,
    shifts,
    users,
    api_tokens,
    webhooks,
    audit_log,
    dialplan,
    tenants,
)


def create_app(
    center: ContactCenter,
    *,
    session_secret: str | None = None,
    https_only: bool = False,
    settings: Settings | None = None,
) -> Starlette:
    healthz.permission = "public"  # type: ignore[attr-defined]
    openapi_endpoint = api.openapi
    openapi_endpoint.permission = "public"  # type: ignore[attr-defined]
    routes: list[Route | Mount] = [
        Route("/healthz", healthz),
        Route("/metrics", metrics_http.metrics),
        Route("/sms-simulator/messages", sms_simulator.messages, methods=["GET", "POST"]),
        Mount("/api/v1", routes=api.routes),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    for feature in FEATURES:
        routes.extend(feature.routes)
    app = Starlette(
        routes=routes,
        # Outermost first: every answer, a 413 too, gets the security
        # headers; a body over its limit is refused before the session or
        # any route sees it.
        middleware=[
            Middleware(
                SecurityHeadersMiddleware,
                # The desk's browser phone talks SIP to Asterisk's websocket.
                connect_sources=(websocket_origin(settings.browser_phone_ws_url),)
                if settings is not None
                else (),
            ),
            Middleware(BodyLimitMiddleware),
            Middleware(
                SessionMiddleware,
                # Without a configured secret, sessions simply end at restart.
                secret_key=session_secret or secrets.token_hex(32),
                session_cookie="hotline_session",
                max_age=8 * 3600,
                same_site="lax",
                https_only=https_only,
            ),
        ],
        exception_handlers={HotlineError: on_domain_error, HTTPException: on_http_error},
    )
    app.state.center = center
    app.state.login_throttle = LoginThrottle()
    # X-Forwarded-For is believed only from these (HOTLINE_TRUSTED_PROXIES).
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies if settings else ())
    if settings is not None:
        app.state.settings = settings
    return app
