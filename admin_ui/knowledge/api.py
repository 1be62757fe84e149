"""/api/v1/knowledge: search the knowledge base, read an article, send it
to someone (a business system's chat or app, or a CTI desk of its own).
A send is audited with the token's name and address."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.web.openapi_ops import operation
from admin_ui.web.requests import json_object
from admin_ui.web.routing import client_ip
from hotline.center import Actor
from hotline.knowledge import services


async def search(request: Request) -> Response:
    principal = await require(request, "view")
    hits = await services.search(principal.tenant_id, request.query_params.get("q", ""))
    return JSONResponse(
        {"q": request.query_params.get("q", ""), "hits": [h.as_dict() for h in hits]}
    )


async def get_article(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(
        await services.detail(principal.tenant_id, request.path_params["article_id"])
    )


async def send(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await json_object(request)
    actor = Actor(principal.name, client_ip(request), principal.tenant_id, source="api")
    row = await services.send(
        principal.tenant_id,
        actor,
        request.path_params["article_id"],
        str(body.get("channel", "")),
        str(body.get("to", "")),
        call_id=str(body.get("call_id", "") or ""),
        fax=request.app.state.center,
    )
    answer: dict[str, Any] = {
        "id": row.id,
        "channel": row.channel,
        "to": row.to,
        "version": row.version,
        "message_id": row.message_id,
        "fax_job_id": row.fax_job_id,
    }
    return JSONResponse(answer, status_code=202)


ROUTES = [
    Route("/knowledge", search),
    Route("/knowledge/{article_id:int}", get_article),
    Route("/knowledge/{article_id:int}/send", send, methods=["POST"]),
]

_NOT_FOUND = "no such article in the token's tenant"
OPENAPI_PATHS: dict[str, Any] = {
    "/knowledge": {
        "get": operation(
            "Search the live articles (published, not retired, not expired): ?q= Chinese or"
            " English words; {q, hits: [{id, title, category, department, short_answer,"
            " snippet, matched_words, score}]}, best first"
        ),
    },
    "/knowledge/{article_id}": {
        "get": operation(
            "An article: its published text, versions (state, author, reviewer, note) and send log",
            ("article_id",),
            not_found=_NOT_FOUND,
        ),
    },
    "/knowledge/{article_id}/send": {
        "post": operation(
            "Send the published version: {channel: sms|email|fax, to, call_id}; 202 with"
            " {id, channel, to, version, message_id (SMS/email outbox), fax_job_id} (audited)",
            ("article_id",),
            not_found=_NOT_FOUND,
        ),
    },
}
