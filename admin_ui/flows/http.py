"""Flow list, editor, publish, versions, diff, rollback, DIDs and test calls.

Thin handlers: the guard has signed in and authorised the user; each handler
parses, makes one call (into ``editor``, ``history`` or ``lookup_hosts``, the
pages' state over the flow engine's use cases), audits what changed and
renders.  Without JavaScript every form is a plain POST answered by a 303 to
the page (or the page itself with the error and what was typed); htmx gets
the partial.
Every handler works in the signed-in user's tenant (:func:`tenant_of`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.flows import editor, history, lookup_hosts
from admin_ui.web import audit
from admin_ui.web.rendering import current_user, is_htmx, render, tenant_of
from ari_apps.ivr import flow_views, lookup_allow_list
from ari_apps.ivr import services as flow_service
from hotline.errors import Conflict, InvalidRequest, NotFound

Handler = Callable[[Request], Awaitable[Response]]
_NOTICE = "flows.notice"


def _not_found_as_page(handler: Handler) -> Handler:
    """A flow, node or version that does not exist is a clean 404 page."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except NotFound as error:
            return render(
                request, "flows/not_found.html", {"message": error.message}, status_code=404
            )

    return wrapped


def parse_id(text: str) -> int:
    """A path id; anything but digits is simply a page that does not exist."""
    if not text.isdigit():
        raise NotFound(f"no flow {text!r}")
    return int(text)


def _flow_id(request: Request) -> int:
    return parse_id(str(request.path_params["flow_id"]))


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def _username(request: Request) -> str:
    user = current_user(request)
    return user.username if user else "anonymous"


def _take_notice(request: Request) -> Any:
    return request.session.pop(_NOTICE, None)


async def _respond(
    request: Request,
    flow_id: int,
    outcome: editor.Outcome,
    *,
    page: str = "flows/editor.html",
    partial: str = "flows/_editor.html",
    back: str = "",
) -> Response:
    if outcome.audit is not None:
        action, before, after = outcome.audit
        await audit.record(request, action, "flow", flow_id, before=before, after=after)
    context = dict(outcome.context)
    if is_htmx(request):
        context["notice"] = outcome.notice
        return render(request, partial, context, status_code=outcome.status)
    if outcome.status >= 400:
        return render(request, page, context, status_code=outcome.status)
    if outcome.notice is not None:
        key, values = outcome.notice
        request.session[_NOTICE] = [key, values]
    return RedirectResponse(back or f"/flows/{flow_id}", status_code=303)


async def _list_context(
    tenant_id: int,
    name: str = "",
    error: str | None = None,
    hosts: lookup_hosts.HostsOutcome | None = None,
) -> dict[str, Any]:
    return {
        "flows": await flow_views.flow_rows(tenant_id),
        "name": name,
        "error": error,
        "hosts": hosts.hosts
        if hosts is not None
        else await lookup_allow_list.allowed_hosts(tenant_id),
        "hosts_error": hosts.error if hosts is not None else None,
        "hosts_typed": hosts.typed if hosts is not None else "",
    }


async def flow_list(request: Request) -> Response:
    return render(request, "flows/list.html", await _list_context(tenant_of(request)))


async def flow_create(request: Request) -> Response:
    name = (await _form(request)).get("name", "")
    try:
        created = await flow_service.create_flow(name, tenant_id=tenant_of(request))
    except (InvalidRequest, Conflict) as error:
        context = await _list_context(tenant_of(request), name, error.message)
        return render(request, "flows/list.html", context, status_code=error.status_code)
    await audit.record(request, "create", "flow", created["id"], after=created)
    target = f"/flows/{created['id']}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@_not_found_as_page
async def flow_editor(request: Request) -> Response:
    context = await editor.editor_context(_flow_id(request), tenant_of(request))
    context["notice"] = _take_notice(request)
    template = "flows/_editor.html" if is_htmx(request) else "flows/editor.html"
    return render(request, template, context)


@_not_found_as_page
async def node_save(request: Request) -> Response:
    flow_id = _flow_id(request)
    node_id = str(request.path_params["node_id"])
    outcome = await editor.save_node(flow_id, tenant_of(request), node_id, await _form(request))
    return await _respond(request, flow_id, outcome, back=f"/flows/{flow_id}#node-{node_id}")


@_not_found_as_page
async def node_add(request: Request) -> Response:
    flow_id = _flow_id(request)
    form = await _form(request)
    outcome = await editor.add_node(
        flow_id, tenant_of(request), form.get("node_id", ""), form.get("kind", "")
    )
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def node_delete(request: Request) -> Response:
    flow_id = _flow_id(request)
    node_id = str(request.path_params["node_id"])
    outcome = await editor.delete_node(flow_id, tenant_of(request), node_id)
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def start_set(request: Request) -> Response:
    flow_id = _flow_id(request)
    start = (await _form(request)).get("start", "")
    outcome = await editor.set_start(flow_id, tenant_of(request), start)
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def draft_replace(request: Request) -> Response:
    flow_id = _flow_id(request)
    text = (await _form(request)).get("definition", "")
    outcome = await editor.replace_draft(flow_id, tenant_of(request), text)
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def flow_publish(request: Request) -> Response:
    flow_id = _flow_id(request)
    outcome = await editor.publish(flow_id, tenant_of(request), _username(request))
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def did_assign(request: Request) -> Response:
    flow_id = _flow_id(request)
    number = (await _form(request)).get("number", "")
    outcome = await editor.assign_did(flow_id, tenant_of(request), number)
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def did_unassign(request: Request) -> Response:
    flow_id = _flow_id(request)
    number = str(request.path_params["number"])
    outcome = await editor.unassign_did(flow_id, tenant_of(request), number)
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def flow_test_call(request: Request) -> Response:
    flow_id = _flow_id(request)
    user = current_user(request)
    extension = user.phone_extension if user else None
    outcome = await editor.test_call(
        flow_id, tenant_of(request), extension, request.app.state.center
    )
    return await _respond(request, flow_id, outcome)


@_not_found_as_page
async def version_list(request: Request) -> Response:
    context = await history.versions_context(_flow_id(request), tenant_of(request))
    context["notice"] = _take_notice(request)
    template = "flows/_versions.html" if is_htmx(request) else "flows/versions.html"
    return render(request, template, context)


@_not_found_as_page
async def version_rollback(request: Request) -> Response:
    flow_id = _flow_id(request)
    version = parse_id(str(request.path_params["version"]))
    outcome = await history.rollback(flow_id, tenant_of(request), version, _username(request))
    return await _respond(
        request,
        flow_id,
        outcome,
        page="flows/versions.html",
        partial="flows/_versions.html",
        back=f"/flows/{flow_id}/versions",
    )


@_not_found_as_page
async def version_diff(request: Request) -> Response:
    flow_id = _flow_id(request)
    query = request.query_params
    try:
        context = await history.diff_context(
            flow_id, tenant_of(request), query.get("from", ""), query.get("to", "")
        )
    except InvalidRequest as error:
        context = await history.versions_context(flow_id, tenant_of(request), error.message)
        return render(request, "flows/versions.html", context, status_code=400)
    template = "flows/_diff.html" if is_htmx(request) else "flows/diff.html"
    return render(request, template, context)


async def _hosts_changed(request: Request, outcome: lookup_hosts.HostsOutcome) -> Response:
    if outcome.error is not None:
        context = await _list_context(tenant_of(request), hosts=outcome)
        return render(request, "flows/list.html", context, status_code=outcome.status)
    if outcome.audit is not None:
        before, after = outcome.audit
        await audit.record(
            request, "lookup_hosts_changed", "lookup_allowed_host", "", before=before, after=after
        )
    return RedirectResponse("/flows#lookup-hosts", status_code=303)


async def lookup_host_add(request: Request) -> Response:
    text = (await _form(request)).get("entries", "")
    outcome = await lookup_hosts.add_lookup_hosts(text, _username(request), tenant_of(request))
    return await _hosts_changed(request, outcome)


async def lookup_host_remove(request: Request) -> Response:
    entry = (await _form(request)).get("entry", "")
    outcome = await lookup_hosts.remove_lookup_host(entry, tenant_of(request))
    return await _hosts_changed(request, outcome)
