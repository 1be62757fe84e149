"""/api/v1/prompts: list, upload (multipart) or TTS draft (JSON), and the 8 kHz audio.

Every request sees the token's tenant's prompts only: another tenant's id
answers 404, like a missing one.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.web import audit
from hotline.audio_convert import MAX_UPLOAD_BYTES
from hotline.errors import InvalidRequest
from voice_prompts import services


async def list_prompts(request: Request) -> Response:
    principal = await require(request, "view")
    items = await services.list_prompts(principal.tenant_id)
    return JSONResponse([services.as_json(item) for item in items])


async def _json_fields(request: Request) -> dict[str, str]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    return {key: str(body.get(key, "")) for key in ("name", "category", "language", "tts_text")}


async def create_prompt(request: Request) -> Response:
    """Multipart ``name, language, category, file`` uploads; JSON with ``tts_text`` drafts."""
    principal = await require(request, "edit")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form() as form:
            fields = {key: str(form.get(key, "")) for key in ("name", "category", "language")}
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidRequest("a multipart upload needs a 'file' part")
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            filename = upload.filename or ""
        result = await services.upload(
            fields["name"],
            fields["category"] or "other",
            fields["language"] or "en",
            data,
            filename,
            principal.name,
            tenant_id=principal.tenant_id,
        )
        action = "upload"
    elif content_type.startswith("application/json"):
        fields = await _json_fields(request)
        result = await services.tts_draft(
            fields["name"],
            fields["category"] or "other",
            fields["language"] or "en",
            fields["tts_text"],
            principal.name,
            tenant_id=principal.tenant_id,
        )
        action = "tts_draft"
    else:
        raise InvalidRequest("send multipart/form-data (a file) or JSON (tts_text)")
    after: dict[str, Any] = services.snapshot(result.prompt) | {
        "stored_language": result.stored.language,
        "source": result.stored.source,
        "source_format": result.stored.source_format,
    }
    await audit.record(
        request,
        action,
        "prompt",
        result.prompt.name,
        before=result.previous,
        after=after,
        username=principal.name,
        source="api",
    )
    return await _created(result.prompt.id, principal.tenant_id)


async def _created(prompt_id: int, tenant_id: int) -> JSONResponse:
    """201 with the prompt as ``GET /prompts`` lists it."""
    items = await services.list_prompts(tenant_id)
    item = next(i for i in items if i["prompt"].id == prompt_id)
    return JSONResponse(services.as_json(item), status_code=201)


async def prompt_audio(request: Request) -> Response:
    principal = await require(request, "view")
    prompt = await services.get_prompt_by_id(
        request.path_params["prompt_id"], tenant_id=principal.tenant_id
    )
    language = request.query_params.get("language") or None
    version_text = request.query_params.get("version", "")
    if version_text and not version_text.isdigit():
        raise InvalidRequest("version must be a number")
    data = await services.audio(prompt, language, int(version_text) if version_text else None)
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "no-cache"})


async def delete_prompt(request: Request) -> Response:
    """Delete a prompt with all its versions; 409 while a live flow version plays it."""
    principal = await require(request, "edit")
    prompt = await services.get_prompt_by_id(
        request.path_params["prompt_id"], tenant_id=principal.tenant_id
    )
    before, removed = await services.delete(prompt.name, tenant_id=principal.tenant_id)
    await audit.record(
        request,
        "delete",
        "prompt",
        prompt.name,
        before=before | {"files": removed},
        username=principal.name,
        source="api",
    )
    return Response(status_code=204)


async def restore_version(request: Request) -> Response:
    """Make an older version play again (stored as the next version of its language)."""
    principal = await require(request, "edit")
    prompt = await services.get_prompt_by_id(
        request.path_params["prompt_id"], tenant_id=principal.tenant_id
    )
    version = request.path_params["version"]
    result = await services.restore(
        prompt.name, version, principal.name, tenant_id=principal.tenant_id
    )
    await audit.record(
        request,
        "restore",
        "prompt",
        prompt.name,
        before=result.previous,
        after=services.snapshot(result.prompt) | {"restored_version": version},
        username=principal.name,
        source="api",
    )
    return await _created(prompt.id, principal.tenant_id)


ROUTES = [
    Route("/prompts", list_prompts),
    Route("/prompts", create_prompt, methods=["POST"]),
    Route("/prompts/{prompt_id:int}", delete_prompt, methods=["DELETE"]),
    Route("/prompts/{prompt_id:int}/audio", prompt_audio),
    Route(
        "/prompts/{prompt_id:int}/versions/{version:int}/restore",
        restore_version,
        methods=["POST"],
    ),
]


def _integer_in_path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


_PROMPT_ID = _integer_in_path("prompt_id")

OPENAPI_PATHS: dict[str, Any] = {
    "/prompts": {
        "get": {
            "summary": "Prompts with languages, versions and the flows that use them",
            "security": [{"bearer": []}],
            "parameters": [],
            "responses": {"200": {"description": "OK", "content": {"application/json": {}}}},
        },
        "post": {
            "summary": "Upload a prompt (multipart: name, language, category, file in WAV, "
            "MP3, OGG, M4A or WebM) or make a text-to-speech draft (JSON: name, language, "
            "category, tts_text); each is a new version of the name in that language",
            "security": [{"bearer": []}],
            "parameters": [],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["name", "file"],
                            "properties": {
                                "name": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"},
                                "language": {"type": "string", "enum": ["en", "zh-CN"]},
                                "category": {"type": "string"},
                                "file": {"type": "string", "format": "binary"},
                            },
                        }
                    },
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["name", "tts_text"],
                            "properties": {
                                "name": {"type": "string"},
                                "language": {"type": "string", "enum": ["en", "zh-CN"]},
                                "category": {"type": "string"},
                                "tts_text": {"type": "string", "maxLength": 1000},
                            },
                        }
                    },
                },
            },
            "responses": {
                "201": {"description": "stored", "content": {"application/json": {}}},
                "401": {"description": "missing, unknown, revoked or expired bearer token"},
                "403": {"description": "the token's role or scope may not do this"},
                "422": {"description": "rejected: details.reason says why; nothing stored"},
            },
        },
    },
    "/prompts/{prompt_id}": {
        "delete": {
            "summary": "Delete a prompt, every language and version, and its files",
            "security": [{"bearer": []}],
            "parameters": [_PROMPT_ID],
            "responses": {
                "204": {"description": "deleted"},
                "404": {"description": "no such prompt"},
                "409": {"description": "a published flow version that runs plays it"},
            },
        }
    },
    "/prompts/{prompt_id}/versions/{version}/restore": {
        "post": {
            "summary": "Make an older version play again: its audio becomes the next "
            "version of its language (history is kept)",
            "security": [{"bearer": []}],
            "parameters": [
                _PROMPT_ID,
                _integer_in_path("version"),
            ],
            "responses": {
                "201": {
                    "description": "the prompt, as in the list",
                    "content": {"application/json": {}},
                },
                "404": {"description": "no such prompt or version"},
            },
        }
    },
    "/prompts/{prompt_id}/audio": {
        "get": {
            "summary": "The 8 kHz WAV of the current audio (?language=en|zh-CN, ?version=N)",
            "security": [{"bearer": []}],
            "parameters": [_PROMPT_ID],
            "responses": {
                "200": {"description": "audio/wav", "content": {"audio/wav": {}}},
                "404": {"description": "no such prompt, language or version"},
            },
        }
    },
}
