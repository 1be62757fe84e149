"""Routes of the tenants feature: /tenants.

Only users of the home tenant (the platform operator's) reach them; any
other tenant's users get 404, as for a path that does not exist.
"""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.tenants import http
from admin_ui.web.routing import ui_route

VIEW = "tenants:view"
EDIT = "tenants:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/tenants", http.list_tenants, VIEW, home_tenant_only=True),
    ui_route("/tenants", http.create_tenant, EDIT, POST, home_tenant_only=True),
    ui_route("/tenants/{tenant_id}/rename", http.rename_tenant, EDIT, POST, home_tenant_only=True),
    ui_route("/tenants/{tenant_id}/rename", http.back_to_list, VIEW, home_tenant_only=True),
]
