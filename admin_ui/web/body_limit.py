"""Request body limits by route, enforced before the body is read.

Why: Starlette reads a form whole, and spools each multipart file part over
1 MB to a temporary file, before any handler can look at it.  Without a
limit an anonymous 48 MiB ``POST /login`` was written to /tmp before it was
refused.  This middleware answers 413 before the application sees a byte:
at once when Content-Length is over the route's limit, and, for a chunked
body, as soon as the bytes received pass it (the rest is never read).

Every route gets ``FORM_LIMIT``; the upload routes get their file limit
(the same constant their handler enforces, so a file just over it is still
refused by the handler with its reason in the user's language) plus room
for the form's other fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from re import Pattern
from typing import Final

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fax.documents import MAX_PDF_BYTES
from hotline.audio_convert import MAX_UPLOAD_BYTES
from hotline.customers.files import MAX_IMPORT_BYTES

# Sign-in and every ordinary form (the largest, a role's permission matrix,
# is a few KiB); also the JSON API.
FORM_LIMIT: Final = 64 * 1024
# Beside its file, an upload carries a few short fields and the multipart
# boundaries.
UPLOAD_FIELDS_LIMIT: Final = 64 * 1024
# Text edited whole in one field: a flow's JSON definition, a dialplan file.
TEXT_LIMIT: Final = 1024 * 1024

PROMPT_UPLOAD_LIMIT: Final = MAX_UPLOAD_BYTES + UPLOAD_FIELDS_LIMIT
FAX_UPLOAD_LIMIT: Final = MAX_PDF_BYTES + UPLOAD_FIELDS_LIMIT
CUSTOMER_IMPORT_LIMIT: Final = MAX_IMPORT_BYTES + UPLOAD_FIELDS_LIMIT
# A campaign's contact list: up to 100,000 rows (ari_apps/campaigns/contacts_import.py
# MAX_ROWS) of a number and a few fields each.
CAMPAIGN_LIST_BYTES: Final = 16 * 1024 * 1024
CAMPAIGN_IMPORT_LIMIT: Final = CAMPAIGN_LIST_BYTES + UPLOAD_FIELDS_LIMIT
# An action on a case with its files (each at most 10 MB: hotline/cases/attachments.py).
CASE_ACTION_LIMIT: Final = 16 * 1024 * 1024 + UPLOAD_FIELDS_LIMIT

# (method, path as the route declares it, limit in bytes).  A unit test
# checks that each entry names a route the application really has.
ROUTE_LIMITS: Final[tuple[tuple[str, str, int], ...]] = (
    ("POST", "/prompts", PROMPT_UPLOAD_LIMIT),
    ("POST", "/api/v1/prompts", PROMPT_UPLOAD_LIMIT),
    # Greetings go through the prompt pipeline and its limit.
    ("POST", "/voicemail/{box}/greetings/{kind}", PROMPT_UPLOAD_LIMIT),
    ("POST", "/fax/documents", FAX_UPLOAD_LIMIT),
    ("POST", "/fax/documents/{number}/replace", FAX_UPLOAD_LIMIT),
    ("POST", "/api/v1/fax/documents", FAX_UPLOAD_LIMIT),
    ("POST", "/customers/import", CUSTOMER_IMPORT_LIMIT),
    ("POST", "/campaigns/{campaign_id:int}/import", CAMPAIGN_IMPORT_LIMIT),
    ("POST", "/cases/{case_id:int}/actions", CASE_ACTION_LIMIT),
    # The API's action takes the same files (JSON bodies keep FORM_LIMIT: admin_ui/cases/api.py).
    ("POST", "/api/v1/cases/{case_id:int}/actions", CASE_ACTION_LIMIT),
    ("POST", "/api/v1/campaigns/{campaign_id:int}/contacts/import", CAMPAIGN_IMPORT_LIMIT),
    ("POST", "/api/v1/customers/import", CUSTOMER_IMPORT_LIMIT),
    ("POST", "/flows/{flow_id}/draft", TEXT_LIMIT),
    ("PUT", "/api/v1/flows/{flow_id:int}/draft", TEXT_LIMIT),
    ("POST", "/dialplan/{kind}/check", TEXT_LIMIT),
    ("POST", "/dialplan/{kind}/save", TEXT_LIMIT),
    ("POST", "/dialplan/{kind}/apply", TEXT_LIMIT),
)


@dataclass(frozen=True)
class _RouteLimit:
    method: str
    path: Pattern[str]
    limit: int


_COMPILED: Final = tuple(
    _RouteLimit(method, compile_path(path)[0], limit) for method, path, limit in ROUTE_LIMITS
)


def limit_for(method: str, path: str) -> int:
    for route in _COMPILED:
        if route.method == method and route.path.match(path):
            return route.limit
    return FORM_LIMIT


class _TooLarge(Exception):
    """Raised from ``receive`` once a body passes its limit."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                await PlainTextResponse("invalid Content-Length", status_code=400)(
                    scope, receive, send
                )
                return
            if int(declared) > limit:
                await _too_large(scope, limit)(scope, receive, send)
                return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if response_started:
                raise
            await _too_large(scope, limit)(scope, receive, send)


def _too_large(scope: Scope, limit: int) -> Response:
    message = f"the request body is larger than this address accepts ({limit} bytes)"
    # The client may still be sending: close the connection after answering
    # rather than read (or mis-parse) the rest.
    headers = {"Connection": "close"}
    if str(scope["path"]).startswith("/api/"):
        body = {"error_id": "request-too-large", "message": message, "details": {"limit": limit}}
        return JSONResponse(body, status_code=413, headers=headers)
    return PlainTextResponse(message, status_code=413, headers=headers)
