"""Routes of the users feature: /users, /users/groups and /roles.

Fixed paths (``/users/new``, ``/users/groups``) come before ``/users/{user_id}``
so they are not taken for an id.
"""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.users import http, role_http
from admin_ui.web.routing import ui_route

POST = ("POST",)

routes: list[Route] = [
    ui_route("/users", http.list_users, "users:view"),
    ui_route("/users", http.create_user, "users:edit", methods=POST),
    ui_route("/users/new", http.new_user, "users:edit"),
    ui_route("/users/groups", http.list_groups, "users:view"),
    ui_route("/users/groups", http.create_group, "users:edit", methods=POST),
    ui_route("/users/groups/new", http.new_group, "users:edit"),
    ui_route("/users/groups/{group_id}", http.show_group, "users:view"),
    ui_route("/users/groups/{group_id}", http.update_group, "users:edit", methods=POST),
    ui_route("/users/{user_id}", http.show_user, "users:view"),
    ui_route("/users/{user_id}", http.update_user, "users:edit", methods=POST),
    ui_route("/users/{user_id}/deactivate", http.deactivate_user, "users:edit", methods=POST),
    ui_route("/users/{user_id}/activate", http.activate_user, "users:edit", methods=POST),
    ui_route("/users/{user_id}/password", http.reset_password, "users:edit", methods=POST),
    ui_route("/roles", role_http.list_roles, "roles:view"),
    ui_route("/roles", role_http.create_role, "roles:edit", methods=POST),
    ui_route("/roles/new", role_http.new_role, "roles:edit"),
    ui_route("/roles/{role_id}", role_http.show_role, "roles:view"),
    ui_route("/roles/{role_id}", role_http.update_role, "roles:edit", methods=POST),
    ui_route("/roles/{role_id}/delete", role_http.delete_role, "roles:edit", methods=POST),
]
