"""Routes of the campaigns feature: /campaigns (outbound dialing, 外呼任务)."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.campaigns import http
from admin_ui.web.routing import ui_route

VIEW = "campaigns:view"
EDIT = "campaigns:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/campaigns", http.list_campaigns, VIEW),
    ui_route("/campaigns", http.create_campaign, EDIT, POST),
    ui_route("/campaigns/dnc", http.add_dnc, EDIT, POST),
    ui_route("/campaigns/{campaign_id:int}", http.campaign_page, VIEW),
    ui_route("/campaigns/{campaign_id:int}/figures", http.figures, VIEW),
    ui_route("/campaigns/{campaign_id:int}/control", http.control, EDIT, POST),
    ui_route("/campaigns/{campaign_id:int}/import", http.import_list, EDIT, POST),
    ui_route("/campaigns/{campaign_id:int}/rejected.csv", http.rejected_rows, VIEW),
    ui_route("/campaigns/{campaign_id:int}/attempts.{file_format:str}", http.export_attempts, VIEW),
]
