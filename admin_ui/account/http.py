"""Login, logout, language switch and the dashboard.

Signing in and the user's language are the kernel's
(``hotline/accounts/own_account.py``); ending every session on logout too
(``hotline/accounts/sessions.py``).
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from admin_ui.web import audit, sessions
from admin_ui.web.csrf import csrf_ok
from admin_ui.web.rendering import current_user, is_htmx, render
from admin_ui.web.routing import client_ip, signed_in_user
from admin_ui.web.security import LoginThrottle
from hotline import live_status
from hotline.accounts import own_account
from hotline.accounts.sessions import end_all_sessions
from hotline.center import ContactCenter

# The sign-in form is urlencoded.  Anything else (multipart above all, which
# Starlette spools to temporary files) is refused before a byte is parsed.
LOGIN_MEDIA_TYPE = "application/x-www-form-urlencoded"


def _safe_next(value: str | None) -> str:
    # Only local paths: never redirect a freshly signed-in user off-site.
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


async def login_page(request: Request) -> Response:
    return render(
        request,
        "account/login.html",
        {"next": _safe_next(request.query_params.get("next")), "username": "", "error": None},
    )


async def login_submit(request: Request) -> Response:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != LOGIN_MEDIA_TYPE:
        return PlainTextResponse(f"sign in with {LOGIN_MEDIA_TYPE}", status_code=415)
    form = await request.form()
    username = str(form.get("username", ""))
    next_path = _safe_next(str(form.get("next", "")))
    if not await csrf_ok(request):
        return render(
            request,
            "account/login.html",
            {"next": next_path, "username": username, "error": "login.csrf"},
            status_code=403,
        )
    throttle: LoginThrottle = request.app.state.login_throttle
    ip = client_ip(request)
    result = await own_account.sign_in(throttle, username, str(form.get("password", "")), ip)
    if result.user_id is None:
        await audit.record(
            request,
            "login_failed",
            "user",
            username,
            username=username or "?",
            after={"reason": (result.error or "").removeprefix("login.")},
            # The named user's tenant, so each tenant sees attempts on its users only.
            tenant_id=await audit.tenant_of_username(username),
        )
        headers = {"Retry-After": str(result.retry_after_s)} if result.retry_after_s else None
        return render(
            request,
            "account/login.html",
            {
                "next": next_path,
                "username": username,
                "error": result.error,
                "retry_after_s": result.retry_after_s,
            },
            status_code=429 if result.retry_after_s else 401,
            headers=headers,
        )
    # A new session on sign-in: nothing from before (fixation) carries over.
    request.session.clear()
    await sessions.begin(request.session, result.user_id)
    request.session["csrf"] = secrets.token_urlsafe(32)
    await audit.record(
        request,
        "login",
        "user",
        username,
        username=username,
        tenant_id=await audit.tenant_of_username(username),
    )
    return RedirectResponse(next_path, status_code=303)


async def logout(request: Request) -> Response:
    if not await csrf_ok(request):
        return render(request, "errors/403.html", {"reason": "csrf_failed"}, status_code=403)
    user = await signed_in_user(request)
    if user is not None:
        # Every copy of the session ends, not only this browser's cookie.
        await end_all_sessions(user.user_id)
        await audit.record(
            request,
            "logout",
            "user",
            user.user_id,
            username=user.username,
            tenant_id=user.tenant_id,
        )
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def set_language(request: Request) -> Response:
    if not await csrf_ok(request):
        return render(request, "errors/403.html", {"reason": "csrf_failed"}, status_code=403)
    form = await request.form()
    user = await signed_in_user(request)
    language = await own_account.set_language(
        user.user_id if user else None, str(form.get("language", "en"))
    )
    request.session["language"] = language
    back = _safe_next(str(form.get("next", "/")))
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": back})
    return RedirectResponse(back, status_code=303)


async def dashboard(request: Request) -> Response:
    center: ContactCenter = request.app.state.center
    user = current_user(request)
    assert user is not None  # the guard signed the user in
    # The signed-in user's tenant's queues, agents and calls only.
    context = {
        "queues": await live_status.queue_statuses(center, user.tenant_id),
        "agents": await live_status.agent_statuses(center, user.tenant_id),
        "calls": await live_status.live_calls(center, user.tenant_id),
    }
    template = "account/_live.html" if is_htmx(request) else "account/dashboard.html"
    return render(request, template, context)
