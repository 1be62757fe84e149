"""Tenant scoping of the fax catalogue, fax jobs and fax DIDs: a second tenant
neither sees nor changes the demo tenant's, in the pages or the API; document
numbers and fax DIDs stay one numbering plan, so a number the demo tenant
holds is only "not available"; what the second tenant creates, and the jobs
made for it during calls, are its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from admin_ui.fax import api as fax_api
from admin_ui.fax import pages as ui_services
from fax.catalogue import delete_document, get_document, list_documents
from fax.demo import DEMO_DOCUMENT_NUMBER, DEMO_DOCUMENT_TITLE
from fax.dids import delete_fax_did, list_fax_dids
from fax.document_pdf import document_pdf_bytes
from fax.jobs import (
    create_inbound_job,
    create_same_call_job,
    get_job,
    list_jobs,
    retry_fax_back_now,
)
from fax.services import queue_fax_back
from hotline import seed
from hotline.api_tokens import SCOPES
from hotline.errors import NotFound
from hotline.models import AuditEntry, Tenant
from hotline.models_fax import FaxDid, FaxDocument, FaxJob
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_tokens import bearer, create_token
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.ui_support import UiClient

pytestmark = pytest.mark.security

HTMX = {"HX-Request": "true"}
DEMO_FAX_DID = "8009"
DEMO_NUMBER = DEMO_DOCUMENT_NUMBER


@pytest.fixture
def fax_settings(seeded: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Uploads from the pages and the API land under the test's own directories."""
    monkeypatch.setattr(ui_services, "current_settings", lambda request: seeded)
    monkeypatch.setattr(fax_api, "_settings", lambda request: seeded)
    return seeded


async def demo_rows() -> dict[str, FaxJob]:
    """A fax-back job, a received fax (with its PDF) and a fax DID of the demo tenant."""
    home = await home_tenant_id()
    document = await FaxDocument.get(number=DEMO_NUMBER)
    assert document.tenant_id == home
    await FaxDid.create(number=DEMO_FAX_DID, email="fax@demo.test", tenant_id=home)
    fax_back = await queue_fax_back(document, "5559000", "call-1")
    fax_back.status, fax_back.attempts = "failed", fax_back.max_attempts
    await fax_back.save()
    received = await create_inbound_job(DEMO_FAX_DID, "5550199", "call-2")
    pdf = Path(document.pdf_path).with_name("received-demo.pdf")
    pdf.write_bytes(b"%PDF-1.4 received")
    received.status, received.result_path = "done", str(pdf)
    await received.save()
    assert (fax_back.tenant_id, received.tenant_id) == (home, home)
    return {"fax_back": fax_back, "received": received}


async def fax_state() -> dict[str, Any]:
    """Everything a foreign request must leave as it was."""
    return {
        "documents": await FaxDocument.all().order_by("id").values(),
        "jobs": await FaxJob.all().order_by("id").values(),
        "dids": await FaxDid.all().order_by("number").values(),
        "audit": await AuditEntry.all().count(),
    }


def files_under(settings: Settings) -> list[str]:
    roots = [Path(settings.asterisk_root), settings.var_dir / "fax"]
    return sorted(str(p) for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


async def water_token(ui: UiClient) -> dict[str, str]:
    """A token of the signed-in (second) tenant's administrator, every scope."""
    _, clear = await create_token(ui, name="water fax", scopes=list(SCOPES))
    return bearer(clear)


async def api(
    ui: UiClient, method: str, path: str, headers: dict[str, str], **kwargs: Any
) -> httpx.Response:
    return await ui.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)


async def upload(ui: UiClient, number: str, data: bytes, **kwargs: Any) -> httpx.Response:
    return await ui.post(
        "/fax/documents",
        {"number": number, "title": "Water rates"},
        files={"file": ("doc.pdf", data, "application/pdf")},
        **kwargs,
    )


# -- what a second tenant sees ------------------------------------------------------------
async def test_given_second_tenant_admin_when_listing_then_none_of_the_demo_fax_rows(
    ui: UiClient, fax_settings: Settings
) -> None:
    await demo_rows()
    await other_tenant_admin(ui)

    response = await ui.get("/fax")
    assert response.status_code == 200
    assert ui.last.context["documents"] == []
    assert DEMO_DOCUMENT_TITLE not in response.text
    assert f'href="/fax/documents/{DEMO_NUMBER}/pdf"' not in response.text

    response = await ui.get("/fax/jobs")
    assert response.status_code == 200 and ui.last.context["jobs"] == []
    assert "5559000" not in response.text and "5550199" not in response.text
    response = await ui.get("/fax/jobs?status=failed")
    assert response.status_code == 200 and ui.last.context["jobs"] == []

    response = await ui.get("/fax/dids")
    assert response.status_code == 200 and ui.last.context["dids"] == []
    assert DEMO_FAX_DID not in response.text


async def test_given_second_tenant_token_when_listing_then_none_of_the_demo_fax_rows(
    ui: UiClient, fax_settings: Settings
) -> None:
    await demo_rows()
    await other_tenant_admin(ui)
    headers = await water_token(ui)

    for path in ("/fax/documents", "/fax/jobs", "/fax/dids"):
        response = await api(ui, "GET", path, headers)
        assert response.status_code == 200, path
        assert response.json() == [], path
    # The retry policy is the installation's (the shared trunk's): still readable.
    assert (await api(ui, "GET", "/fax/retry-policy", headers)).status_code == 200


async def test_given_demo_token_when_listing_then_the_demo_fax_rows_are_there(
    ui: UiClient, seeded: Settings, fax_settings: Settings
) -> None:
    jobs = await demo_rows()
    headers = bearer(seeded.api_token)
    documents = (await api(ui, "GET", "/fax/documents", headers)).json()
    assert [d["number"] for d in documents] == [DEMO_NUMBER]
    listed = (await api(ui, "GET", "/fax/jobs", headers)).json()
    assert sorted(j["id"] for j in listed) == sorted(job.id for job in jobs.values())
    dids = (await api(ui, "GET", "/fax/dids", headers)).json()
    assert dids == [{"number": DEMO_FAX_DID, "email": "fax@demo.test"}]


# -- what a second tenant may touch ---------------------------------------------------------
async def test_given_second_tenant_admin_when_touching_demo_fax_rows_then_404_and_unchanged(
    ui: UiClient, fax_settings: Settings, demo_pdf: bytes
) -> None:
    jobs = await demo_rows()
    await other_tenant_admin(ui)
    before, files = await fax_state(), files_under(fax_settings)

    assert (await ui.get(f"/fax/documents/{DEMO_NUMBER}/pdf")).status_code == 404
    replaced = await ui.post(
        f"/fax/documents/{DEMO_NUMBER}/replace",
        {"title": "Taken over"},
        files={"file": ("doc.pdf", demo_pdf, "application/pdf")},
        headers=HTMX,
    )
    assert replaced.status_code == 404
    assert ui.last.context["error"]["key"] == "fax.error.not_found"
    deleted = await ui.post(f"/fax/documents/{DEMO_NUMBER}/delete", headers=HTMX)
    assert deleted.status_code == 404
    assert ui.last.context["error"]["key"] == "fax.error.not_found"

    assert (await ui.get(f"/fax/jobs/{jobs['received'].id}/pdf")).status_code == 404
    retried = await ui.post(f"/fax/jobs/{jobs['fax_back'].id}/retry", headers=HTMX)
    assert retried.status_code == 404
    assert ui.last.context["error"]["key"] == "fax.error.job_not_found"

    removed = await ui.post(f"/fax/dids/{DEMO_FAX_DID}/delete", headers=HTMX)
    assert removed.status_code == 404
    assert ui.last.context["error"]["key"] == "fax.error.did_not_found"

    assert await fax_state() == before
    assert files_under(fax_settings) == files


async def test_given_second_tenant_token_when_touching_demo_fax_rows_then_404_and_unchanged(
    ui: UiClient, fax_settings: Settings
) -> None:
    jobs = await demo_rows()
    await other_tenant_admin(ui)
    headers = await water_token(ui)
    before, files = await fax_state(), files_under(fax_settings)
    missing = (await api(ui, "GET", "/fax/jobs/999999", headers)).json()

    for method, path in (
        ("GET", f"/fax/jobs/{jobs['fax_back'].id}"),
        ("GET", f"/fax/jobs/{jobs['received'].id}"),
        ("GET", f"/fax/jobs/{jobs['received'].id}/pdf"),
        ("POST", f"/fax/jobs/{jobs['fax_back'].id}/retry"),
    ):
        response = await api(ui, method, path, headers)
        assert response.status_code == 404, path
        # Exactly like a job that never was (only the id differs).
        assert response.json()["error_id"] == missing["error_id"], path
    response = await api(ui, "DELETE", f"/fax/dids/{DEMO_FAX_DID}", headers)
    assert response.status_code == 404
    assert response.json() == (await api(ui, "DELETE", "/fax/dids/8777", headers)).json() | {
        "message": f"{DEMO_FAX_DID} is not a fax DID.",
        "details": {"number": DEMO_FAX_DID},
    }

    assert await fax_state() == before
    assert files_under(fax_settings) == files


async def test_given_demo_ids_when_asked_of_the_services_for_another_tenant_then_not_found(
    seeded: Settings,
) -> None:
    jobs = await demo_rows()
    water = await Tenant.create(name="water")
    before = await fax_state()
    for call in (
        get_document(DEMO_NUMBER, tenant_id=water.id),
        delete_document(DEMO_NUMBER, tenant_id=water.id),
        document_pdf_bytes(DEMO_NUMBER, tenant_id=water.id),
        get_job(jobs["fax_back"].id, tenant_id=water.id),
        retry_fax_back_now(jobs["fax_back"].id, tenant_id=water.id),
        delete_fax_did(DEMO_FAX_DID, tenant_id=water.id),
    ):
        with pytest.raises(NotFound):
            await call
    assert await list_documents(tenant_id=water.id) == []
    assert await list_jobs(tenant_id=water.id) == []
    assert await list_fax_dids(tenant_id=water.id) == []
    assert await fax_state() == before


# -- one numbering plan ---------------------------------------------------------------------
async def test_given_the_demo_document_number_when_second_tenant_uploads_it_then_not_available(
    ui: UiClient, fax_settings: Settings, demo_pdf: bytes
) -> None:
    await demo_rows()
    await other_tenant_admin(ui)
    headers = await water_token(ui)
    before, files = await fax_state(), files_under(fax_settings)

    page = await upload(ui, DEMO_NUMBER, demo_pdf, headers=HTMX)
    assert page.status_code == 422
    assert ui.last.context["error"]["key"] == "fax.error.upload.unavailable"
    assert "this number is not available" in page.text
    assert DEMO_DOCUMENT_TITLE not in page.text and seed.DEMO_TENANT not in page.text

    response = await api(
        ui,
        "POST",
        "/fax/documents",
        headers,
        data={"number": DEMO_NUMBER, "title": "Water rates"},
        files={"file": ("doc.pdf", demo_pdf, "application/pdf")},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error_id"] == "fax-number-unavailable"
    assert body["details"] == {"field": "number", "reason": "unavailable"}
    assert DEMO_DOCUMENT_TITLE not in response.text and seed.DEMO_TENANT not in response.text

    assert await fax_state() == before
    assert files_under(fax_settings) == files


async def test_given_demo_dids_when_second_tenant_makes_them_fax_dids_then_not_available(
    ui: UiClient, fax_settings: Settings
) -> None:
    await demo_rows()
    await other_tenant_admin(ui)
    headers = await water_token(ui)
    before = await fax_state()

    # The demo's fax DID, and the demo's flow DID: neither says whose it is or what it does.
    for number in (DEMO_FAX_DID, seed.DEMO_DID):
        page = await ui.post("/fax/dids", {"number": number, "email": "x@water.test"}, headers=HTMX)
        assert page.status_code == 422, number
        assert ui.last.context["error"]["key"] == "fax.error.did.unavailable", number
        assert "fax@demo.test" not in page.text
        response = await api(ui, "PUT", f"/fax/dids/{number}", headers, json={"email": "x@w.test"})
        assert response.status_code == 409, number
        assert response.json()["error_id"] == "fax-number-unavailable", number
        assert "flow" not in response.text and "fax@demo.test" not in response.text

    assert await fax_state() == before


# -- what a second tenant creates -------------------------------------------------------------
async def test_given_second_tenant_when_creating_then_rows_and_call_jobs_are_its_own(
    ui: UiClient, seeded: Settings, fax_settings: Settings, demo_pdf: bytes
) -> None:
    await demo_rows()
    water, _ = await other_tenant_admin(ui)
    headers = await water_token(ui)

    assert (await upload(ui, "7", demo_pdf)).status_code == 303
    created = await api(
        ui,
        "POST",
        "/fax/documents",
        headers,
        data={"number": "8", "title": "Water tariffs"},
        files={"file": ("doc.pdf", demo_pdf, "application/pdf")},
    )
    assert created.status_code == 201, created.text
    saved = await ui.post("/fax/dids", {"number": "8011", "email": "fax@water.test"})
    assert saved.status_code == 303
    for number in ("7", "8"):
        assert (await FaxDocument.get(number=number)).tenant_id == water.id
    assert (await FaxDid.get(number="8011")).tenant_id == water.id

    # Jobs made during calls belong to the document's (or the fax DID's) tenant.
    document = await FaxDocument.get(number="7")
    same_call = await create_same_call_job(document, "5550100", "call-7")
    fax_back = await queue_fax_back(document, "5559001", "call-8")
    inbound = await create_inbound_job("8011", "5550101", "call-9")
    assert {same_call.tenant_id, fax_back.tenant_id, inbound.tenant_id} == {water.id}

    await ui.get("/fax")
    assert [d.number for d in ui.last.context["documents"]] == ["7", "8"]
    await ui.get("/fax/jobs")
    listed = {job["id"] for job in ui.last.context["jobs"]}
    assert listed == {same_call.id, fax_back.id, inbound.id}
    await ui.get("/fax/dids")
    assert [row.number for row in ui.last.context["dids"]] == ["8011"]
    job = await api(ui, "GET", f"/fax/jobs/{fax_back.id}", headers)
    assert job.status_code == 200 and job.json()["document"] == "7"

    # ... and the demo tenant sees none of it, nor may take its numbers.
    home = bearer(seeded.api_token)
    documents = (await api(ui, "GET", "/fax/documents", home)).json()
    assert [d["number"] for d in documents] == [DEMO_NUMBER]
    assert (await api(ui, "GET", f"/fax/jobs/{fax_back.id}", home)).status_code == 404
    assert [d["number"] for d in (await api(ui, "GET", "/fax/dids", home)).json()] == [DEMO_FAX_DID]
    taken = await api(ui, "PUT", "/fax/dids/8011", home, json={"email": "x@demo.test"})
    assert taken.status_code == 409
    assert (await FaxDid.get(number="8011")).email == "fax@water.test"

    # The audit entries are the second tenant's.
    entries = await AuditEntry.filter(object_type__in=["fax_document", "fax_did"])
    assert {entry.tenant_id for entry in entries} == {water.id}
