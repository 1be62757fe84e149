"""The customer pages (/customers): thin handlers; the guard has checked
sign-in, permission and CSRF.  Use cases and masking are the kernel's
(``hotline/customers``): what a page shows depends on the user's
``customer_pii:view`` (numbers and IDs whole) and ``customers:edit``.

- ``GET /customers``: search by name, account or number (``?q=``), or by
  mark (``?mark=vip``); an htmx search swaps ``#customer-list`` alone.
- ``GET /customers/{id}``: numbers, marks (with reason, expiry, who), the
  account details when allowed (``?call_id=``: only if that call's identity
  check matched), the history of calls and cases.
- ``POST`` on the record, its numbers and marks: one change each, audited;
  a refusal comes back on the page naming its field.
- ``GET/POST /customers/import``: a CSV or XLSX file and its report per row;
  ``/customers/export.csv|xlsx``: the same columns out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from admin_ui.web.rendering import current_user, is_htmx, render, tenant_of
from admin_ui.web.requests import ui_actor
from hotline.customers import core, files, reading, services
from hotline.customers.store import Viewer
from hotline.errors import HotlineError, InvalidRequest, NotFound
from hotline.metrics import export as spreadsheet

LIST_PARTIAL: Final = "customers/_table.html"
FORM_FIELDS: Final = (*services.FIELDS, "numbers", "mark", "mark_reason", "mark_expires")


def viewer(request: Request) -> Viewer:
    user = current_user(request)
    assert user is not None
    return Viewer(reveal=user.can("customer_pii:view"), maintains=user.can("customers:edit"))


def site_zone(request: Request) -> ZoneInfo:
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(settings.site_timezone if settings is not None else "UTC")


def _local(value: str | None, zone: ZoneInfo) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _customer_id(request: Request) -> int:
    customer_id: int = request.path_params["customer_id"]
    return customer_id


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


async def customers_page(request: Request) -> Response:
    query = request.query_params.get("q", "")[:64]
    mark = request.query_params.get("mark", "")
    page = _page_number(request)
    rows = await reading.search(
        tenant_of(request),
        viewer(request),
        query=query,
        mark=mark,
        limit=reading.PAGE_SIZE + 1,
        offset=(page - 1) * reading.PAGE_SIZE,
    )
    context = {
        "rows": rows[: reading.PAGE_SIZE],
        "more": len(rows) > reading.PAGE_SIZE,
        "page": page,
        "q": query,
        "mark": mark if mark in core.MARK_KINDS else "",
        "mark_kinds": core.MARK_KINDS,
    }
    return render(request, LIST_PARTIAL if is_htmx(request) else "customers/list.html", context)


async def new_form(
    request: Request, form: dict[str, str] | None = None, error: HotlineError | None = None
) -> Response:
    context = {
        "form": form or {},
        "mark_kinds": core.MARK_KINDS,
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }
    return render(request, "customers/new.html", context, status_code=422 if error else 200)


def _numbers(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


async def create_customer(request: Request) -> Response:
    posted = await request.form()
    form = {name: str(posted.get(name, "") or "") for name in FORM_FIELDS}
    data: dict[str, Any] = {**form, "numbers": _numbers(form["numbers"])}
    try:
        customer = await services.create(
            tenant_of(request), ui_actor(request), data, zone=site_zone(request)
        )
    except HotlineError as error:
        return await new_form(request, form, error)
    return RedirectResponse(f"/customers/{customer.id}", status_code=303)


async def customer_page(request: Request, error: HotlineError | None = None) -> Response:
    call_id = request.query_params.get("call_id", "")[:64]
    reader = viewer(request)
    record = await reading.detail(
        tenant_of(request), _customer_id(request), reader, call_id=call_id
    )
    zone = site_zone(request)
    for mark in record["marks"]:
        mark["expires_local"] = _local(mark["expires_at"], zone)
        mark["created_local"] = _local(mark["created_at"], zone)
    for call in record["calls"]:
        call["started_local"] = _local(call["started_at"], zone)
    for case in record["cases"]:
        case["created_local"] = _local(case["created_at"], zone)
    account = record["account"] or {}
    context = {
        "customer": record,
        # The edit form: an ID number shown masked is not put back as stars.
        "edit_form": {
            **account,
            "id_number": account.get("id_number", "") if reader.reveal else "",
        },
        "id_placeholder": "" if reader.reveal else account.get("id_number", ""),
        "mark_kinds": core.MARK_KINDS,
        "labels": services.NUMBER_LABELS[1:],
        "zone": str(zone),
        "error": error.message if error else None,
        "error_field": (error.details or {}).get("field") if error else None,
    }
    return render(request, "customers/detail.html", context, status_code=422 if error else 200)


async def _changed(request: Request, change: Any) -> Response:
    try:
        await change
    except NotFound:
        raise
    except HotlineError as error:
        return await customer_page(request, error)
    return RedirectResponse(f"/customers/{_customer_id(request)}", status_code=303)


async def update_customer(request: Request) -> Response:
    posted = await request.form()
    data = {name: str(posted.get(name, "") or "") for name in services.FIELDS}
    change = services.update(
        tenant_of(request),
        ui_actor(request),
        _customer_id(request),
        data,
        zone=site_zone(request),
        viewer=viewer(request),
    )
    return await _changed(request, change)


async def add_number(request: Request) -> Response:
    posted = await request.form()
    change = services.add_number(
        tenant_of(request),
        ui_actor(request),
        _customer_id(request),
        str(posted.get("number", "") or ""),
        str(posted.get("label", "") or ""),
    )
    return await _changed(request, change)


async def remove_number(request: Request) -> Response:
    change = services.remove_number(
        tenant_of(request),
        ui_actor(request),
        _customer_id(request),
        request.path_params["number_id"],
    )
    return await _changed(request, change)


async def add_mark(request: Request) -> Response:
    posted = await request.form()
    data = {name: str(posted.get(name, "") or "") for name in ("kind", "reason", "expires_at")}
    change = services.add_mark(
        tenant_of(request), ui_actor(request), _customer_id(request), data, zone=site_zone(request)
    )
    return await _changed(request, change)


async def revoke_mark(request: Request) -> Response:
    change = services.revoke_mark(
        tenant_of(request), ui_actor(request), _customer_id(request), request.path_params["mark_id"]
    )
    return await _changed(request, change)


# -- import and export ---------------------------------------------------------------


def _import_context(
    report: dict[str, Any] | None = None, error: HotlineError | None = None
) -> dict[str, Any]:
    return {
        "report": report,
        "formats": files.FORMATS,
        "error": error.message if error else None,
    }


async def import_form(request: Request) -> Response:
    return render(request, "customers/import.html", _import_context())


async def import_file(request: Request) -> Response:
    async with request.form(max_part_size=files.MAX_IMPORT_BYTES) as form:
        upload = form.get("file")
        data = b""
        filename = ""
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(files.MAX_IMPORT_BYTES + 1)
            filename = upload.filename
    try:
        if not filename:
            raise InvalidRequest("file: choose a CSV or XLSX file", {"field": "file"})
        if len(data) > files.MAX_IMPORT_BYTES:
            raise InvalidRequest(
                f"file: larger than {files.MAX_IMPORT_BYTES // 2**20} MB", {"field": "file"}
            )
        report = await files.import_file(
            tenant_of(request), ui_actor(request), data, filename, zone=site_zone(request)
        )
    except HotlineError as error:
        return render(
            request, "customers/import.html", _import_context(error=error), status_code=422
        )
    return render(request, "customers/import.html", _import_context(report))


async def export_file(request: Request) -> Response:
    """The customers as CSV or XLSX: formulas made inert and xlsxwriter
    settings as the report exports' (``hotline/metrics/export.py``)."""
    file_format = request.url.path.rpartition(".")[2]
    rows = await files.export_rows(
        tenant_of(request), ui_actor(request), viewer(request), site_zone(request), file_format
    )
    media_type = spreadsheet.MEDIA_TYPES[file_format]
    headers = {"Content-Disposition": f'attachment; filename="customers.{file_format}"'}
    if file_format == "csv":
        chunks = spreadsheet.csv_chunks(rows, files.EXPORT_COLUMNS)
        return StreamingResponse(chunks, media_type=media_type, headers=headers)
    # Seconds of CPU for a long list: off the event loop.
    body = await run_in_threadpool(
        spreadsheet.xlsx_bytes, rows, files.EXPORT_COLUMNS, sheet="customers"
    )
    return Response(body, media_type=media_type, headers=headers)
