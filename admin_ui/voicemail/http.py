"""Voicemail inbox pages: boxes with counts; a box's messages (play, save,
delete) and its settings (email, retention, PIN, greetings).

Two swap targets on a box page: ``#vm-messages`` (polled, so a new message
shows up without a reload) and ``#vm-settings``.  Every form also works
without JavaScript (POST, then a redirect back to the box).

Every page works in the signed-in user's tenant: another tenant's box is a
404 exactly like a missing one, and nothing of it changes.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from admin_ui.web import audit
from admin_ui.web.rendering import is_htmx, render, tenant_of
from hotline.audio_convert import ACCEPTED_EXTENSIONS, MAX_UPLOAD_BYTES
from hotline.errors import NotFound
from hotline.models_voicemail import GREETING_KINDS
from vm import mailbox_admin
from vm.store import VoicemailRejected

# The file picker offers every extension the prompt pipeline accepts.
_ACCEPT = ",".join([f".{ext}" for ext in ACCEPTED_EXTENSIONS] + ["audio/*"])


def _error(rejected: VoicemailRejected) -> dict[str, Any]:
    return {"field": rejected.field, "key": rejected.i18n_key, "values": rejected.values}


def _message_id(request: Request) -> int:
    text = str(request.path_params["message_id"])
    if not text.isdigit():
        raise NotFound(f"no voicemail message {text[:20]!r}")
    return int(text)


def _not_found(missing: NotFound) -> Response:
    return PlainTextResponse(missing.message, status_code=404)


async def boxes_page(request: Request) -> Response:
    template = "voicemail/_boxes.html" if is_htmx(request) else "voicemail/list.html"
    return render(request, template, {"rows": await mailbox_admin.box_rows(tenant_of(request))})


async def _box(
    request: Request,
    number: str,
    partial: str,
    *,
    error: dict[str, Any] | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        view = await mailbox_admin.box_view(number, tenant_of(request))
    except NotFound as missing:
        return _not_found(missing)
    context = {
        "view": view,
        "error": error,
        "notice": notice,
        "form": form
        or {
            "email": view.box.email,
            "retention_days": str(view.box.retention_days or ""),
        },
        "accept": _ACCEPT,
        "greeting_kinds": GREETING_KINDS,
    }
    template = partial if is_htmx(request) else "voicemail/box.html"
    return render(request, template, context, status_code=status_code)


async def _finish(request: Request, number: str, partial: str, notice: str) -> Response:
    if not is_htmx(request):
        return RedirectResponse(f"/voicemail/{number}?done={notice}", status_code=303)
    return await _box(request, number, partial, notice=notice)


_NOTICES = frozenset(
    {"settings", "pin", "greeting_uploaded", "greeting_deleted", "saved", "deleted"}
)


async def box_page(request: Request) -> Response:
    done = request.query_params.get("done", "")
    notice = done if done in _NOTICES else None
    return await _box(
        request, request.path_params["box"], "voicemail/_messages.html", notice=notice
    )


async def save_settings(request: Request) -> Response:
    number = request.path_params["box"]
    async with request.form() as form:
        typed = {key: str(form.get(key, "")).strip() for key in ("email", "retention_days")}
    try:
        before, after = await mailbox_admin.update_settings(
            number, typed["email"], typed["retention_days"], tenant_of(request)
        )
    except NotFound as missing:
        return _not_found(missing)
    except VoicemailRejected as rejected:
        return await _box(
            request,
            number,
            "voicemail/_settings.html",
            error=_error(rejected),
            form=typed,
            status_code=422,
        )
    await audit.record(
        request, "voicemail_box_updated", "voicemail_box", number, before=before, after=after
    )
    return await _finish(request, number, "voicemail/_settings.html", "settings")


async def change_pin(request: Request) -> Response:
    number = request.path_params["box"]
    async with request.form() as form:
        pin, confirm = str(form.get("pin", "")).strip(), str(form.get("pin_confirm", "")).strip()
    try:
        await mailbox_admin.set_pin(number, pin, confirm, tenant_of(request))
    except NotFound as missing:
        return _not_found(missing)
    except VoicemailRejected as rejected:
        return await _box(
            request, number, "voicemail/_settings.html", error=_error(rejected), status_code=422
        )
    # Never the PIN itself, not even hashed, in the audit log.
    await audit.record(request, "voicemail_pin_changed", "voicemail_box", number)
    return await _finish(request, number, "voicemail/_settings.html", "pin")


async def upload_greeting(request: Request) -> Response:
    number, kind = request.path_params["box"], request.path_params["kind"]
    async with request.form() as form:
        upload = form.get("file")
        data, filename = b"", ""
        if isinstance(upload, UploadFile):
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            filename = upload.filename or ""
    try:
        await mailbox_admin.upload_greeting(number, kind, data, filename, tenant_of(request))
    except NotFound as missing:
        return _not_found(missing)
    except VoicemailRejected as rejected:
        return await _box(
            request, number, "voicemail/_settings.html", error=_error(rejected), status_code=422
        )
    after = {"greeting": kind, "filename": filename, "bytes": len(data)}
    await audit.record(request, "voicemail_greeting_uploaded", "voicemail_box", number, after=after)
    return await _finish(request, number, "voicemail/_settings.html", "greeting_uploaded")


async def delete_greeting(request: Request) -> Response:
    number, kind = request.path_params["box"], request.path_params["kind"]
    try:
        await mailbox_admin.delete_greeting(number, kind, tenant_of(request))
    except NotFound as missing:
        return _not_found(missing)
    await audit.record(
        request, "voicemail_greeting_deleted", "voicemail_box", number, before={"greeting": kind}
    )
    return await _finish(request, number, "voicemail/_settings.html", "greeting_deleted")


async def greeting_audio(request: Request) -> Response:
    try:
        data = await mailbox_admin.greeting_audio(
            request.path_params["box"], request.path_params["kind"], tenant_of(request)
        )
    except NotFound as missing:
        return _not_found(missing)
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "no-cache"})


async def message_audio(request: Request) -> Response:
    try:
        data = await mailbox_admin.message_audio(
            request.path_params["box"], _message_id(request), tenant_of(request)
        )
    except NotFound as missing:
        return _not_found(missing)
    return Response(data, media_type="audio/wav")


async def save_message(request: Request) -> Response:
    number = request.path_params["box"]
    try:
        message_id = _message_id(request)
        after = await mailbox_admin.save_message(number, message_id, tenant_of(request))
    except NotFound as missing:
        return _not_found(missing)
    await audit.record(request, "voicemail_saved", "voicemail_message", message_id, after=after)
    return await _finish(request, number, "voicemail/_messages.html", "saved")


async def delete_message(request: Request) -> Response:
    number = request.path_params["box"]
    try:
        message_id = _message_id(request)
        before = await mailbox_admin.delete_message(number, message_id, tenant_of(request))
    except NotFound as missing:
        return _not_found(missing)
    await audit.record(request, "voicemail_deleted", "voicemail_message", message_id, before=before)
    return await _finish(request, number, "voicemail/_messages.html", "deleted")
