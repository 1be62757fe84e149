"""The /fax pages: catalogue (upload, refusals named in both languages with nothing
stored, replace, delete, preview), jobs (filter, received PDF, retry now, the
retry policy) and fax DIDs; every change audited with the user and IP."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader, PdfWriter

from admin_ui.fax import pages as ui_services
from fax import services as fax_services
from fax.documents import MAX_PAGES, MAX_PDF_BYTES
from hotline.models import AuditEntry
from hotline.models_fax import FaxDid, FaxDocument, FaxJob
from hotline.settings import Settings, load_settings
from tests.unit.ui_support import UiClient

GOLDEN_DIR = Path(__file__).parent / "golden" / "fax"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def two_pages(demo_pdf: bytes) -> bytes:
    return demo_pdf


def pdf_pages(data: bytes, pages: int) -> bytes:
    """A PDF of ``pages`` pages cut from or repeated out of ``data``."""
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for index in range(pages):
        writer.add_page(reader.pages[index % len(reader.pages)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def fax_settings(seeded: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Uploads land under tmp_path: a chroot for the TIFFs, a var dir for the PDFs."""
    settings = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_ASTERISK_ROOT": str(tmp_path / "root")}
    )
    monkeypatch.setattr(ui_services, "current_settings", lambda request: settings)
    return settings


def stored_files(settings: Settings) -> list[str]:
    roots = [Path(settings.asterisk_root), settings.var_dir / "fax"]
    return sorted(p.name for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def exists(path: str) -> bool:
    return Path(path).is_file()


def read(path: str) -> bytes:
    return Path(path).read_bytes()


def assert_matches_golden(html: str, name: str) -> None:
    normalised = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    normalised = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", "DATE", normalised)
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(normalised, encoding="utf-8")
    assert normalised == path.read_text(encoding="utf-8")


async def upload(
    ui: UiClient,
    number: str,
    data: bytes,
    *,
    title: str = "Price list",
    headers: dict[str, str] | None = None,
    filename: str = "doc.pdf",
) -> httpx.Response:
    return await ui.post(
        "/fax/documents",
        {"number": number, "title": title},
        files={"file": (filename, data, "application/pdf")},
        headers=headers,
    )


# -- catalogue ---------------------------------------------------------------------------
async def test_given_seeded_demo_then_catalogue_lists_document_1_with_its_pages_and_preview(
    ui: UiClient, fax_settings: Settings
) -> None:
    await ui.login("administrator")
    response = await ui.get("/fax")
    assert response.status_code == 200
    assert ui.last.template == "fax/documents.html"
    [document] = ui.last.context["documents"]
    assert (document.number, document.pages) == ("1", 2)
    assert 'href="/fax/documents/1/pdf"' in response.text
    assert 'action="/fax/documents"' in response.text and 'href="/fax/jobs"' in response.text
    assert 'href="/fax" aria-current="page"' in response.text  # nav and sub-nav

    preview = await ui.get("/fax/documents/1/pdf")
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.headers["content-disposition"].startswith("inline")
    assert len(PdfReader(io.BytesIO(preview.content)).pages) == 2


async def test_given_good_pdf_when_uploaded_then_converted_stored_listed_and_audited(
    ui: UiClient, fax_settings: Settings, two_pages: bytes
) -> None:
    await ui.login("supervisor")
    response = await upload(ui, "7", two_pages, title="Opening hours")
    assert response.status_code == 303
    assert response.headers["location"] == "/fax?uploaded=7"
    document = await FaxDocument.get(number="7")
    assert (document.title, document.pages, document.uploaded_by) == (
        "Opening hours",
        2,
        "supervisor",
    )
    assert Path(document.tiff_path).is_relative_to(fax_settings.asterisk_root)
    assert read(document.pdf_path) == two_pages

    page = await ui.get("/fax?uploaded=7")
    assert ui.last.context["notice"] == {"key": "fax.notice.uploaded", "values": {"value": "7"}}
    assert "Document 7 was saved." in page.text and 'id="fax-document-7"' in page.text

    entry = await AuditEntry.get(action="fax_document_uploaded", object_id="7")
    assert entry.username == "supervisor" and entry.ip == "127.0.0.1" and entry.source == "ui"
    assert entry.before is None and entry.after["pages"] == 2


async def test_given_htmx_upload_then_only_the_catalogue_partial_is_rendered(
    ui: UiClient, fax_settings: Settings, two_pages: bytes
) -> None:
    await ui.login("administrator")
    response = await upload(ui, "12", pdf_pages(two_pages, 1), headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "fax/_documents.html"
    assert response.text.startswith('<section id="fax-documents">')
    assert [d.number for d in ui.last.context["documents"]] == ["1", "12"]


REFUSALS = [
    ("encrypted", "File: the PDF is encrypted or password-protected."),
    ("corrupt", "File: the PDF is damaged and cannot be read."),
    ("not_pdf", "File: this is not a PDF."),
    ("too_many_pages", f"File: the PDF has more than {MAX_PAGES} pages."),
    ("too_large", f"File: larger than {MAX_PDF_BYTES // 1024 // 1024} MB."),
    ("empty", "File: the file is empty."),
]


def refused_file(reason: str, good: bytes) -> bytes:
    if reason == "encrypted":
        return encrypted(good)
    if reason == "corrupt":
        return good[:400]
    if reason == "not_pdf":
        return b"GIF89a" + b"\0" * 200
    if reason == "too_many_pages":
        return pdf_pages(good, MAX_PAGES + 1)
    if reason == "too_large":
        return b"%PDF-1.4\n" + b"0" * MAX_PDF_BYTES
    return b""


@pytest.mark.parametrize(("reason", "english"), REFUSALS)
async def test_given_bad_pdf_when_uploaded_then_reason_shown_and_nothing_stored(
    ui: UiClient, fax_settings: Settings, two_pages: bytes, reason: str, english: str
) -> None:
    await ui.login("administrator")
    response = await upload(ui, "8", refused_file(reason, two_pages), title="Form", headers=HTMX)
    assert response.status_code == 422
    assert ui.last.template == "fax/_documents.html"
    assert ui.last.context["error"]["key"] == f"fax.error.upload.{reason}"
    assert english in response.text
    assert 'value="8"' in response.text and 'value="Form"' in response.text  # form kept
    assert not await FaxDocument.exists(number="8")
    assert stored_files(fax_settings) == []
    assert not await AuditEntry.exists(action="fax_document_uploaded")


async def test_given_chinese_user_when_upload_refused_then_reason_is_in_chinese(
    ui: UiClient, fax_settings: Settings, two_pages: bytes
) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/fax"})
    response = await upload(ui, "8", encrypted(two_pages), headers=HTMX)
    assert response.status_code == 422
    assert "文件：PDF 已加密或受密码保护。" in response.text
    assert "请重新选择文件。" in response.text


@pytest.mark.parametrize(
    ("number", "title", "key"),
    [("12a", "T", "fax.error.upload.number"), ("9", "  ", "fax.error.upload.title")],
)
async def test_given_bad_number_or_title_then_the_field_is_named_and_nothing_stored(
    ui: UiClient, fax_settings: Settings, two_pages: bytes, number: str, title: str, key: str
) -> None:
    await ui.login("administrator")
    response = await upload(ui, number, two_pages, title=title)
    assert response.status_code == 422
    assert ui.last.template == "fax/documents.html"
    assert ui.last.context["error"]["key"] == key
    assert await FaxDocument.all().count() == 1 and stored_files(fax_settings) == []


async def test_given_refused_upload_then_the_partial_matches_the_golden_html(
    ui: UiClient, fax_settings: Settings, two_pages: bytes
) -> None:
    await ui.login("administrator")
    response = await upload(ui, "8", encrypted(two_pages), title="Form", headers=HTMX)
    assert_matches_golden(response.text, "documents_rejected.html")


async def test_given_document_when_replaced_then_new_file_and_pages_old_files_gone(
    ui: UiClient, fax_settings: Settings, two_pages: bytes
) -> None:
    await ui.login("administrator")
    assert (await upload(ui, "7", two_pages, title="Menu")).status_code == 303
    old = await FaxDocument.get(number="7")
    response = await ui.post(
        "/fax/documents/7/replace",
        {"title": ""},
        files={"file": ("new.pdf", pdf_pages(two_pages, 1), "application/pdf")},
    )
    assert response.status_code == 303
    new = await FaxDocument.get(number="7")
    assert (new.title, new.pages) == ("Menu", 1)  # an empty title keeps the old one
    assert not exists(old.tiff_path) and not exists(old.pdf_path)
    assert exists(new.tiff_path)
    entry = await AuditEntry.filter(action="fax_document_uploaded", object_id="7").order_by("-id")
    assert entry[0].before["pages"] == 2 and entry[0].after["pages"] == 1

    refused = await ui.post(
        "/fax/documents/7/replace",
        {"title": ""},
        files={"file": ("bad.pdf", encrypted(two_pages), "application/pdf")},
    )
    assert refused.status_code == 422
    assert (await FaxDocument.get(number="7")).sha256 == new.sha256  # kept as it was


async def test_given_document_when_deleted_then_row_and_files_gone_and_audited(
    ui: UiClient, fax_settings: Settings, two_pages: bytes
) -> None:
    await ui.login("administrator")
    await upload(ui, "7", two_pages)
    document = await FaxDocument.get(number="7")
    response = await ui.post("/fax/documents/7/delete", headers=HTMX)
    assert response.status_code == 200
    assert ui.last.context["notice"]["key"] == "fax.notice.deleted"
    assert not await FaxDocument.exists(number="7")
    assert not exists(document.tiff_path) and not exists(document.pdf_path)
    entry = await AuditEntry.get(action="fax_document_deleted", object_id="7")
    assert entry.before["title"] == "Price list" and entry.username == "administrator"

    again = await ui.post("/fax/documents/7/delete", headers=HTMX)
    assert again.status_code == 404
    assert "There is no document number 7." in again.text


async def test_given_auditor_then_catalogue_is_read_only(
    ui: UiClient, fax_settings: Settings
) -> None:
    await ui.login("auditor")
    response = await ui.get("/fax")
    assert response.status_code == 200
    assert 'action="/fax/documents"' not in response.text
    assert "/delete" not in response.text and 'href="/fax/documents/1/pdf"' in response.text


# -- jobs --------------------------------------------------------------------------------
async def make_jobs(settings: Settings) -> dict[str, FaxJob]:
    document = await FaxDocument.get(number="1")
    failed = await FaxJob.create(
        tenant_id=document.tenant_id,
        direction="out",
        kind="fax_back",
        document=document,
        remote_number="5559000",
        status="failed",
        attempts=3,
        max_attempts=3,
        error="busy (cause 17)",
        finished_at=datetime.now(UTC),
    )
    pdf = settings.var_dir / "fax" / "received" / "fax-x.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.4 received")
    received = await FaxJob.create(
        tenant_id=document.tenant_id,
        direction="in",
        kind="inbound",
        remote_number="5550199",
        local_number="8009",
        status="done",
        pages=2,
        rate_bps=14400,
        ecm=True,
        t38=True,
        attempts=1,
        max_attempts=1,
        result_path=str(pdf),
    )
    return {"failed": failed, "received": received}


async def test_given_jobs_then_listed_with_status_mode_rate_and_filtered_by_status(
    ui: UiClient, fax_settings: Settings
) -> None:
    jobs = await make_jobs(fax_settings)
    await ui.login("supervisor")
    page = await ui.get("/fax/jobs")
    assert page.status_code == 200 and ui.last.template == "fax/jobs.html"
    assert [j["id"] for j in ui.last.context["jobs"]] == [jobs["received"].id, jobs["failed"].id]
    assert "14400 bps · ECM" in page.text and "T.38" in page.text
    assert "busy (cause 17)" in page.text and "3 / 3" in page.text
    assert f'href="/fax/jobs/{jobs["received"].id}/pdf"' in page.text
    assert f'action="/fax/jobs/{jobs["failed"].id}/retry"' in page.text
    assert f'action="/fax/jobs/{jobs["received"].id}/retry"' not in page.text

    filtered = await ui.get("/fax/jobs?status=failed", headers=HTMX)
    assert ui.last.template == "fax/_jobs.html"
    assert [j["id"] for j in ui.last.context["jobs"]] == [jobs["failed"].id]
    assert filtered.text.startswith('<section id="fax-jobs">')

    unknown = await ui.get("/fax/jobs?status=bogus")
    assert unknown.status_code == 200 and len(ui.last.context["jobs"]) == 2


async def test_given_received_fax_then_its_pdf_downloads(
    ui: UiClient, fax_settings: Settings
) -> None:
    jobs = await make_jobs(fax_settings)
    await ui.login("auditor")
    response = await ui.get(f"/fax/jobs/{jobs['received'].id}/pdf")
    assert response.status_code == 200 and response.content == b"%PDF-1.4 received"
    assert response.headers["content-type"] == "application/pdf"
    missing = await ui.get(f"/fax/jobs/{jobs['failed'].id}/pdf")
    assert missing.status_code == 404


async def test_given_failed_fax_back_when_retry_now_then_one_more_attempt_is_due_and_audited(
    ui: UiClient, fax_settings: Settings
) -> None:
    jobs = await make_jobs(fax_settings)
    await ui.login("administrator")
    response = await ui.post(f"/fax/jobs/{jobs['failed'].id}/retry", headers=HTMX)
    assert response.status_code == 200 and ui.last.template == "fax/_jobs.html"
    assert f"Fax job {jobs['failed'].id} will be dialled again now." in response.text
    job = await FaxJob.get(id=jobs["failed"].id)
    assert (job.status, job.attempts, job.max_attempts) == ("retry_wait", 3, 4)
    assert job.next_attempt_at is not None and job.finished_at is None
    assert [j.id for j in await fax_services.due_fax_back_jobs(datetime.now(UTC))] == [job.id]
    entry = await AuditEntry.get(action="fax_job_retried", object_id=str(job.id))
    assert entry.before["status"] == "failed" and entry.after["status"] == "retry_wait"

    refused = await ui.post(f"/fax/jobs/{jobs['received'].id}/retry", headers=HTMX)
    assert refused.status_code == 409
    assert ui.last.context["error"]["key"] == "fax.error.retry.not_fax_back"
    unknown = await ui.post("/fax/jobs/999999/retry", headers=HTMX)
    assert unknown.status_code == 404 and "There is no fax job 999999." in unknown.text


async def test_given_done_fax_back_when_retry_now_then_refused(
    ui: UiClient, fax_settings: Settings
) -> None:
    jobs = await make_jobs(fax_settings)
    await FaxJob.filter(id=jobs["failed"].id).update(status="done", error="")
    await ui.login("administrator")
    response = await ui.post(f"/fax/jobs/{jobs['failed'].id}/retry")
    assert response.status_code == 409
    assert ui.last.context["error"]["key"] == "fax.error.retry.status"
    assert (await FaxJob.get(id=jobs["failed"].id)).status == "done"


async def test_given_retry_policy_form_then_saved_validated_and_used_for_new_jobs(
    ui: UiClient, fax_settings: Settings
) -> None:
    await ui.login("administrator")
    page = await ui.get("/fax/jobs")
    assert ui.last.context["policy_form"] == {
        "max_attempts": "3",
        "first_delay_s": "60",
        "max_delay_s": "900",
    }
    assert 'action="/fax/retry-policy"' in page.text
    refused = await ui.post(
        "/fax/retry-policy",
        {"max_attempts": "2", "first_delay_s": "600", "max_delay_s": "60"},
        headers=HTMX,
    )
    assert refused.status_code == 422 and ui.last.template == "fax/_policy.html"
    assert "must not be shorter than the first wait" in refused.text
    assert (await fax_services.fax_back_policy()) == fax_services.FAX_BACK_POLICY

    saved = await ui.post(
        "/fax/retry-policy",
        {"max_attempts": "2", "first_delay_s": "5", "max_delay_s": "30"},
        headers=HTMX,
    )
    assert saved.status_code == 200 and saved.text.startswith('<section id="fax-policy"')
    assert "The fax-back retry policy was saved." in saved.text
    policy = await fax_services.fax_back_policy()
    assert (policy.max_attempts, policy.first_delay_s, policy.max_delay_s) == (2, 5, 30)
    job = await fax_services.queue_fax_back(await FaxDocument.get(number="1"), "5559000", "c1")
    assert job.max_attempts == 2
    await fax_services.start_fax_back_attempt(job, "leg-1")
    before = datetime.now(UTC)
    await fax_services.fax_back_attempt_failed(job.id, "busy", "busy (cause 17)")
    job = await FaxJob.get(id=job.id)
    assert job.status == "retry_wait" and job.next_attempt_at is not None
    assert timedelta(seconds=4) < job.next_attempt_at - before < timedelta(seconds=7)
    entry = await AuditEntry.get(action="fax_back_policy_saved")
    assert entry.before["first_delay_s"] == 60 and entry.after["first_delay_s"] == 5


# -- fax DIDs ----------------------------------------------------------------------------
async def test_given_fax_did_form_then_added_listed_refused_when_invalid_and_removed(
    ui: UiClient, fax_settings: Settings
) -> None:
    await ui.login("telecom_engineer")
    response = await ui.post("/fax/dids", {"number": "8009", "email": "fax@example.test"})
    assert response.status_code == 303 and response.headers["location"] == "/fax/dids?saved=8009"
    assert (await FaxDid.get(number="8009")).email == "fax@example.test"
    page = await ui.get("/fax/dids?saved=8009")
    assert ui.last.template == "fax/dids.html" and 'id="fax-did-8009"' in page.text
    assert "DID 8009 now receives faxes." in page.text

    bad = await ui.post("/fax/dids", {"number": "8010", "email": "nobody"}, headers=HTMX)
    assert bad.status_code == 422 and ui.last.template == "fax/_dids.html"
    assert "Email: enter a valid address." in bad.text and 'value="8010"' in bad.text
    taken = await ui.post("/fax/dids", {"number": "8000", "email": "a@b.test"}, headers=HTMX)
    assert taken.status_code == 422
    assert ui.last.context["error"]["key"] == "fax.error.did.did_runs_flow"
    assert await FaxDid.all().count() == 1

    removed = await ui.post("/fax/dids/8009/delete", headers=HTMX)
    assert removed.status_code == 200 and not await FaxDid.exists(number="8009")
    entries = await AuditEntry.filter(object_type="fax_did")
    assert sorted(entry.action for entry in entries) == ["fax_did_deleted", "fax_did_saved"]
    gone = await ui.post("/fax/dids/8009/delete", headers=HTMX)
    assert gone.status_code == 404 and "8009 is not a fax DID." in gone.text


async def test_given_fax_pages_then_csrf_is_required_for_changes(
    ui: UiClient, fax_settings: Settings
) -> None:
    await ui.login("administrator")
    response = await ui.post("/fax/dids", {"number": "8009", "email": "f@x.test"}, csrf=False)
    assert response.status_code == 403 and ui.last.context["reason"] == "csrf_failed"
    assert not await FaxDid.exists(number="8009")
