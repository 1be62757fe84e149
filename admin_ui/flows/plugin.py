"""Routes of the flows feature.

Path parameters are plain strings (parsed by the handlers): a path such as
``/flows/x`` reaches the guard, so it is refused or a clean 404, never a
routing miss that would skip the permission check.
"""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.flows import http
from admin_ui.web.routing import ui_route

_POST = ("POST",)

routes: list[Route] = [
    ui_route("/flows", http.flow_list, "flows:view"),
    ui_route("/flows", http.flow_create, "flows:edit", methods=_POST),
    # Widening where http_lookup nodes may connect is a publisher's call, not
    # every flow editor's (the allow-list is what stops them reaching inside).
    ui_route("/flows/lookup-hosts", http.lookup_host_add, "flows:publish", methods=_POST),
    ui_route("/flows/lookup-hosts/remove", http.lookup_host_remove, "flows:publish", methods=_POST),
    ui_route("/flows/{flow_id}", http.flow_editor, "flows:view"),
    ui_route("/flows/{flow_id}/nodes", http.node_add, "flows:edit", methods=_POST),
    ui_route("/flows/{flow_id}/nodes/{node_id}", http.node_save, "flows:edit", methods=_POST),
    ui_route(
        "/flows/{flow_id}/nodes/{node_id}/delete", http.node_delete, "flows:edit", methods=_POST
    ),
    ui_route("/flows/{flow_id}/start", http.start_set, "flows:edit", methods=_POST),
    ui_route("/flows/{flow_id}/draft", http.draft_replace, "flows:edit", methods=_POST),
    ui_route("/flows/{flow_id}/publish", http.flow_publish, "flows:publish", methods=_POST),
    ui_route("/flows/{flow_id}/dids", http.did_assign, "flows:edit", methods=_POST),
    ui_route(
        "/flows/{flow_id}/dids/{number}/delete", http.did_unassign, "flows:edit", methods=_POST
    ),
    ui_route("/flows/{flow_id}/test-call", http.flow_test_call, "flows:edit", methods=_POST),
    ui_route("/flows/{flow_id}/versions", http.version_list, "flows:view"),
    ui_route("/flows/{flow_id}/diff", http.version_diff, "flows:view"),
    ui_route(
        "/flows/{flow_id}/versions/{version}/rollback",
        http.version_rollback,
        "flows:publish",
        methods=_POST,
    ),
]
