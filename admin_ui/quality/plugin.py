"""Routes of the quality inspection pages: /quality (质检)."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.quality import http
from admin_ui.web.routing import ui_route

VIEW = "quality:view"
EDIT = "quality:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/quality", http.quality_page, VIEW),
    ui_route("/quality/sample", http.sample, EDIT, POST),
    ui_route("/quality/forms", http.forms_page, EDIT),
    ui_route("/quality/forms", http.save_form, EDIT, POST),
    ui_route("/quality/reviews/{review_id:int}", http.review_page, VIEW),
    ui_route("/quality/reviews/{review_id:int}/score", http.score, EDIT, POST),
    ui_route("/quality/reviews/{review_id:int}/uphold", http.uphold, EDIT, POST),
    # The agent's own answer (accept or appeal): only on a review of their calls.
    ui_route("/quality/reviews/{review_id:int}/answer", http.answer, VIEW, POST),
]
