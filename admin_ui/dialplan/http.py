"""Handlers of /dialplan: view, check with a diff, save a draft, apply with rollback.

The use cases are the kernel's (``hotline.dialplan_drafts``,
``hotline.dialplan_rendered``); here are the path and form parsing, and the
app's settings and applier.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.web import audit
from admin_ui.web.rendering import current_user, is_htmx, render
from hotline import dialplan_drafts as drafts
from hotline.dialplan_apply import KINDS, DialplanApplier
from hotline.dialplan_check import mask_secrets, unified_diff
from hotline.dialplan_rendered import rendered_config
from hotline.errors import InvalidRequest, NotFound
from hotline.settings import Settings, load_settings


def settings_of(state: State) -> Settings:
    settings = getattr(state, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()


def applier_of(state: State) -> DialplanApplier:
    """The app's applier; built from the settings on first use."""
    applier = getattr(state, "dialplan_applier", None)
    if not isinstance(applier, DialplanApplier):
        applier = DialplanApplier.from_settings(settings_of(state))
        state.dialplan_applier = applier
    return applier


def kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no such config document: {kind}", {"kind": kind})
    return kind


def version_id(value: str) -> int:
    if not value.isdigit():
        raise NotFound(f"no version {value}", {"version_id": value})
    return int(value)


def require_text(form: Any) -> str:
    text = form.get("text")
    if not isinstance(text, str):
        raise InvalidRequest("the text field is required", {"field": "text"})
    # Browsers send CRLF from a textarea; Asterisk files use LF.
    return text.replace("\r\n", "\n")


def _username(request: Request) -> str:
    user = current_user(request)
    return user.username if user else ""


def _can_edit(request: Request) -> bool:
    user = current_user(request)
    return user is not None and user.can("dialplan:edit")


async def _review(request: Request, kind: str, text: str) -> drafts.Review:
    # Checked for the ARI app the applier hands calls to, as the apply will be.
    stasis_app = applier_of(request.app.state).stasis_app
    return await drafts.review(kind, text, stasis_app)


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
        "versions": await drafts.versions(kind),
        "applied_text": mask_secrets(await drafts.applied_text(kind)),
    }
    context.update(extra)
    return render(request, "dialplan/editor.html", context, status_code=status_code)


async def index(request: Request) -> Response:
    documents = [
        {"kind": kind, "filename": document.filename, "versions": await drafts.versions(kind, 1)}
        for kind, document in KINDS.items()
    ]
    return render(request, "dialplan/index.html", {"documents": documents})


async def rendered(request: Request) -> Response:
    settings = settings_of(request.app.state)
    return render(request, "dialplan/rendered.html", {"files": rendered_config(settings)})


async def editor(request: Request) -> Response:
    kind = kind_or_404(request.path_params["kind"])
    from_version = _int_param(request, "from_version")
    outcome_id = _int_param(request, "version")
    text = (
        (await drafts.version(kind, from_version)).text
        if from_version is not None
        else await drafts.draft_text(kind)
    )
    outcome = await drafts.version(kind, outcome_id) if outcome_id is not None else None
    return await _editor(
        request, kind, text, outcome=outcome, saved=request.query_params.get("saved") == "1"
    )


async def check(request: Request) -> Response:
    kind = kind_or_404(request.path_params["kind"])
    text = require_text(await request.form())
    review = await _review(request, kind, text)
    if is_htmx(request):
        return render(request, "dialplan/_review.html", {"kind": kind, "review": review})
    return await _editor(request, kind, text, review=review)


async def save(request: Request) -> Response:
    kind = kind_or_404(request.path_params["kind"])
    text = require_text(await request.form())
    before = await drafts.save_draft(kind, text, _username(request))
    await audit.record(
        request,
        "save_draft",
        "dialplan",
        kind,
        before={"text": drafts.audit_text(before)},
        after={"text": drafts.audit_text(text)},
    )
    return RedirectResponse(f"/dialplan/{kind}?saved=1", status_code=303)


async def apply(request: Request) -> Response:
    kind = kind_or_404(request.path_params["kind"])
    form = await request.form()
    text = require_text(form)
    if await drafts.is_stale(kind, form.get("base_version")):
        # Someone applied since this diff was shown: show the fresh diff first.
        review = await _review(request, kind, text)
        return await _editor(request, kind, text, review=review, stale=True, status_code=409)
    applier = applier_of(request.app.state)
    before, result, row = await drafts.apply(applier, kind, text, _username(request))
    await audit.record(
        request,
        "apply",
        "dialplan",
        kind,
        before={"text": drafts.audit_text(before)},
        after={
            "text": drafts.audit_text(text),
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
    kind = kind_or_404(request.path_params["kind"])
    found = await drafts.version(kind, version_id(request.path_params["version_id"]))
    text = found.text if _can_edit(request) else mask_secrets(found.text)
    applied = await drafts.applied_text(kind)
    if not _can_edit(request):
        applied = mask_secrets(applied)
    diff = unified_diff(applied, text, label=KINDS[kind].filename)
    return render(
        request,
        "dialplan/version.html",
        {"kind": kind, "version": found, "text": text, "diff": diff},
    )
