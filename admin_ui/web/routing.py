"""UI routes declare the one permission they need; the guard enforces it.

Every UI route is built with ``ui_route`` (or ``public_route``), so the
permission is an attribute of the endpoint and the role-matrix test can
enumerate all routes for every role.  The guard runs on every request:
sign-in (a session that was not ended since), for the platform operator's
routes the home tenant (404 for any other), the user's IP allow-list, the
permission, and CSRF for mutations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from admin_ui.web import sessions
from admin_ui.web.client_address import client_address
from admin_ui.web.csrf import csrf_ok
from admin_ui.web.rendering import is_htmx, render
from hotline.accounts.principal import Principal, ip_allowed, load_principal
from hotline.permissions import ALL_PERMISSIONS

Handler = Callable[[Request], Awaitable[Response]]
PUBLIC = "public"


def client_ip(request: Request) -> str:
    """Who the client is, for allow-lists, login throttling and the audit log.

    The one place that answers it (see ``client_address.py``).
    X-Forwarded-For counts only from ``HOTLINE_TRUSTED_PROXIES``.
    """
    peer = request.client.host if request.client else ""
    trusted = getattr(request.app.state, "trusted_proxies", ())
    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)


async def signed_in_user(request: Request) -> Principal | None:
    """The session's user, unless the session was ended or the user deactivated."""
    user_id = await sessions.session_user_id(request.session)
    user = await load_principal(user_id) if user_id is not None else None
    if user is None:
        sessions.forget(request.session)
    return user


def _to_login(request: Request) -> Response:
    target = "/login?next=" + quote(request.url.path)
    if is_htmx(request):
        # htmx would swap the login page into a fragment; make it navigate.
        return Response(status_code=401, headers={"HX-Redirect": target})
    if request.method != "GET":
        return PlainTextResponse("sign in first", status_code=401)
    return RedirectResponse(target, status_code=303)


def _forbidden(request: Request, reason: str) -> Response:
    return render(request, "errors/403.html", {"reason": reason}, status_code=403)


def ui_route(
    path: str,
    endpoint: Handler,
    permission: str,
    methods: Sequence[str] = ("GET",),
    *,
    home_tenant_only: bool = False,
) -> Route:
    """A guarded route.  ``home_tenant_only``: users of any other tenant get
    the 404 of a path that does not exist (before the permission and CSRF
    checks), so the route's existence tells them nothing."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"{path}: unknown permission {permission!r}")

    async def guarded(request: Request) -> Response:
        user = await signed_in_user(request)
        if user is None:
            return _to_login(request)
        request.state.user = user
        if home_tenant_only and not user.home_tenant:
            raise HTTPException(status_code=404)
        if not ip_allowed(client_ip(request), user.ip_allowlist):
            return _forbidden(request, "ip_not_allowed")
        if not user.can(permission):
            return _forbidden(request, "permission_denied")
        if not await csrf_ok(request):
            # Close a parsed multipart form now: its temporary files are ours.
            await request.close()
            return _forbidden(request, "csrf_failed")
        return await endpoint(request)

    guarded.permission = permission  # type: ignore[attr-defined]
    guarded.__name__ = getattr(endpoint, "__name__", "guarded")
    return Route(path, guarded, methods=list(methods))


def public_route(path: str, endpoint: Handler, methods: Sequence[str] = ("GET",)) -> Route:
    endpoint.permission = PUBLIC  # type: ignore[attr-defined]
    return Route(path, endpoint, methods=list(methods))


def route_permission(route: Any) -> str | None:
    return getattr(getattr(route, "endpoint", None), "permission", None)
