"""Request bodies are limited by route and refused before they are read.

The application is driven at the ASGI level here: the test's ``receive``
counts every body byte the application pulls, so "refused before reading"
is checked, not assumed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message

from admin_ui.app import create_app
from admin_ui.web import body_limit
from admin_ui.web.body_limit import FORM_LIMIT, ROUTE_LIMITS, limit_for
from fax.documents import MAX_PDF_BYTES
from hotline.audio_convert import MAX_UPLOAD_BYTES
from tests.unit.stand_in import StandInCenter
from tests.unit.ui_support import UiClient

MIB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "hotline-test-boundary"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]
    pulled: int  # body bytes the application asked for


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    headers: dict[str, str],
    chunks: Iterator[bytes],
) -> Answer:
    pulled = 0
    answer = Answer(0, b"", {}, 0)

    async def receive() -> Message:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("198.51.100.20", 40000),
        "server": ("hotline.test", 80),
    }
    await app(scope, receive, send)
    answer.pulled = pulled
    return answer


def multipart_file(size: int) -> Iterator[bytes]:
    """A multipart body with one file part of ``size`` bytes, made lazily."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    for _ in range(size // CHUNK):
        yield b"x" * CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.mark.security
async def test_given_48_mib_multipart_login_with_length_then_413_before_a_byte_is_read(
    ui: UiClient,
) -> None:
    assert ui.app is not None
    headers = MULTIPART | {"content-length": str(48 * MIB + 200)}
    answer = await call(ui.app, "POST", "/login", headers, multipart_file(48 * MIB))
    assert answer.status == 413
    assert answer.pulled == 0
    assert answer.headers["connection"] == "close"


@pytest.mark.security
async def test_given_chunked_body_over_the_limit_then_reading_stops_and_413(
    ui: UiClient,
) -> None:
    assert ui.app is not None
    form = {"content-type": "application/x-www-form-urlencoded"}  # no Content-Length
    chunks = (b"a" * CHUNK for _ in range(48 * MIB // CHUNK))
    answer = await call(ui.app, "POST", "/login", form, chunks)
    assert answer.status == 413
    assert answer.pulled <= FORM_LIMIT + CHUNK


@pytest.mark.security
async def test_given_login_not_urlencoded_then_415_and_the_form_is_not_parsed(
    ui: UiClient,
) -> None:
    await ui.get("/login")
    response = await ui.client.post(
        "/login",
        data={"username": "administrator", "csrf_token": ui.csrf},
        files={"password": ("p.txt", b"correct horse", "text/plain")},
    )
    assert response.status_code == 415
    response = await ui.client.post(
        "/login", json={"username": "administrator", "password": "x", "csrf_token": ui.csrf}
    )
    assert response.status_code == 415


@pytest.mark.security
async def test_given_ordinary_form_over_64_kib_then_413_even_when_signed_in(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.post("/language", {"language": "en", "next": "/" + "x" * FORM_LIMIT})
    assert response.status_code == 413
    assert (await ui.post("/language", {"language": "en", "next": "/"})).status_code == 303


@pytest.mark.security
async def test_given_upload_over_its_route_limit_then_413_without_reading(
    ui: UiClient,
) -> None:
    assert ui.app is not None
    for path, limit in (
        ("/prompts", MAX_UPLOAD_BYTES),
        ("/voicemail/5000/greetings/busy", MAX_UPLOAD_BYTES),
        ("/fax/documents", MAX_PDF_BYTES),
        ("/fax/documents/1/replace", MAX_PDF_BYTES),
    ):
        too_big = limit + body_limit.UPLOAD_FIELDS_LIMIT + 1
        headers = MULTIPART | {"content-length": str(too_big)}
        answer = await call(ui.app, "POST", path, headers, multipart_file(too_big))
        assert (answer.status, answer.pulled) == (413, 0), path


@pytest.mark.security
async def test_given_api_upload_over_the_limit_then_413_in_the_api_error_shape(
    ui: UiClient,
) -> None:
    assert ui.app is not None
    too_big = MAX_PDF_BYTES + body_limit.UPLOAD_FIELDS_LIMIT + 1
    headers = MULTIPART | {"content-length": str(too_big), "authorization": "Bearer nope"}
    answer = await call(ui.app, "POST", "/api/v1/fax/documents", headers, iter(()))
    assert answer.status == 413
    assert b'"error_id":"request-too-large"' in answer.body


@pytest.mark.security
async def test_given_invalid_content_length_then_400(ui: UiClient) -> None:
    assert ui.app is not None
    answer = await call(ui.app, "POST", "/login", {"content-length": "12, 99"}, iter(()))
    assert (answer.status, answer.pulled) == (400, 0)


def test_given_upload_routes_then_each_allows_its_own_file_limit_and_others_64_kib() -> None:
    assert limit_for("POST", "/login") == FORM_LIMIT == 64 * 1024
    assert limit_for("POST", "/queues") == FORM_LIMIT
    assert limit_for("GET", "/prompts") == FORM_LIMIT
    assert limit_for("POST", "/prompts") > MAX_UPLOAD_BYTES == 16 * MIB
    assert limit_for("POST", "/api/v1/prompts") == limit_for("POST", "/prompts")
    assert limit_for("POST", "/voicemail/5000/greetings/name") == limit_for("POST", "/prompts")
    assert limit_for("POST", "/fax/documents") > MAX_PDF_BYTES == 5 * MIB
    assert limit_for("POST", "/fax/documents/7/replace") == limit_for("POST", "/fax/documents")
    assert limit_for("POST", "/api/v1/fax/documents") == limit_for("POST", "/fax/documents")
    assert limit_for("POST", "/fax/documents/7/delete") == FORM_LIMIT
    assert limit_for("PUT", "/api/v1/flows/3/draft") == body_limit.TEXT_LIMIT
    assert limit_for("POST", "/campaigns/4/import") == body_limit.CAMPAIGN_IMPORT_LIMIT
    assert limit_for("POST", "/api/v1/campaigns/4/contacts/import") == limit_for(
        "POST", "/campaigns/4/import"
    )
    for _, _, limit in ROUTE_LIMITS:
        assert limit <= 16 * MIB + 64 * 1024


def test_given_route_limits_then_each_names_a_route_of_the_app() -> None:
    declared: set[tuple[str, str]] = set()
    for route in create_app(StandInCenter()).routes:
        if isinstance(route, Mount):
            for inner in route.routes:
                if isinstance(inner, Route):
                    declared.update((m, route.path + inner.path) for m in inner.methods or ())
        elif isinstance(route, Route):
            declared.update((method, route.path) for method in route.methods or ())
    for method, path, _ in ROUTE_LIMITS:
        assert (method, path) in declared, f"{method} {path} is not a route"
