"""/api/v1/fax over a seeded in-memory database: a PDF uploaded through the API is
converted, listed and audited; a refused one names the reason and stores nothing;
the retry policy and "retry now" through the API."""

from __future__ import annotations

import io
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from admin_ui.app import create_app
from fax.demo import SOURCE
from hotline.models import AuditEntry
from hotline.models_fax import FaxDocument, FaxJob
from hotline.settings import Settings, load_settings
from tests.unit.stand_in import StandInCenter


@dataclass
class FaxApi:
    client: httpx.AsyncClient
    headers: dict[str, str]
    settings: Settings


@pytest.fixture(scope="module")
def one_page(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    pdf = tmp_path_factory.mktemp("fax-api") / "demo.pdf"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
         "-sPAPERSIZE=a4", f"-sOutputFile={pdf}", str(SOURCE)],
        check=True,
    )  # fmt: skip
    writer = PdfWriter()
    writer.add_page(PdfReader(str(pdf)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
async def fax_api(seeded: Settings, tmp_path: Path) -> AsyncIterator[FaxApi]:
    settings = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_ASTERISK_ROOT": str(tmp_path / "root")}
    )
    app = create_app(StandInCenter(), settings=settings)
    headers = {"authorization": f"Bearer {seeded.api_token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hotline.test"
    ) as client:
        yield FaxApi(client, headers, settings)


def tiff_frames(path: str) -> list[tuple[int, int, str]]:
    frames = []
    with Image.open(path) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append((image.width, image.height, str(image.info.get("compression"))))
    return frames


def fax_files(settings: Settings) -> list[Path]:
    roots = [Path(settings.asterisk_root), settings.var_dir / "fax"]
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


async def test_given_pdf_when_uploaded_through_the_api_then_listed_converted_and_audited(
    fax_api: FaxApi, one_page: bytes
) -> None:
    response = await fax_api.client.post(
        "/api/v1/fax/documents",
        headers=fax_api.headers,
        data={"number": "42", "title": "Order form"},
        files={"file": ("order.pdf", one_page, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"number": "42", "title": "Order form", "pages": 1}

    listed = await fax_api.client.get("/api/v1/fax/documents", headers=fax_api.headers)
    assert listed.status_code == 200
    assert {"number": "42", "title": "Order form", "pages": 1} in listed.json()
    assert [d["number"] for d in listed.json()] == ["1", "42"]

    document = await FaxDocument.get(number="42")
    assert Path(document.tiff_path).is_relative_to(fax_api.settings.asterisk_root)
    assert tiff_frames(document.tiff_path) == [(1728, 2292, "group4")]
    entry = await AuditEntry.get(action="fax_document_uploaded", object_id="42")
    assert entry.source == "api" and entry.username == "demo admin"
    assert entry.after["pages"] == 1 and entry.before is None


async def test_given_encrypted_pdf_when_uploaded_through_the_api_then_400_with_reason(
    fax_api: FaxApi, one_page: bytes
) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(one_page)))
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    response = await fax_api.client.post(
        "/api/v1/fax/documents",
        headers=fax_api.headers,
        data={"number": "43", "title": "Locked"},
        files={"file": ("locked.pdf", locked.getvalue(), "application/pdf")},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error_id"] == "fax-document-rejected"
    assert body["details"] == {"reason": "encrypted"} and "encrypted" in body["message"]
    assert not await FaxDocument.exists(number="43")
    assert fax_files(fax_api.settings) == []


async def test_given_retry_policy_and_failed_job_through_the_api_then_saved_and_retried(
    fax_api: FaxApi,
) -> None:
    policy = await fax_api.client.get("/api/v1/fax/retry-policy", headers=fax_api.headers)
    assert policy.json() == {"max_attempts": 3, "first_delay_s": 60, "max_delay_s": 900}
    bad = await fax_api.client.put(
        "/api/v1/fax/retry-policy",
        headers=fax_api.headers,
        json={"max_attempts": 0, "first_delay_s": 5, "max_delay_s": 10},
    )
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "max_attempts"
    saved = await fax_api.client.put(
        "/api/v1/fax/retry-policy",
        headers=fax_api.headers,
        json={"max_attempts": 2, "first_delay_s": 5, "max_delay_s": 10},
    )
    assert saved.json() == {"max_attempts": 2, "first_delay_s": 5, "max_delay_s": 10}

    document = await FaxDocument.get(number="1")
    job = await FaxJob.create(
        tenant_id=document.tenant_id,
        direction="out",
        kind="fax_back",
        document=document,
        remote_number="5559000",
        status="failed",
        attempts=2,
        max_attempts=2,
        error="no_answer (cause 19)",
    )
    retried = await fax_api.client.post(f"/api/v1/fax/jobs/{job.id}/retry", headers=fax_api.headers)
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["max_attempts"]) == ("retry_wait", 3)
    again = await fax_api.client.post(f"/api/v1/fax/jobs/{job.id}/retry", headers=fax_api.headers)
    assert again.status_code == 200  # still waiting: made due again, no extra attempt
    assert again.json()["max_attempts"] == 3
    actions = sorted(
        e.action for e in await AuditEntry.filter(source="api", object_type__startswith="fax")
    )
    assert actions == ["fax_back_policy_saved", "fax_job_retried", "fax_job_retried"]
