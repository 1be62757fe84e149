"""The callbacks page (回拨): thin handlers (the guard has checked sign-in,
permission and CSRF).

- ``GET /callbacks``: the supervisors' view: the callbacks that failed (not
  reached after their retries), those waiting (a queue callback keeps its
  place in its queue), the recent ones done or cancelled; and a form to
  request a queue callback for a caller.
- ``GET /callbacks/lists``: the three lists alone (``#callback-lists``,
  refreshed by htmx every 5 s).
- ``POST /callbacks/{id}/cancel``: cancel a scheduled or failed one (audited).
- ``POST /callbacks/request``: a queue callback (virtual hold) for a number,
  due now or at a local time of the site (audited).

The use cases are the feature's (``ari_apps/callbacks/services.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.callbacks.api import dial_rules
from admin_ui.web.rendering import is_htmx, render, tenant_of
from admin_ui.web.requests import ui_actor
from ari_apps.callbacks import services
from hotline.errors import HotlineError, InvalidRequest
from hotline.live_status import queue_names

LISTS_PARTIAL: Final = "callbacks/_lists.html"
# The states of each list (ari_apps/callbacks/core.STATES).
FAILED: Final = frozenset({"failed"})
WAITING: Final = frozenset({"scheduled", "ringing_agent", "dialing", "connected"})
FINISHED: Final = frozenset({"done", "cancelled"})
# Those a supervisor may cancel here.
CANCELLABLE: Final = ("scheduled", "failed")
RECENT: Final = 50
_FORM_FIELDS: Final = ("number", "queue", "due_at", "priority")


def _zone(request: Request) -> ZoneInfo:
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(settings.site_timezone if settings is not None else "UTC")


def _local(value: str | None, zone: ZoneInfo) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def _lists_context(request: Request, error: str | None = None) -> dict[str, Any]:
    zone = _zone(request)
    rows = await services.listed(tenant_of(request))
    for row in rows:
        row["due_local"] = _local(row["due_at"], zone)
        row["place_since_local"] = _local(row["place_since"], zone)
        row["created_local"] = _local(row["created_at"], zone)
    finished = [row for row in rows if row["state"] in FINISHED]
    finished.sort(key=lambda row: (datetime.fromisoformat(row["due_at"]), row["id"]), reverse=True)
    return {
        "failed": [row for row in rows if row["state"] in FAILED],
        "waiting": [row for row in rows if row["state"] in WAITING],
        "recent": finished[:RECENT],
        "cancellable": CANCELLABLE,
        "zone": str(zone),
        "lists_error": error,
    }


async def _page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: HotlineError | None = None,
) -> Response:
    context = await _lists_context(request)
    context |= {
        "queues": sorted(await queue_names(tenant_of(request))),
        "form": form or {},
        "error": error.message if error is not None else None,
        "error_field": error.details.get("field") if error is not None else None,
    }
    status = 422 if error is not None else 200
    return render(request, "callbacks/list.html", context, status_code=status)


async def callbacks_page(request: Request) -> Response:
    return await _page(request)


async def lists(request: Request) -> Response:
    return render(request, LISTS_PARTIAL, await _lists_context(request))


def _callback_id(request: Request) -> int:
    value: int = request.path_params["callback_id"]
    return value


async def cancel(request: Request) -> Response:
    try:
        await services.cancel(tenant_of(request), _callback_id(request), ui_actor(request))
    except HotlineError as error:
        if not is_htmx(request):
            return await _page(request, error=error)
        context = await _lists_context(request, error.message)
        status = 404 if error.status_code == 404 else 422
        return render(request, LISTS_PARTIAL, context, status_code=status)
    if is_htmx(request):
        return await lists(request)
    return RedirectResponse("/callbacks", status_code=303)


def _due_at(value: str, zone: ZoneInfo) -> datetime | None:
    """The form's local date and time (the site's clock); empty: now."""
    if not value:
        return None
    try:
        due = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(
            f"due_at: not a date and time: {value[:40]!r}", {"field": "due_at"}
        ) from None
    return due if due.tzinfo is not None else due.replace(tzinfo=zone)


def _priority(value: str) -> int:
    if not value:
        return 0
    try:
        return int(value)
    except ValueError:
        raise InvalidRequest(
            f"priority: a whole number, not {value[:20]!r}", {"field": "priority"}
        ) from None


async def request_callback(request: Request) -> Response:
    """A queue callback (virtual hold) for a caller, from now or a local time."""
    raw = await request.form()
    form = {name: str(raw.get(name, "")).strip() for name in _FORM_FIELDS}
    try:
        await services.request_queue_callback(
            tenant_of(request),
            ui_actor(request),
            dial_rules(request),
            number=form["number"],
            queue=form["queue"],
            priority=_priority(form["priority"]),
            due_at=_due_at(form["due_at"], _zone(request)),
        )
    except HotlineError as error:
        return await _page(request, form=form, error=error)
    return RedirectResponse("/callbacks", status_code=303)
