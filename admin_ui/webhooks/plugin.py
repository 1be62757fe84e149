"""Routes of the webhooks feature: /webhooks."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.web.routing import ui_route
from admin_ui.webhooks import http

VIEW = "webhooks:view"
EDIT = "webhooks:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/webhooks", http.list_webhooks, VIEW),
    ui_route("/webhooks", http.create_webhook, EDIT, POST),
    # Before /webhooks/{webhook_id}/...: ids are numbers, "new" is not one.
    ui_route("/webhooks/new", http.new_webhook, EDIT),
    ui_route("/webhooks/{webhook_id:int}/activate", http.activate, EDIT, POST),
    ui_route("/webhooks/{webhook_id:int}/deactivate", http.deactivate, EDIT, POST),
    ui_route("/webhooks/{webhook_id:int}/delete", http.delete, EDIT, POST),
    ui_route("/webhooks/deliveries/{delivery_id:int}/redeliver", http.redeliver, EDIT, POST),
]
