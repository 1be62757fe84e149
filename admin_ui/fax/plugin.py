"""Routes of the fax pages: catalogue, jobs and fax DIDs."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.fax import http
from admin_ui.web.routing import ui_route

_POST = ("POST",)

routes: list[Route] = [
    ui_route("/fax", http.documents_page, "fax:view"),
    ui_route("/fax/documents", http.upload, "fax:edit", methods=_POST),
    ui_route("/fax/documents/{number}/pdf", http.document_pdf, "fax:view"),
    ui_route("/fax/documents/{number}/replace", http.replace, "fax:edit", methods=_POST),
    ui_route("/fax/documents/{number}/delete", http.delete, "fax:edit", methods=_POST),
    ui_route("/fax/jobs", http.jobs_page, "fax:view"),
    ui_route("/fax/jobs/{job_id}/pdf", http.job_pdf, "fax:view"),
    ui_route("/fax/jobs/{job_id}/retry", http.retry, "fax:edit", methods=_POST),
    ui_route("/fax/retry-policy", http.save_policy, "fax:edit", methods=_POST),
    ui_route("/fax/dids", http.dids_page, "fax:view"),
    ui_route("/fax/dids", http.save_did, "fax:edit", methods=_POST),
    ui_route("/fax/dids/{number}/delete", http.delete_did, "fax:edit", methods=_POST),
]
