"""Prompt pages: list with versions and "used by", upload (any supported format,
or a microphone recording), text-to-speech drafts, play, delete."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from admin_ui.web import audit
from admin_ui.web.rendering import current_user, is_htmx, render, tenant_of
from hotline.audio_convert import ACCEPTED_EXTENSIONS, MAX_UPLOAD_BYTES, PromptRejected
from hotline.errors import NotFound
from hotline.languages import LANGUAGES
from voice_prompts import preview, services
from voice_prompts.services import CATEGORIES, NAME_PATTERN

_EMPTY_FORM = {"name": "", "category": "other", "language": "en"}
_EMPTY_TTS_FORM = {**_EMPTY_FORM, "tts_text": ""}
# The file picker offers every accepted extension and the browsers' audio types.
_ACCEPT = ",".join([f".{ext}" for ext in ACCEPTED_EXTENSIONS] + ["audio/*"])


async def _page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    tts_form: dict[str, str] | None = None,
    error: dict[str, Any] | None = None,
    notice: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "items": await services.list_prompts(tenant_of(request)),
        "form": form or dict(_EMPTY_FORM),
        "tts_form": tts_form or dict(_EMPTY_TTS_FORM),
        "error": error,
        "notice": notice,
        "categories": CATEGORIES,
        "prompt_languages": LANGUAGES,
        "accept": _ACCEPT,
    }
    template = "prompts/_panel.html" if is_htmx(request) else "prompts/index.html"
    return render(request, template, context, status_code=status_code)


def _notice_from_query(request: Request) -> dict[str, Any] | None:
    # After a plain (no-JS) POST the redirect says what happened.
    restored = request.query_params.get("restored", "")
    if restored.isdigit():
        name = request.query_params.get("name", "")
        version = request.query_params.get("version", "")
        if NAME_PATTERN.fullmatch(name) and version.isdigit():
            values = {"name": name, "restored": restored, "version": version}
            return {"key": "prompts.notice.restored", "values": values}
    for action in ("uploaded", "deleted"):
        name = request.query_params.get(action, "")
        if NAME_PATTERN.fullmatch(name):
            version = request.query_params.get("version", "")
            return {"key": f"prompts.notice.{action}", "values": {"name": name, "version": version}}
    return None


def _rejection(rejected: PromptRejected, form: str) -> dict[str, Any]:
    return {
        "form": form,
        "field": rejected.field,
        "key": f"prompts.error.{rejected.reason}",
        "values": rejected.values,
    }


async def _stored(request: Request, result: services.StoreResult, action: str) -> Response:
    prompt = result.prompt
    after = services.snapshot(prompt) | {
        "stored_language": result.stored.language,
        "source": result.stored.source,
        "source_format": result.stored.source_format,
    }
    await audit.record(request, action, "prompt", prompt.name, before=result.previous, after=after)
    if not is_htmx(request):
        return RedirectResponse(
            f"/prompts?uploaded={prompt.name}&version={prompt.version}", status_code=303
        )
    notice = {
        "key": "prompts.notice.uploaded",
        "values": {"name": prompt.name, "version": prompt.version},
    }
    return await _page(request, notice=notice)


async def list_page(request: Request) -> Response:
    return await _page(request, notice=_notice_from_query(request))


async def upload(request: Request) -> Response:
    # The context manager closes the spooled upload (a temp file) when done.
    async with request.form() as form:
        typed = {key: str(form.get(key, default)).strip() for key, default in _EMPTY_FORM.items()}
        source = "recording" if form.get("source") == "recording" else "upload"
        upload_file = form.get("file")
        data, filename = b"", ""
        if isinstance(upload_file, UploadFile):
            data = await upload_file.read(MAX_UPLOAD_BYTES + 1)
            filename = upload_file.filename or ""
    user = current_user(request)
    try:
        result = await services.upload(
            typed["name"],
            typed["category"],
            typed["language"],
            data,
            filename,
            user.username if user else "",
            tenant_id=tenant_of(request),
            source=source,
        )
    except PromptRejected as rejected:
        return await _page(
            request, form=typed, error=_rejection(rejected, "upload"), status_code=422
        )
    return await _stored(request, result, "upload")


async def tts_draft(request: Request) -> Response:
    async with request.form() as form:
        typed = {
            key: str(form.get(key, default)).strip() for key, default in _EMPTY_TTS_FORM.items()
        }
    user = current_user(request)
    try:
        result = await services.tts_draft(
            typed["name"],
            typed["category"],
            typed["language"],
            typed["tts_text"],
            user.username if user else "",
            tenant_id=tenant_of(request),
        )
    except PromptRejected as rejected:
        return await _page(
            request, tts_form=typed, error=_rejection(rejected, "tts"), status_code=422
        )
    return await _stored(request, result, "tts_draft")


async def audio(request: Request) -> Response:
    language = request.query_params.get("language") or None
    version_text = request.query_params.get("version", "")
    version = int(version_text) if version_text.isdigit() else None
    try:
        data = await preview.audio(
            request.path_params["name"], language, version, tenant_id=tenant_of(request)
        )
    except NotFound as missing:
        return PlainTextResponse(missing.message, status_code=404)
    # The same URL plays the newest version: always revalidate.
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "no-cache"})


async def delete(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        before, removed = await services.delete(name, tenant_id=tenant_of(request))
    except NotFound:
        error = {"field": None, "key": "prompts.error.not_found", "values": {"name": name}}
        return await _page(request, error=error, status_code=404)
    except services.PromptInUse as in_use:
        flows = ", ".join(in_use.details["flows"])
        error = {
            "field": None,
            "key": "prompts.error.in_use",
            "values": {"name": name, "flows": flows},
        }
        return await _page(request, error=error, status_code=409)
    await audit.record(request, "delete", "prompt", name, before=before | {"files": removed})
    if not is_htmx(request):
        return RedirectResponse(f"/prompts?deleted={name}", status_code=303)
    return await _page(request, notice={"key": "prompts.notice.deleted", "values": {"name": name}})


async def restore(request: Request) -> Response:
    name = request.path_params["name"]
    restored: int = request.path_params["version"]
    user = current_user(request)
    try:
        result = await services.restore(
            name, restored, user.username if user else "", tenant_id=tenant_of(request)
        )
    except NotFound:
        error = {"field": None, "key": "prompts.error.not_found", "values": {"name": name}}
        return await _page(request, error=error, status_code=404)
    after = services.snapshot(result.prompt) | {"restored_version": restored}
    await audit.record(request, "restore", "prompt", name, before=result.previous, after=after)
    if not is_htmx(request):
        return RedirectResponse(
            f"/prompts?restored={restored}&name={name}&version={result.prompt.version}",
            status_code=303,
        )
    notice = {
        "key": "prompts.notice.restored",
        "values": {"name": name, "restored": restored, "version": result.prompt.version},
    }
    return await _page(request, notice=notice)
