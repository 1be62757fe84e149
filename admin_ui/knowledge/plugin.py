"""Routes of the knowledge base pages: /knowledge (知识库).

Searching, reading and sending an article to the caller need
``knowledge:view`` (agents); writing for one's department ``knowledge:edit``;
approving a version ``knowledge:publish``.
"""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.knowledge import http
from admin_ui.web.routing import ui_route

VIEW = "knowledge:view"
EDIT = "knowledge:edit"
PUBLISH = "knowledge:publish"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/knowledge", http.knowledge_page, VIEW),
    ui_route("/knowledge", http.create, EDIT, POST),
    ui_route("/knowledge/search", http.search_results, VIEW),
    ui_route("/knowledge/new", http.new_form, EDIT),
    ui_route("/knowledge/{article_id:int}.pdf", http.article_pdf, VIEW),
    ui_route("/knowledge/{article_id:int}", http.article_page, VIEW),
    ui_route("/knowledge/{article_id:int}", http.edit, EDIT, POST),
    ui_route("/knowledge/{article_id:int}/submit", http.submit, EDIT, POST),
    ui_route("/knowledge/{article_id:int}/review", http.review, PUBLISH, POST),
    ui_route("/knowledge/{article_id:int}/retire", http.retire, EDIT, POST),
    # Sending is what an agent does for the caller on the line, as dialing is.
    ui_route("/knowledge/{article_id:int}/send", http.send, VIEW, POST),
]
