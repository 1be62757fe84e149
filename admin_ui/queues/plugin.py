"""Routes of the queues feature."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.queues import http
from admin_ui.web.routing import ui_route

routes: list[Route] = [
    ui_route("/queues", http.list_queues, "queues:view"),
    ui_route("/queues", http.create_queue, "queues:edit", methods=("POST",)),
    # Before /queues/{name}: "new" is a reserved queue name.
    ui_route("/queues/new", http.new_queue, "queues:edit"),
    ui_route("/queues/{name}", http.edit_queue, "queues:view"),
    ui_route("/queues/{name}", http.update_queue, "queues:edit", methods=("POST",)),
    ui_route("/queues/{name}/delete", http.delete_queue, "queues:edit", methods=("POST",)),
    ui_route("/queues/{name}/delete", http.back_to_queue, "queues:view"),
]
