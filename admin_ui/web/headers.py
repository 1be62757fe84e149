"""Security headers on every response.

The policy forbids inline script outright (no ``'unsafe-inline'``, no
``'unsafe-eval'``): templates carry no ``<script>`` blocks, ``on*=`` or
``hx-on`` attributes, and behaviour lives in ``/static/*.js``
(``app.js`` reads ``data-*`` attributes).  htmx is told not to evaluate
anything and not to inject its indicator ``<style>`` (the ``htmx-config``
meta tag in base.html; the indicator CSS is in app.css), so styles need no
``'unsafe-inline'`` either.  ``media-src blob:`` is for the prompt
recorder's preview of what was just recorded.

PDFs and audio are shown by the browser's own viewer, which builds a page
of its own with inline styles: under the page policy Chromium's PDF viewer
renders a sliver of the document (crbug.com/271452).  Those responses get
only ``frame-ancestors 'none'``, and ``no-store``, like downloads
(voicemail, faxes, prompts and exports stay out of browser and proxy caches).
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def page_policy(connect_sources: tuple[str, ...] = ()) -> str:
    """The page policy; ``connect_sources`` adds origins scripts may connect to
    (the desk's browser phone: Asterisk's SIP websocket)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "media-src 'self' blob:",
            " ".join(("connect-src 'self'", *connect_sources)),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


PAGE_POLICY: Final = page_policy()


def websocket_origin(url: str) -> str:
    """``ws://127.0.0.1:8088/ws`` -> ``ws://127.0.0.1:8088``: what CSP compares."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.partition('/')[0]}"


VIEWER_POLICY: Final = "frame-ancestors 'none'"

_VIEWER_TYPES: Final = ("application/pdf", "audio/", "video/", "image/")
_NEVER_STORED: Final = ("application/pdf", "audio/", "video/")


def security_headers(
    content_type: str, content_disposition: str, page: str = PAGE_POLICY
) -> dict[str, str]:
    """The headers a response of this type gets (Cache-Control only when it must)."""
    media_type = content_type.partition(";")[0].strip().lower()
    viewer = media_type.startswith(_VIEWER_TYPES)
    headers = {
        "Content-Security-Policy": VIEWER_POLICY if viewer else page,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    download = content_disposition.strip().lower().startswith("attachment")
    if download or media_type.startswith(_NEVER_STORED):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, connect_sources: tuple[str, ...] = ()) -> None:
        self.app = app
        self.page_policy = page_policy(connect_sources)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                wanted = security_headers(
                    headers.get("content-type", ""),
                    headers.get("content-disposition", ""),
                    self.page_policy,
                )
                for name, value in wanted.items():
                    # no-store replaces the route's own no-cache; the rest
                    # never overrides what a route chose.
                    if name == "Cache-Control" or name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
