"""The audit log pages: read-only, filtered with GET query parameters.

What they show is the kernel's query (``hotline/audit_log.py``).

The filter form and the pager links carry ``href``/``action`` for plain
navigation and ``hx-get`` so htmx swaps only the ``#audit-table`` partial.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from admin_ui.web.rendering import is_htmx, render
from hotline import audit_log as log_query
from hotline.errors import NotFound


async def audit_log(request: Request) -> Response:
    filters = log_query.parse_filters(request.query_params)
    tenant_id = request.state.user.tenant_id
    context = {
        "filters": filters,
        "result": await log_query.search(filters, tenant_id),
        "options": await log_query.filter_options(tenant_id),
    }
    # An ignored (invalid) filter is the client's error; the table still shows.
    # htmx does not swap 4xx answers, so the partial reports it with a 200.
    status = 400 if filters.errors and not is_htmx(request) else 200
    template = "audit/_table.html" if is_htmx(request) else "audit/list.html"
    return render(request, template, context, status_code=status)


async def audit_entry(request: Request) -> Response:
    try:
        row = await log_query.entry(request.path_params["entry_id"], request.state.user.tenant_id)
    except NotFound as error:
        return render(request, "audit/not_found.html", {"message": error.message}, status_code=404)
    return render(request, "audit/entry.html", {"row": row})
