"""The sandbox's SMS gateway simulator: ``/sms-simulator/messages``.

It stands in for an operator's HTTP SMS gateway in the sandbox, the demo
and the tests, and speaks the same protocol Hotline sends any gateway
(``hotline/cases/messages.py``): ``POST`` JSON ``{"to", "text",
"reference"}`` with the bearer token ``HOTLINE_SMS_GATEWAY_TOKEN``, answered
``{"id"}``.  ``GET`` with the same token lists what it received, newest
first.  Only in sandbox mode (a system Asterisk's Hotline has a real
gateway or none); its messages are citizens' data, so the token guards both.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.models_cases import SimulatedSms

LISTED = 100


def _checked(request: Request) -> None:
    settings = getattr(request.app.state, "settings", None)
    if settings is None or settings.asterisk_mode != "sandbox" or not settings.sms_gateway_token:
        raise HTTPException(status_code=404)
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), settings.sms_gateway_token.encode()):
        raise HTTPException(status_code=401)


async def messages(request: Request) -> Response:
    _checked(request)
    if request.method == "POST":
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("to") or not body.get("text"):
            return JSONResponse({"error": "to and text are required"}, status_code=400)
        row = await SimulatedSms.create(
            to=str(body["to"])[:32],
            text=str(body["text"])[:2000],
            reference=str(body.get("reference", ""))[:64],
        )
        return JSONResponse({"id": f"sim-{row.id}"}, status_code=201)
    rows = await SimulatedSms.all().order_by("-id").limit(LISTED)
    return JSONResponse(
        [
            {
                "id": f"sim-{row.id}",
                "to": row.to,
                "text": row.text,
                "reference": row.reference,
                "received_at": row.received_at.isoformat(),
            }
            for row in rows
        ]
    )


# Not a UI page: the gateway token is its guard (admin_ui/web/routing.py).
messages.permission = "public"  # type: ignore[attr-defined]
