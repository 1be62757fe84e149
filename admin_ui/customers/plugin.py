"""Routes of the customer pages: /customers (customer records)."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.customers import http
from admin_ui.web.routing import ui_route
from hotline.customers.files import FORMATS

VIEW = "customers:view"
EDIT = "customers:edit"
POST = ("POST",)

routes: list[Route] = [
    ui_route("/customers", http.customers_page, VIEW),
    ui_route("/customers", http.create_customer, EDIT, POST),
    ui_route("/customers/new", http.new_form, EDIT),
    ui_route("/customers/import", http.import_form, EDIT),
    ui_route("/customers/import", http.import_file, EDIT, POST),
    # The whole list leaves Hotline: those who maintain it export it.
    *(
        ui_route(f"/customers/export.{file_format}", http.export_file, EDIT)
        for file_format in FORMATS
    ),
    ui_route("/customers/{customer_id:int}", http.customer_page, VIEW),
    ui_route("/customers/{customer_id:int}", http.update_customer, EDIT, POST),
    ui_route("/customers/{customer_id:int}/numbers", http.add_number, EDIT, POST),
    ui_route(
        "/customers/{customer_id:int}/numbers/{number_id:int}/remove",
        http.remove_number,
        EDIT,
        POST,
    ),
    ui_route("/customers/{customer_id:int}/marks", http.add_mark, EDIT, POST),
    ui_route(
        "/customers/{customer_id:int}/marks/{mark_id:int}/revoke", http.revoke_mark, EDIT, POST
    ),
]
