"""Files on case actions through /api/v1/cases: a multipart action keeps
them as the case page does (hotline/cases/attachments.py), the case's
history gives each file's address, a download is audited as on the page,
and a refused file keeps nothing (no action, no file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from admin_ui.web.body_limit import CASE_ACTION_LIMIT, FORM_LIMIT, limit_for
from hotline.cases.attachments import MAX_BYTES, MAX_FILES
from hotline.models import ApiToken, AuditEntry
from hotline.models_cases import CaseAction, CaseAttachment
from hotline.seed import token_digest
from hotline.settings import Settings
from tests.unit.test_api_routes import Api, api  # noqa: F401  (the API fixture)

PDF = b"%PDF-1.7\n" + b"reply letter " * 50
PNG = b"\x89PNG\r\n\x1a\n" + b"leak" * 100
# Tokens named as the demo's department people act as them (hotline/seed.py):
# billing holds the case below and may reply; supply was never given it.
BILLING = "billing-token-for-tests"
SUPPLY = "supply-token-for-tests"

Files = list[tuple[str, tuple[str, bytes, str]]]


@pytest.fixture
async def case_id(api: Api) -> int:  # noqa: F811
    for name, token, role in (("billing", BILLING, "administrator"), ("supply", SUPPLY, "auditor")):
        await ApiToken.create(name=name, token_sha256=token_digest(token), role=role)
    created = await api.send(
        "POST",
        "/cases",
        body={
            "category": "投诉",
            "caller_number": "+8613800000010",
            "subject": "Leak under the street",
            "department": "billing",
        },
    )
    assert created.status_code == 201 and created.json()["status"] == "handling"
    return int(created.json()["id"])


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def _act(
    api: Api,  # noqa: F811
    case_id: int,
    fields: dict[str, Any],
    files: Files,
    token: str = BILLING,
) -> httpx.Response:
    return await api.client.post(
        f"/api/v1/cases/{case_id}/actions", headers=_bearer(token), data=fields, files=files
    )


def _kept_files(var_dir: Path) -> list[Path]:
    return [path for path in (var_dir / "case_files").rglob("*") if path.is_file()]


async def test_given_a_multipart_action_with_a_pdf_and_a_png_then_both_download_as_given(
    api: Api,  # noqa: F811
    case_id: int,
    seeded: Settings,
) -> None:
    replied = await _act(
        api,
        case_id,
        {"action": "reply", "note": "fixed", "basis": "供水条例 §12"},
        [
            ("attachments", ("回复函.pdf", PDF, "application/pdf")),
            ("attachments", ("leak.png", PNG, "image/png")),
        ],
    )
    assert replied.status_code == 200, replied.text
    reply = replied.json()["history"][-1]
    assert (reply["action"], reply["note"], reply["data"]["basis"]) == (
        "reply",
        "fixed",
        "供水条例 §12",
    )
    files = reply["attachments"]
    assert [(f["filename"], f["content_type"], f["size_bytes"]) for f in files] == [
        ("回复函.pdf", "application/pdf", len(PDF)),
        ("leak.png", "image/png", len(PNG)),
    ]
    assert [f["download_url"] for f in files] == [
        f"/api/v1/cases/{case_id}/attachments/{f['id']}" for f in files
    ]
    assert len(_kept_files(seeded.var_dir)) == 2
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in _kept_files(seeded.var_dir))

    # The case as the centre reads it: the same files, the same addresses.
    read = (await api.get(f"/cases/{case_id}", "auditor")).json()
    assert read["history"][-1]["attachments"] == files
    for file, given, kind in ((files[0], PDF, "application/pdf"), (files[1], PNG, "image/png")):
        got = await api.client.get(file["download_url"], headers=api.auth("auditor"))
        assert got.status_code == 200 and got.content == given
        assert got.headers["content-type"] == kind
        assert got.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
        assert got.headers["cache-control"] == "no-store"

    downloads = await AuditEntry.filter(action="case_attachment_downloaded").order_by("id")
    assert [(e.username, e.source, e.object_id) for e in downloads] == [
        ("auditor tests", "api", str(files[0]["id"])),
        ("auditor tests", "api", str(files[1]["id"])),
    ]
    assert all(e.ip for e in downloads)
    assert downloads[0].after == {"case_id": case_id, "filename": "回复函.pdf"}
    # The action itself is audited with its files, as from the page.
    (action,) = await AuditEntry.filter(action="case_reply")
    assert (action.username, action.source) == ("billing", "api")
    assert action.after["attachments"] == ["回复函.pdf", "leak.png"]


def _refused_pdf(n: int) -> Files:
    return [("attachments", (f"{n}.pdf", PDF, "application/pdf")) for n in range(n)]


REFUSED: Final = {
    "magic-bytes": (
        [("attachments", ("reply.pdf", b"MZ this is no PDF", "application/pdf"))],
        "reply.pdf",
        "its content is not a .pdf file",
    ),
    "kind": (
        [
            ("attachments", ("ok.png", PNG, "image/png")),
            ("attachments", ("run.exe", b"MZ", "application/octet-stream")),
        ],
        "run.exe",
        "not a kind kept here",
    ),
    "too-big": (
        [("attachments", ("big.pdf", PDF + b"x" * MAX_BYTES, "application/pdf"))],
        "big.pdf",
        "larger than 10 MB",
    ),
    "too-many": (
        _refused_pdf(MAX_FILES + 1),
        None,
        f"at most {MAX_FILES} files ({MAX_FILES + 1} given)",
    ),
}


@pytest.mark.parametrize(("files", "named", "reason"), REFUSED.values(), ids=REFUSED.keys())
async def test_given_a_refused_file_then_400_names_it_and_nothing_is_kept(
    api: Api,  # noqa: F811
    case_id: int,
    seeded: Settings,
    files: Files,
    named: str | None,
    reason: str,
) -> None:
    refused = await _act(api, case_id, {"action": "reply", "note": "fixed"}, files)
    assert refused.status_code == 400
    body = refused.json()
    assert body["error_id"] == "invalid-request"
    assert body["details"] == {"field": "attachments", **({"file": named} if named else {})}
    assert reason in body["message"] and (named or "attachments") in body["message"]
    assert not await CaseAction.filter(case_id=case_id, action="reply").exists()
    assert not await CaseAttachment.exists()
    assert _kept_files(seeded.var_dir) == []
    assert not await AuditEntry.filter(action="case_reply").exists()


async def test_given_good_files_with_an_action_refused_later_then_the_files_are_removed(
    api: Api,  # noqa: F811
    case_id: int,
    seeded: Settings,
) -> None:
    # The basis is checked inside the action's transaction: after the files
    # were written, which must go again with the action.
    too_long = await _act(api, case_id, {"action": "reply", "basis": "x" * 501}, _refused_pdf(2))
    assert too_long.status_code == 400 and too_long.json()["details"] == {"field": "basis"}
    # Not the holder's turn to decide: refused before anything is written.
    not_allowed = await _act(api, case_id, {"action": "close"}, _refused_pdf(1))
    assert not_allowed.status_code == 403 and not_allowed.json()["details"] == {"field": "action"}
    assert not await CaseAction.filter(case_id=case_id, action__in=["reply", "close"]).exists()
    assert not await CaseAttachment.exists()
    assert _kept_files(seeded.var_dir) == []


async def test_given_a_form_not_as_the_api_takes_it_then_400_names_the_field(
    api: Api,  # noqa: F811
    case_id: int,
) -> None:
    as_text = await _act(
        api, case_id, {"action": "reply", "attachments": "reply.pdf"}, _refused_pdf(1)
    )
    assert as_text.status_code == 400
    assert as_text.json()["details"] == {"field": "attachments"}
    note_file = await _act(
        api, case_id, {"action": "reply"}, [("note", ("note.txt", b"fixed", "text/plain"))]
    )
    assert note_file.status_code == 400 and note_file.json()["details"] == {"field": "note"}
    twice = await api.client.post(
        f"/api/v1/cases/{case_id}/actions",
        headers=_bearer(BILLING),
        data={"action": ["reply", "close"]},
        files=_refused_pdf(1),
    )
    assert twice.status_code == 400 and twice.json()["details"] == {"field": "action"}
    missing = await _act(api, case_id, {"note": "no action"}, _refused_pdf(1))
    assert missing.status_code == 400 and missing.json()["details"] == {"field": "action"}
    assert not await CaseAction.filter(case_id=case_id, action="reply").exists()


async def test_given_a_multipart_action_without_files_then_it_is_the_json_action(
    api: Api,  # noqa: F811
    case_id: int,
) -> None:
    # The form's fields as the JSON body's: departments repeated or comma-separated.
    joint = await api.client.post(
        f"/api/v1/cases/{case_id}/actions",
        headers=api.auth("administrator"),
        data={"action": "transfer", "departments": ["supply"], "note": "their pipe"},
        files=[("attachments", ("", b"", "application/octet-stream"))],  # an empty file field
    )
    assert joint.status_code == 200, joint.text
    entry = joint.json()["history"][-1]
    assert (entry["action"], entry["targets"], entry["attachments"]) == (
        "transfer",
        ["supply"],
        [],
    )


async def test_given_json_actions_then_they_work_as_before_and_keep_their_body_limit(
    api: Api,  # noqa: F811
    case_id: int,
) -> None:
    chased = await api.send("POST", f"/cases/{case_id}/actions", body={"action": "chase"})
    assert chased.status_code == 200 and chased.json()["chases"] == 1
    assert chased.json()["history"][-1]["attachments"] == []
    bad = await api.send(
        "POST", f"/cases/{case_id}/actions", body={"action": "transfer", "department": "x"}
    )
    assert bad.status_code == 400 and bad.json()["details"] == {"field": "department"}
    # The route takes a multipart action's files; a JSON body keeps the API's 64 KiB.
    assert limit_for("POST", f"/api/v1/cases/{case_id}/actions") == CASE_ACTION_LIMIT
    huge = await api.send(
        "POST", f"/cases/{case_id}/actions", body={"action": "note", "note": "x" * FORM_LIMIT}
    )
    assert huge.status_code == 413 and huge.json()["error_id"] == "request-too-large"
    assert not await CaseAction.filter(case_id=case_id, action="note").exists()


async def test_given_another_department_s_token_then_the_file_is_as_missing_as_the_case(
    api: Api,  # noqa: F811
    case_id: int,
) -> None:
    replied = await _act(
        api,
        case_id,
        {"action": "reply", "note": "fixed"},
        [("attachments", ("leak.png", PNG, "image/png"))],
    )
    (file,) = replied.json()["history"][-1]["attachments"]
    supply = await api.client.get(file["download_url"], headers=_bearer(SUPPLY))
    assert supply.status_code == 404 and supply.json()["error_id"] == "not-found"
    assert (await api.get(f"/cases/{case_id}", "auditor")).status_code == 200
    assert (
        await api.client.get(f"/api/v1/cases/{case_id}", headers=_bearer(SUPPLY))
    ).status_code == 404
    # A file id of no such file, on a case the token sees: 404 as well.
    other = await api.get(f"/cases/{case_id}/attachments/{file['id'] + 100}")
    assert other.status_code == 404
    billing = await api.client.get(file["download_url"], headers=_bearer(BILLING))
    assert billing.status_code == 200 and billing.content == PNG
    downloads = await AuditEntry.filter(action="case_attachment_downloaded")
    assert [e.username for e in downloads] == ["billing"]


async def test_given_the_openapi_document_then_it_describes_the_form_and_the_download(
    api: Api,  # noqa: F811
) -> None:
    paths = (await api.client.get("/api/v1/openapi.json")).json()["paths"]
    body = paths["/cases/{case_id}/actions"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    form = body["multipart/form-data"]["schema"]["properties"]
    assert form["attachments"]["maxItems"] == MAX_FILES
    assert form["attachments"]["items"] == {"type": "string", "format": "binary"}
    assert {"action", "department", "note", "deadline"} <= set(form)
    download = paths["/cases/{case_id}/attachments/{attachment_id}"]["get"]
    assert "case_attachment_downloaded" in download["summary"]
    assert {"application/pdf", "image/png"} <= set(download["responses"]["200"]["content"])
    assert "download_url" in paths["/cases/{case_id}"]["get"]["summary"]
