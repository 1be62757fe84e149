"""The knowledge base pages: thin handlers; the use cases are
``hotline/knowledge/services.py``.

- ``GET /knowledge``: search (``?q=``), the articles by category or
  department, those waiting for review, those expiring within 30 days.
- ``GET /knowledge/search``: the results partial (the page's and the desk's
  search box, as the agent types).
- ``GET /knowledge/new`` and ``POST /knowledge``: a new article (a draft).
- ``GET /knowledge/{id}``: the published text, the versions and their
  review, the send form and the send log.
- ``POST /knowledge/{id}``: new text (the draft); ``/submit``: for review;
  ``/review``: approve or send back; ``/retire``; ``/send``: SMS, email, fax.
- ``GET /knowledge/{id}.pdf``: the article as faxed.

A refusal comes back on the page (422) naming its field, never 403, which
is the role check's answer.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web.rendering import current_user, render, tenant_of
from admin_ui.web.requests import ui_actor
from hotline.errors import HotlineError
from hotline.knowledge import core, services

PAGE: Final = "knowledge/list.html"
RESULTS: Final = "knowledge/_results.html"
EXPIRING_WITHIN_DAYS: Final = 30


def _error_context(error: HotlineError | None) -> dict[str, Any]:
    return {
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }


async def knowledge_page(request: Request) -> Response:
    tenant = tenant_of(request)
    query = request.query_params
    view = query.get("view", "all")
    q = query.get("q", "").strip()
    hits: list[dict[str, Any]] = []
    error: HotlineError | None = None
    if q:
        try:
            hits = [hit.as_dict() for hit in await services.search(tenant, q)]
        except HotlineError as refused:
            error = refused
    articles = await services.list_articles(
        tenant,
        category=query.get("category", ""),
        department=query.get("department", ""),
        waiting_review=view == "review",
        expiring_within_days=EXPIRING_WITHIN_DAYS if view == "expiring" else None,
    )
    context = {
        "q": q,
        "hits": hits,
        "view": view,
        "articles": articles,
        "categories": core.CATEGORIES,
        "category": query.get("category", ""),
        "to": "",
        "call_id": "",
        **_error_context(error),
    }
    return render(request, PAGE, context, status_code=422 if error else 200)


async def search_results(request: Request) -> Response:
    """The results partial: ``q``; ``to`` and ``call_id`` prefill the send
    buttons with the caller on the line (the desk)."""
    query = request.query_params
    q = query.get("q", "").strip()
    hits: list[dict[str, Any]] = []
    error: HotlineError | None = None
    if q:
        try:
            hits = [hit.as_dict() for hit in await services.search(tenant_of(request), q)]
        except HotlineError as refused:
            error = refused
    context = {
        "q": q,
        "hits": hits,
        "to": query.get("to", "")[:32],
        "call_id": query.get("call_id", "")[:64],
        **_error_context(error),
    }
    return render(request, RESULTS, context, status_code=422 if error else 200)


async def _form_page(
    request: Request, form: dict[str, Any], error: HotlineError | None
) -> Response:
    user = current_user(request)
    assert user is not None
    context = {
        "form": form,
        "categories": core.CATEGORIES,
        "departments": await services.editable_departments(tenant_of(request), user.username),
        **_error_context(error),
    }
    return render(request, "knowledge/new.html", context, status_code=422 if error else 200)


async def new_form(request: Request) -> Response:
    return await _form_page(request, {"category": core.FAQ, "language": "zh-CN"}, None)


async def create(request: Request) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    try:
        article = await services.create(tenant_of(request), ui_actor(request), form)
    except HotlineError as error:
        return await _form_page(request, form, error)
    return RedirectResponse(f"/knowledge/{article.id}", status_code=303)


async def article_page(
    request: Request, error: HotlineError | None = None, form: dict[str, Any] | None = None
) -> Response:
    tenant = tenant_of(request)
    article = await services.detail(tenant, request.path_params["article_id"])
    user = current_user(request)
    assert user is not None
    open_version = next(
        (v for v in article["versions"] if v["state"] in (core.DRAFT, core.IN_REVIEW)), None
    )
    editing = form or (open_version or (article["versions"][0] if article["versions"] else {}))
    context = {
        "article": article,
        "open_version": open_version,
        "editing": editing,
        "username": user.username,
        "categories": core.CATEGORIES,
        "channels": services.CHANNELS,
        **_error_context(error),
    }
    return render(request, "knowledge/detail.html", context, status_code=422 if error else 200)


async def _done(
    request: Request, change: Awaitable[Any], form: dict[str, Any] | None = None
) -> Response:
    try:
        await change
    except HotlineError as error:
        return await article_page(request, error, form)
    return RedirectResponse(f"/knowledge/{request.path_params['article_id']}", status_code=303)


async def _posted(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}


async def edit(request: Request) -> Response:
    form = await _posted(request)
    change = services.edit(
        tenant_of(request), ui_actor(request), request.path_params["article_id"], form
    )
    return await _done(request, change, form)


def _version(form: dict[str, str]) -> int:
    raw = form.get("version", "")
    return int(raw) if raw.isdigit() else 0


async def submit(request: Request) -> Response:
    form = await _posted(request)
    change = services.review(
        tenant_of(request),
        ui_actor(request),
        request.path_params["article_id"],
        _version(form),
        core.SUBMIT,
    )
    return await _done(request, change)


async def review(request: Request) -> Response:
    form = await _posted(request)
    action = form.get("action", "")
    if action == core.SUBMIT:  # submitting is the editors' (/submit)
        action = ""
    change = services.review(
        tenant_of(request),
        ui_actor(request),
        request.path_params["article_id"],
        _version(form),
        action,
        form.get("note", ""),
    )
    return await _done(request, change)


async def retire(request: Request) -> Response:
    form = await _posted(request)
    change = services.retire(
        tenant_of(request),
        ui_actor(request),
        request.path_params["article_id"],
        form.get("retired", "1") == "1",
    )
    return await _done(request, change)


async def send(request: Request) -> Response:
    """From the article page, or a desk search result (an htmx swap of the
    one result's send line)."""
    form = await _posted(request)
    article_id = request.path_params["article_id"]
    try:
        row = await services.send(
            tenant_of(request),
            ui_actor(request),
            article_id,
            form.get("channel", ""),
            form.get("to", ""),
            call_id=form.get("call_id", ""),
            fax=request.app.state.center,
        )
    except HotlineError as error:
        if request.headers.get("HX-Request"):
            context = {"article_id": article_id, "sent": None, **_error_context(error)}
            return render(request, "knowledge/_sent.html", context, status_code=422)
        return await article_page(request, error)
    if request.headers.get("HX-Request"):
        context = {"article_id": article_id, "sent": row, "error": None}
        return render(request, "knowledge/_sent.html", context)
    return RedirectResponse(f"/knowledge/{article_id}", status_code=303)


async def article_pdf(request: Request) -> Response:
    article_id = request.path_params["article_id"]
    pdf = await services.article_pdf(tenant_of(request), article_id)
    disposition = f'inline; filename="knowledge-{article_id}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})
