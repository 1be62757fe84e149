"""Campaign pages: thin handlers (the guard has checked sign-in, permission and CSRF).

- ``GET /campaigns``: the campaigns with their progress, and the create form.
- ``GET /campaigns/{id}``: one campaign, live: its figures (``#campaign-figures``,
  refreshed by htmx every 2 s), its controls, the list import and its report,
  and the attempts with their outcomes.
- ``POST /campaigns/{id}/control``: start, pause, resume or stop (audited).
- ``POST /campaigns/{id}/import``: a CSV or XLSX list; the report names every
  rejected line, whose rows download from ``rejected.csv``.
- ``GET /campaigns/{id}/attempts.csv|xlsx``: the attempts, formulas made inert.

The use cases are the feature's (``ari_apps/campaigns/services.py``).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.campaigns.api import MAX_LIST_BYTES, attempts_file
from admin_ui.web.rendering import is_htmx, render, tenant_of
from admin_ui.web.requests import ui_actor
from ari_apps.campaigns import core, services
from hotline.center import ContactCenter
from hotline.errors import HotlineError, InvalidRequest, NotFound
from hotline.metrics import export as spreadsheet

_FORM_FIELDS = (
    "name",
    "kind",
    "message_prompt",
    "flow",
    "entry_node",
    "queue",
    "caller_id",
    "max_attempts",
    "retry_delay_s",
    "max_concurrent",
    "ring_timeout_s",
    "machine_action",
)


def _campaign_id(request: Request) -> int:
    value: int = request.path_params["campaign_id"]
    return value


async def list_campaigns(request: Request, **extra: Any) -> Response:
    context = {
        "campaigns": await services.listed(tenant_of(request)),
        "dnc": await services.dnc_list(tenant_of(request)),
        "dnc_error": extra.get("dnc_error"),
        "kinds": core.KINDS,
        "machine_actions": core.MACHINE_ACTIONS,
        "form": extra.get("form", {}),
        "error": extra.get("error"),
    }
    failed = extra.get("error") or extra.get("dnc_error")
    return render(request, "campaigns/list.html", context, status_code=422 if failed else 200)


async def create_campaign(request: Request) -> Response:
    form = await request.form()
    data: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in _FORM_FIELDS if form.get(name)
    }
    data["amd_enabled"] = form.get("amd_enabled") == "on"
    try:
        created = await services.create(tenant_of(request), ui_actor(request), data)
    except HotlineError as error:
        return await list_campaigns(request, form=data, error=error.message)
    return RedirectResponse(f"/campaigns/{created['id']}", status_code=303)


async def add_dnc(request: Request) -> Response:
    """A number (or a +prefix*) on the tenant's do-not-call list: never dialled
    by any campaign from the next dial on (audited)."""
    form = await request.form()
    try:
        await services.add_dnc(
            tenant_of(request),
            ui_actor(request),
            str(form.get("phone", "")),
            None,
            str(form.get("reason", "")),
        )
    except HotlineError as error:
        return await list_campaigns(request, dnc_error=error.message)
    return RedirectResponse("/campaigns", status_code=303)


async def _page(request: Request, **extra: Any) -> Response:
    tenant_id = tenant_of(request)
    try:
        campaign = await services.detail(tenant_id, _campaign_id(request))
    except NotFound as error:
        return render(
            request, "campaigns/not_found.html", {"message": error.message}, status_code=404
        )
    context = {
        "campaign": _with_pacing(request, campaign),
        "attempts": list(reversed(await services.attempts(tenant_id, campaign["id"], 200))),
        "outcomes": core.OUTCOMES,
        "report": extra.get("report"),
        "error": extra.get("error"),
    }
    status = 422 if extra.get("error") else 200
    return render(request, "campaigns/detail.html", context, status_code=status)


async def campaign_page(request: Request) -> Response:
    return await _page(request)


def _with_pacing(request: Request, campaign: dict[str, Any]) -> dict[str, Any]:
    center: ContactCenter = request.app.state.center
    return campaign | {"pacing": center.campaign_pacing(campaign["id"])}


async def figures(request: Request) -> Response:
    campaign = await services.detail(tenant_of(request), _campaign_id(request))
    context = {"campaign": _with_pacing(request, campaign), "outcomes": core.OUTCOMES}
    return render(request, "campaigns/_figures.html", context)


async def control(request: Request) -> Response:
    form = await request.form()
    try:
        await services.control(
            tenant_of(request), ui_actor(request), _campaign_id(request), str(form.get("action"))
        )
    except InvalidRequest as error:
        return await _page(request, error=error.message)
    if is_htmx(request):
        return await figures(request)
    return RedirectResponse(f"/campaigns/{_campaign_id(request)}", status_code=303)


async def import_list(request: Request) -> Response:
    async with request.form(max_part_size=MAX_LIST_BYTES) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _page(request, error="choose a CSV or XLSX file")
        data = await upload.read(MAX_LIST_BYTES + 1)
        filename = upload.filename
    try:
        if len(data) > MAX_LIST_BYTES:
            raise InvalidRequest(f"file: larger than {MAX_LIST_BYTES // (1024 * 1024)} MB")
        report = await services.import_contacts(
            tenant_of(request), ui_actor(request), _campaign_id(request), data, filename
        )
    except HotlineError as error:
        return await _page(request, error=error.message)
    return await _page(request, report=report)


async def rejected_rows(request: Request) -> Response:
    body = await services.rejected_rows_csv(tenant_of(request), _campaign_id(request))
    name = f"campaign-{_campaign_id(request)}-rejected.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


async def export_attempts(request: Request) -> Response:
    file_format = request.path_params["file_format"]
    if file_format not in spreadsheet.MEDIA_TYPES:
        return Response("export as .csv or .xlsx", status_code=404)
    return await attempts_file(tenant_of(request), _campaign_id(request), file_format)
