"""Saved custom reports: the list and its form, one report run for a period,
its exports, and deletion.  Thin: parse, one kernel call, render; every
change audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.reports import view
from admin_ui.reports.exports import report_export, site_zone
from admin_ui.reports.tables import cell
from admin_ui.web import audit
from admin_ui.web.rendering import current_user, render
from hotline.errors import HotlineError, InvalidRequest, NotFound
from hotline.metrics import saved_reports
from hotline.metrics.intervals import GRAINS
from hotline.metrics.report_kinds import KINDS
from hotline.models import Role


def _viewer(request: Request) -> saved_reports.Viewer:
    user = current_user(request)
    assert user is not None  # ui_route signed the user in
    return saved_reports.Viewer(user.username, user.roles, user.tenant_id)


async def _list_context(request: Request, kind: str) -> dict[str, Any]:
    viewer = _viewer(request)
    roles = await Role.all().order_by("name").values_list("name", flat=True)
    return {
        "saved": await saved_reports.visible(viewer),
        "me": viewer.username,
        "kind": "saved",
        "form_kind": kind,
        "form_kinds": tuple(KINDS),
        "form_columns": saved_reports.columns_of(kind),
        "form_filter": saved_reports.FILTERS.get(kind, ""),
        "grains": GRAINS,
        "roles": list(roles),
        "error": None,
    }


async def saved_list(request: Request) -> Response:
    kind = request.query_params.get("kind", "queues")
    if kind not in KINDS:
        kind = "queues"
    return render(request, "reports/saved.html", await _list_context(request, kind))


async def create_saved(request: Request) -> Response:
    form = await request.form()
    kind = str(form.get("kind", "queues"))
    try:
        report = await saved_reports.create(
            _viewer(request),
            name=str(form.get("name", "")),
            kind=kind,
            columns=[str(c) for c in form.getlist("columns")],
            by=str(form.get("by", "")),
            filter_value=str(form.get("filter", "")),
            shared_role=str(form.get("shared_role", "")),
        )
    except HotlineError as refused:
        context = await _list_context(request, kind if kind in KINDS else "queues")
        context["error"] = refused.message
        return render(request, "reports/saved.html", context, status_code=400)
    await audit.record(
        request,
        "saved_report_created",
        "saved_report",
        report.id,
        after={
            "name": report.name,
            "kind": report.kind,
            "columns": report.columns,
            "by": report.by,
            "filters": report.filters,
            "shared_role": report.shared_role,
        },
    )
    return RedirectResponse(f"/reports/saved/{report.id}", status_code=303)


async def _report_and_rows(
    request: Request,
) -> tuple[Any, view.Period, list[dict[str, Any]], str | None]:
    try:
        report = await saved_reports.get(_viewer(request), int(request.path_params["report_id"]))
    except ValueError:
        raise NotFound("no such saved report") from None
    zone, now = site_zone(request), datetime.now(UTC)
    error: str | None = None
    try:
        period = view.period_of(request.query_params, zone, now)
    except InvalidRequest as refused:
        error = refused.message
        period = view.period_of({}, zone, now)
    rows = await saved_reports.run(report, period.since, period.until, now, zone)
    return report, period, rows, error


async def saved_page(request: Request) -> Response:
    try:
        report, period, rows, error = await _report_and_rows(request)
    except NotFound as missing:
        return render(
            request, "calls/not_found.html", {"message": missing.message}, status_code=404
        )
    columns = list(rows[0]) if rows else list(report.columns)
    context = {
        "report": report,
        "kind": "saved",
        "period": period,
        "columns": columns,
        "rows": [{c: cell(c, row.get(c)) for c in columns} for row in rows],
        "export_query": period.query(),
        "error": error,
        "me": _viewer(request).username,
    }
    return render(request, "reports/saved_run.html", context, status_code=400 if error else 200)


async def saved_file(request: Request) -> Response:
    report, period, rows, _ = await _report_and_rows(request)
    file_format = request.url.path.rsplit(".", 1)[-1]
    return await report_export(request, report.kind, rows, file_format, period.since, period.until)


async def delete_saved(request: Request) -> Response:
    try:
        report = await saved_reports.delete(_viewer(request), int(request.path_params["report_id"]))
    except (HotlineError, ValueError) as refused:
        context = await _list_context(request, "queues")
        context["error"] = getattr(refused, "message", "no such saved report")
        return render(request, "reports/saved.html", context, status_code=400)
    await audit.record(
        request, "saved_report_deleted", "saved_report", report.id, before={"name": report.name}
    )
    return RedirectResponse("/reports/saved", status_code=303)
