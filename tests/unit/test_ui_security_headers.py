"""Security headers, and templates that need no inline script under the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from admin_ui.web.headers import PAGE_POLICY, SecurityHeadersMiddleware
from admin_ui.web.rendering import TEMPLATE_DIR
from fax import document_pdf as fax_services
from tests.unit.test_ui_security import sample_path, ui_routes
from tests.unit.ui_support import UiClient
from voice_prompts import preview as prompt_services

STATIC_DIR = TEMPLATE_DIR.parent / "static"
VENDORED = {
    "htmx-2.0.11.min.js",
    "htmx-ext-sse-2.2.4.min.js",
    "echarts-6.1.0.simple.min.js",
    "jssip-3.13.8.min.js",
}

# What a CSP without 'unsafe-inline' / 'unsafe-eval' would block.
INLINE_SCRIPT = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "on* handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on": re.compile(r"\bhx-on[:-]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "js: value": re.compile(r"hx-(vals|vars|headers)\s*=\s*[\"']\s*(js|javascript):", re.I),
    "htmx trigger filter": re.compile(r"hx-trigger\s*=\s*\"[^\"]*\[", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
}


def inline_script_in(text: str) -> list[str]:
    return [name for name, pattern in INLINE_SCRIPT.items() if pattern.search(text)]


def assert_security_headers(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "media-src 'self' blob:" in policy and "connect-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.security
async def test_given_any_response_then_it_carries_the_security_headers(ui: UiClient) -> None:
    for path in ("/login", "/static/app.css", "/static/app.js", "/no-such-page", "/"):
        response = await ui.get(path)
        assert_security_headers(response)
    await ui.login("administrator")
    for path in ("/", "/prompts", "/voicemail/5000", "/api/v1/queues"):
        assert_security_headers(await ui.get(path))


@pytest.mark.security
async def test_given_audio_and_pdf_routes_then_never_stored(
    ui: UiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def audio(
        name: str, language: str | None, version: int | None, *, tenant_id: int
    ) -> bytes:
        return b"RIFF....WAVE"

    async def pdf(number: str, *, tenant_id: int) -> bytes:
        return b"%PDF-1.4\n"

    monkeypatch.setattr(prompt_services, "audio", audio)
    monkeypatch.setattr(fax_services, "document_pdf_bytes", pdf)
    await ui.login("administrator")
    for path in ("/prompts/welcome/audio", "/fax/documents/1/pdf"):
        response = await ui.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff"
        # The browser's own viewer renders these (Chromium's PDF viewer
        # breaks under a page policy): only framing is forbidden.
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"


@pytest.mark.security
async def test_given_downloads_then_no_store_and_pages_keep_their_cache_headers() -> None:
    async def wav(request: Request) -> Response:
        return Response(b"RIFF", media_type="audio/wav", headers={"Cache-Control": "no-cache"})

    async def export(request: Request) -> Response:
        disposition = 'attachment; filename="calls.csv"'
        return Response(
            b"a,b\n", media_type="text/csv", headers={"Content-Disposition": disposition}
        )

    async def page(request: Request) -> Response:
        return HTMLResponse("<p>hi</p>", headers={"Cache-Control": "max-age=60"})

    app = Starlette(
        routes=[Route("/wav", wav), Route("/export", export), Route("/page", page)],
    )
    transport = httpx.ASGITransport(app=SecurityHeadersMiddleware(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/wav")).headers["cache-control"] == "no-store"
        exported = await client.get("/export")
        assert exported.headers["cache-control"] == "no-store"
        assert exported.headers["content-security-policy"] == PAGE_POLICY
        shown = await client.get("/page")
        assert shown.headers["cache-control"] == "max-age=60"
        assert_security_headers(shown)


@pytest.mark.security
def test_given_templates_and_scripts_then_nothing_needs_inline_script() -> None:
    found = {}
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        problems = inline_script_in(path.read_text(encoding="utf-8"))
        if problems:
            found[str(path.relative_to(TEMPLATE_DIR))] = problems
    for path in sorted(STATIC_DIR.glob("*.js")):
        if path.name in VENDORED:
            continue
        text = path.read_text(encoding="utf-8")
        # Script that builds script or markup with handlers defeats the policy.
        for construct in ("eval(", "new Function", 'setAttribute("on', "innerHTML", ".style"):
            if construct in text:
                found.setdefault(path.name, []).append(construct)
    assert found == {}


@pytest.mark.security
async def test_given_every_page_then_rendered_html_has_no_inline_script(ui: UiClient) -> None:
    await ui.login("administrator")
    for method, route_path, _ in ui_routes():
        if method != "GET":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = await ui.get(sample_path(route_path), headers=headers)
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            assert inline_script_in(response.text) == [], route_path


def test_given_base_page_then_htmx_injects_no_style_and_app_js_is_loaded() -> None:
    base = (TEMPLATE_DIR / "base.html").read_text(encoding="utf-8")
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base)
    assert meta is not None
    assert '"includeIndicatorStyles": false' in meta.group(1)
    assert '"allowEval": false' in meta.group(1)
    assert '<script src="/static/app.js" defer></script>' in base
    css = (STATIC_DIR / "app.css").read_text(encoding="utf-8")
    assert ".htmx-indicator {" in css and ".htmx-request .htmx-indicator" in css


def test_given_app_js_then_it_handles_what_the_templates_declare() -> None:
    script = Path(STATIC_DIR / "app.js").read_text(encoding="utf-8")
    templates = " ".join(p.read_text("utf-8") for p in TEMPLATE_DIR.rglob("*.html"))
    for attribute in ("data-submit-on-change", "data-swap-statuses", "data-poll-unless-playing"):
        assert attribute in templates and attribute in script, attribute
