"""Routes of the dialplan feature: custom dialplan and SIP trunks for telecom staff."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.dialplan import http
from admin_ui.web.routing import ui_route

# /dialplan/rendered comes before /dialplan/{kind} so it is not read as a kind.
routes: list[Route] = [
    ui_route("/dialplan", http.index, "dialplan:view"),
    ui_route("/dialplan/rendered", http.rendered, "dialplan:view"),
    ui_route("/dialplan/{kind}", http.editor, "dialplan:view"),
    ui_route("/dialplan/{kind}/versions/{version_id}", http.version, "dialplan:view"),
    ui_route("/dialplan/{kind}/check", http.check, "dialplan:edit", methods=("POST",)),
    ui_route("/dialplan/{kind}/save", http.save, "dialplan:edit", methods=("POST",)),
    ui_route("/dialplan/{kind}/apply", http.apply, "dialplan:publish", methods=("POST",)),
]
