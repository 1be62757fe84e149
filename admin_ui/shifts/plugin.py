"""Routes of the shifts feature: schedules, business calendars, staffing planner."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.shifts import http
from admin_ui.web.routing import ui_route

VIEW = "shifts:view"
EDIT = "shifts:edit"
# Computing a plan costs CPU; the agent role may read schedules but not plan.
PLAN = "shifts:plan"
POST = ("POST",)

# Ids in paths are plain strings, not ":int" convertors: a malformed id then
# still passes the guard (403 for the wrong role) and gets a clean 404.
routes: list[Route] = [
    ui_route("/shifts", http.overview, VIEW),
    ui_route("/shifts/agents/{extension}", http.agent_page, VIEW),
    ui_route("/shifts/agents/{extension}/patterns", http.add_pattern, EDIT, POST),
    ui_route(
        "/shifts/agents/{extension}/patterns/{item_id}/delete", http.delete_pattern, EDIT, POST
    ),
    ui_route("/shifts/agents/{extension}/exceptions", http.add_exception, EDIT, POST),
    ui_route(
        "/shifts/agents/{extension}/exceptions/{item_id}/delete",
        http.delete_exception,
        EDIT,
        POST,
    ),
    ui_route("/shifts/planner", http.planner_page, PLAN),
    ui_route("/shifts/planner", http.compute_plan, PLAN, POST),
    ui_route("/shifts/calendars", http.calendars_page, VIEW),
    ui_route("/shifts/calendars", http.create_calendar, EDIT, POST),
    ui_route("/shifts/calendars/{name}", http.calendar_page, VIEW),
    ui_route("/shifts/calendars/{name}", http.update_calendar, EDIT, POST),
    ui_route("/shifts/calendars/{name}/delete", http.delete_calendar, EDIT, POST),
]
