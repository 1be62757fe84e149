"""Server-side rendering: whole pages, or the one partial an htmx swap needs.

Each swap target has its own partial template whose root element carries
the target's id; a handler renders the partial for an htmx request and the
page (which includes the same partial) otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from admin_ui.web.csrf import csrf_token
from admin_ui.web.i18n import LANGUAGES, translate
from hotline.accounts.principal import Principal
from hotline.settings import Settings, load_settings

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def current_user(request: Request) -> Principal | None:
    user = getattr(request.state, "user", None)
    return user if isinstance(user, Principal) else None


def tenant_of(request: Request) -> int:
    """The signed-in user's tenant: every query of a guarded page is scoped to it."""
    user = current_user(request)
    assert user is not None  # ui_route's guard signed the user in
    return user.tenant_id


def language_of(request: Request) -> str:
    user = current_user(request)
    if user is not None and user.language in LANGUAGES:
        return user.language
    chosen = request.session.get("language")
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else "en"


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """A partial as text, for a server-sent event (no response around it)."""
    language = language_of(request)
    user = current_user(request)
    full_context: dict[str, Any] = {
        "language": language,
        "t": lambda key, **values: translate(language, key, **values),
        "can": (lambda permission: user is not None and user.can(permission)),
        "path": request.url.path,
    }
    full_context.update(context)
    return templates.get_template(template).render(full_context)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    language = language_of(request)
    user = current_user(request)
    full_context: dict[str, Any] = {
        "user": user,
        "language": language,
        "languages": LANGUAGES,
        "csrf_token": csrf_token(request),
        "t": lambda key, **values: translate(language, key, **values),
        "can": (lambda permission: user is not None and user.can(permission)),
        "path": request.url.path,
    }
    full_context.update(context or {})
    return templates.TemplateResponse(
        request, template, full_context, status_code=status_code, headers=headers
    )


def app_settings(request: Request) -> Settings:
    """The app's settings; an app made without them (a bare ``create_app``
    in tests) reads the environment's."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()
