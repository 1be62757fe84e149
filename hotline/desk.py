"""The agent desk's view: the agent's live state and, while a call rings or
is connected, its screen pop.

An agent is a user tied to an agent extension (``User.phone_extension``) of
their own tenant.  The pop is built before the phone is answered, from what
the caller's flow holds (``ContactCenter.call_context``: the number called,
the digits keyed in the IVR) and from the call records (how long the caller
waited, their previous calls).  Flow variables named in
``HOTLINE_SCREEN_POP_MASKED`` (ID and card numbers) show only their last
four characters; ``HOTLINE_SCREEN_POP_URL`` becomes a link into the business
system with the call's values filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from string import Formatter
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from hotline import calls
from hotline.center import ContactCenter
from hotline.errors import HotlineError, InvalidRequest
from hotline.metrics import surveys
from hotline.metrics.surveys import SurveyFigures
from hotline.models import Agent, CallRecord, Flow, Queue
from hotline.tenancy import scoped

# Flow variables every call has; the pop shows them in their own places.
_BUILT_IN: Final = frozenset({"call_id", "caller_id", "dialed_number", "language"})
_UTC: Final = ZoneInfo("UTC")
VISIBLE_TAIL: Final = 4
HISTORY_LENGTH: Final = 5


class NotAnAgent(HotlineError):
    """The signed-in user is not tied to an agent extension of their tenant."""

    error_id = "not-an-agent"
    # Not 403: the role may use the desk; this user is just not an agent.
    status_code = 409


@dataclass(frozen=True)
class ScreenPop:
    call_id: str
    stage: str  # "ringing" or "on_call"
    caller_id: str
    dialed_number: str
    queue: str | None
    # The flow's own variables (keyed digits, lookups), masked where configured.
    variables: tuple[tuple[str, str], ...]
    waited_s: float | None
    previous_calls: tuple[dict[str, Any], ...]
    business_url: str | None
    # A queue callback (virtual hold) calling its caller back: the agent
    # greets them as someone who asked to be called.
    is_callback: bool = False


@dataclass(frozen=True)
class Desk:
    extension: str
    agent_name: str
    status: dict[str, Any] | None  # the live ACD's view; None before it knows the agent
    pop: ScreenPop | None
    # The agent's own post-call survey figures today (site clock).
    survey_today: SurveyFigures
    # The call whose outcome the agent records (on it, or just after it).
    outcome: CallOutcome | None = None
    phone: str = "sip"  # Agent.phone: "browser" puts a WebRTC phone in the desk


def mask(value: str) -> str:
    """All but the last four characters hidden (and always some stars)."""
    tail = value[-VISIBLE_TAIL:] if len(value) > VISIBLE_TAIL else ""
    return "*" * max(3, len(value) - len(tail)) + tail


def business_url(template: str, values: dict[str, str]) -> str | None:
    """``template`` with each ``{name}`` replaced by its URL-encoded value
    (an unknown name by nothing); None without a template."""
    if not template:
        return None
    out: list[str] = []
    for literal, field_name, _, _ in Formatter().parse(template):
        out.append(literal)
        if field_name is not None:
            out.append(quote(values.get(field_name, ""), safe=""))
    return "".join(out)


async def agent_for(extension: str | None, tenant_id: int) -> Agent:
    if not extension:
        raise NotAnAgent("your user is not tied to an agent extension")
    agent = await scoped(Agent, tenant_id).get_or_none(extension=extension)
    if agent is None:
        raise NotAnAgent(f"extension {extension} is not an agent of your tenant")
    return agent


async def desk_for(
    center: ContactCenter,
    extension: str | None,
    tenant_id: int,
    now: datetime,
    *,
    url_template: str = "",
    masked: tuple[str, ...] = (),
    zone: ZoneInfo = _UTC,
) -> Desk:
    agent = await agent_for(extension, tenant_id)
    status = center.agent_status(agent.extension)
    pop = None
    if status is not None:
        call_id = status.get("connected_call_id") or status.get("offered_call_id")
        if call_id:
            stage = "on_call" if status.get("connected_call_id") else "ringing"
            pop = await _screen_pop(
                center, str(call_id), stage, tenant_id, now, url_template, masked
            )
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    today = await surveys.responses(tenant_id, midnight, now, agent=agent.extension)
    survey_today = surveys.survey_figures(row.rating for row in today)
    connected = str(status.get("connected_call_id") or "") if status is not None else ""
    outcome = await outcome_call(agent.extension, tenant_id, now, connected or None)
    return Desk(agent.extension, agent.name, status, pop, survey_today, outcome, agent.phone)


class NoBrowserPhone(HotlineError):
    """The agent's phone is a SIP desk phone: the desk has no phone to register."""

    error_id = "no-browser-phone"
    status_code = 409


@dataclass(frozen=True)
class BrowserPhone:
    """What the desk's WebRTC phone registers with: the agent's own endpoint."""

    websocket_url: str
    sip_uri: str
    username: str
    password: str
    display_name: str


async def browser_phone_of(extension: str | None, tenant_id: int) -> str | None:
    """``extension`` when it is a browser phone of the tenant (a supervisor's
    too: monitoring rings it on the wallboard), else None."""
    if not extension:
        return None
    found = await scoped(Agent, tenant_id).filter(extension=extension, phone="browser").exists()
    return extension if found else None


async def browser_phone(extension: str | None, tenant_id: int, websocket_url: str) -> BrowserPhone:
    agent = await agent_for(extension, tenant_id)
    if agent.phone != "browser":
        raise NoBrowserPhone(f"extension {agent.extension} has a SIP desk phone, not a browser one")
    # Asterisk finds the endpoint by the From user (endpoint_identifier_order
    # "username"); the host part is only the registrar's name.
    host = websocket_url.partition("://")[2].partition("/")[0].rpartition(":")[0] or "hotline"
    return BrowserPhone(
        websocket_url=websocket_url,
        sip_uri=f"sip:{agent.extension}@{host}",
        username=agent.extension,
        password=agent.sip_password,
        display_name=agent.name or f"Agent {agent.extension}",
    )


async def _screen_pop(
    center: ContactCenter,
    call_id: str,
    stage: str,
    tenant_id: int,
    now: datetime,
    url_template: str,
    masked: tuple[str, ...],
) -> ScreenPop:
    context = center.call_context(call_id) or {}
    variables: dict[str, str] = {
        str(name): str(value) for name, value in (context.get("variables") or {}).items()
    }
    caller_id = str(context.get("caller_id") or variables.get("caller_id", ""))
    dialed = str(context.get("dialed_number") or variables.get("dialed_number", ""))
    joined = await calls.joined_queue_at(call_id)
    # The wait ends when the agent answers; while ringing it still runs.
    waited_until = (await calls.answered_at(call_id) if stage == "on_call" else None) or now
    shown = tuple(
        (name, mask(value) if name in masked else value)
        for name, value in sorted(variables.items())
        if name not in _BUILT_IN
    )
    history = await calls.previous_calls(
        caller_id, tenant_id=tenant_id, before_call=call_id, limit=HISTORY_LENGTH
    )
    # The link carries what the agent may see: masked values stay masked.
    link_values = {**variables, **dict(shown), "call_id": call_id, "caller_id": caller_id}
    link_values["dialed_number"] = dialed
    return ScreenPop(
        call_id=call_id,
        stage=stage,
        caller_id=caller_id,
        dialed_number=dialed,
        queue=context.get("queue"),
        variables=shown,
        waited_s=None if joined is None else max(0.0, (waited_until - joined).total_seconds()),
        previous_calls=tuple(history),
        business_url=business_url(url_template, link_values),
        is_callback=bool(context.get("is_callback")),
    )


# -- the outcome of a call (disposition and notes) ---------------------------------------
MAX_NOTES_CHARS: Final = 2000
# A call stays on the desk for its outcome this long after it ended.
OUTCOME_WINDOW: Final = timedelta(hours=1)


@dataclass(frozen=True)
class CallOutcome:
    call_id: str
    caller_id: str
    queue: str | None
    codes: tuple[tuple[str, str], ...]  # (code, label) of the queue, in order
    disposition: str | None
    notes: str


def _codes(queue: Queue | None) -> tuple[tuple[str, str], ...]:
    raw = queue.disposition_codes if queue is not None else None
    if not isinstance(raw, list):
        return ()
    return tuple(
        (str(item["code"]), str(item.get("label") or item["code"]))
        for item in raw
        if isinstance(item, dict) and item.get("code")
    )


async def outcome_call(
    extension: str, tenant_id: int, now: datetime, connected_call_id: str | None
) -> CallOutcome | None:
    """The call the agent records an outcome for: the one they are on, else
    their last answered call of the past hour."""
    records = scoped(CallRecord, tenant_id)
    if connected_call_id:
        record = await records.get_or_none(call_id=connected_call_id)
    else:
        record = (
            await records.filter(agent_extension=extension, answered_at__gte=now - OUTCOME_WINDOW)
            .order_by("-answered_at")
            .first()
        )
    if record is None:
        return None
    queue = await scoped(Queue, tenant_id).get_or_none(name=record.queue) if record.queue else None
    return CallOutcome(
        record.call_id,
        record.caller_id,
        record.queue,
        _codes(queue),
        record.agent_disposition,
        record.agent_notes or "",
    )


async def save_outcome_of_call(
    tenant_id: int, call_id: str, code: str, notes: str
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The outcome of a call, for whoever answered it (the API's way, where a
    business system records what its agent chose); (agent, before, after)."""
    # The calls the tenant sees, as GET /calls/{id} does (NotFound otherwise).
    agent = (await calls.call_detail(call_id, tenant_id=tenant_id))["agent"]
    if not agent:
        raise InvalidRequest(
            f"call {call_id!r} was not answered by an agent: it has no outcome to record",
            {"field": "call_id"},
        )
    before, after = await save_outcome(agent, tenant_id, call_id, code, notes)
    return str(agent), before, after


async def save_outcome(
    extension: str, tenant_id: int, call_id: str, code: str, notes: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record the agent's disposition and notes on their call; (before, after)."""
    record = await scoped(CallRecord, tenant_id).get_or_none(call_id=call_id)
    if record is None or record.agent_extension != extension:
        raise InvalidRequest(f"call {call_id!r} is not one of your calls", {"field": "call_id"})
    queue = await scoped(Queue, tenant_id).get_or_none(name=record.queue) if record.queue else None
    codes = [known for known, _ in _codes(queue)]
    if code not in codes:
        raise InvalidRequest(
            f"code: {code!r} is not an outcome of queue {record.queue!r} (one of {codes})",
            {"field": "code"},
        )
    if len(notes) > MAX_NOTES_CHARS:
        raise InvalidRequest(
            f"notes: at most {MAX_NOTES_CHARS} characters ({len(notes)} given)",
            {"field": "notes"},
        )
    before = {"disposition": record.agent_disposition, "notes": record.agent_notes}
    record.agent_disposition = code
    record.agent_notes = notes.strip()
    await record.save(update_fields=["agent_disposition", "agent_notes"])
    await calls.add_event(call_id, "disposition", code=code, agent=extension)
    return before, {"disposition": code, "notes": record.agent_notes}


async def published_flow_names(tenant_id: int) -> list[str]:
    """The tenant's flows a caller can be transferred to (published ones)."""
    names = await (
        scoped(Flow, tenant_id)
        .filter(published_version_id__isnull=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return [str(name) for name in names]
