"""Handlers of /dialplan: view, check with a diff, save a draft, apply with rollback."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.dialplan import services
from admin_ui.web import audit
from admin_ui.web.rendering import current_user, is_htmx, render
from hotline.dialplan_apply import KINDS
from hotline.dialplan_check import mask_secrets, unified_diff


def _username(request: Request) -> str:
    user = current_user(request)
    return user.username if user else ""


def _can_edit(request: Request) -> bool:
    user = current_user(request)
    return user is not None and user.can("dialplan:edit")


async def _review(request: Request, kind: str, text: str) -> services.Review:
    # Checked for the ARI app the applier hands calls to, as the apply will be.
    stasis_app = services.applier_of(request.app.state).stasis_app
    return await services.review(kind, text, stasis_app)


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


async def _editor(
    request: Request, kind: str, text: str, *, status_code: int = 200, **extra: Any
) -> Response:
    # Viewers without edit rights never see trunk passwords.
    shown = text if _can_edit(request) else mask_secrets(text)
    context: dict[str, Any] = {
        "kind": kind,
        "filename": KINDS[kind].filename,
        "text": shown,
        "review": None,
        "outcome": None,
        "saved": False,
        "stale": False,
        "versions": await services.versions(kind),
        "applied_text": mask_secrets(await services.applied_text(kind)),
    }
    context.update(extra)
    return render(request, "dialplan/editor.html", context, status_code=status_code)


async def index(request: Request) -> Response:
    documents = [
        {"kind": kind, "filename": document.filename, "versions": await services.versions(kind, 1)}
        for kind, document in KINDS.items()
    ]
    return render(request, "dialplan/index.html", {"documents": documents})


async def rendered(request: Request) -> Response:
    settings = services.settings_of(request.app.state)
    return render(request, "dialplan/rendered.html", {"files": services.rendered_config(settings)})


async def editor(request: Request) -> Response:
    kind = services.kind_or_404(request.path_params["kind"])
    from_version = _int_param(request, "from_version")
    outcome_id = _int_param(request, "version")
    text = (
        (await services.version(kind, from_version)).text
        if from_version is not None
        else await services.draft_text(kind)
    )
    outcome = await services.version(kind, outcome_id) if outcome_id is not None else None
    return await _editor(
        request, kind, text, outcome=outcome, saved=request.query_params.get("saved") == "1"
    )


async def check(request: Request) -> Response:
    kind = services.kind_or_404(request.path_params["kind"])
    text = services.require_text(await request.form())
    review = await _review(request, kind, text)
    if is_htmx(request):
        return render(request, "dialplan/_review.html", {"kind": kind, "review": review})
    return await _editor(request, kind, text, review=review)


async def save(request: Request) -> Response:
    kind = services.kind_or_404(request.path_params["kind"])
    text = services.require_text(await request.form())
    before = await services.save_draft(kind, text, _username(request))
    await audit.record(
        request,
        "save_draft",
        "dialplan",
        kind,
        before={"text": services.audit_text(before)},
        after={"text": services.audit_text(text)},
    )
    return RedirectResponse(f"/dialplan/{kind}?saved=1", status_code=303)


async def apply(request: Request) -> Response:
    kind = services.kind_or_404(request.path_params["kind"])
    form = await request.form()
    text = services.require_text(form)
    if await services.is_stale(kind, form.get("base_version")):
        # Someone applied since this diff was shown: show the fresh diff first.
        review = await _review(request, kind, text)
        return await _editor(request, kind, text, review=review, stale=True, status_code=409)
    applier = services.applier_of(request.app.state)
    before, result, row = await services.apply(applier, kind, text, _username(request))
    await audit.record(
        request,
        "apply",
        "dialplan",
        kind,
        before={"text": services.audit_text(before)},
        after={
            "text": services.audit_text(text),
            "result": result.status,
            "error": result.error,
            "version_id": row.id,
        },
    )
    if result.status == "rejected":
        # The form comes back with the text and every finding, nothing lost.
        review = await _review(request, kind, text)
        return await _editor(request, kind, text, review=review, outcome=row, status_code=422)
    return RedirectResponse(f"/dialplan/{kind}?version={row.id}", status_code=303)


async def version(request: Request) -> Response:
    kind = services.kind_or_404(request.path_params["kind"])
    found = await services.version(kind, services.version_id(request.path_params["version_id"]))
    text = found.text if _can_edit(request) else mask_secrets(found.text)
    applied = await services.applied_text(kind)
    if not _can_edit(request):
        applied = mask_secrets(applied)
    diff = unified_diff(applied, text, label=KINDS[kind].filename)
    return render(
        request,
        "dialplan/version.html",
        {"kind": kind, "version": found, "text": text, "diff": diff},
    )
