"""Case use cases: take a case in, act on it, read it.

Each action goes through the pure core (``core.apply``); this module checks
who may (``rights``), carries out the commands (deadlines on the
workflow's calendar, the departments' assignments, notices) and writes the
history row and the audit row in the same breath.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from tortoise.transactions import in_transaction

from hotline import audit_trail
from hotline.bus import EventBus
from hotline.cases import attachments, core, directory, messages, notices, reading, rights, store
from hotline.cases.deadlines import CaseCalendar
from hotline.center import Actor
from hotline.customers import reading as customers
from hotline.errors import InvalidRequest, NotAllowed
from hotline.models_cases import Case, CaseAction, CaseAssignment, CaseAttachment

MAX_TEXT: Final = 4000
FACT_TEXT: Final = 500
# Where the ending of a department's turn comes from.
_ENDED_BY_ACTION: Final = {core.TRANSFER: "transferred", core.RETURN: "returned"}


def now() -> datetime:
    return datetime.now(UTC)


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidRequest(f"{name}: text", {"field": name})
    value = value.strip()
    if required and not value:
        raise InvalidRequest(f"{name}: required", {"field": name})
    if len(value) > limit:
        raise InvalidRequest(f"{name}: at most {limit} characters", {"field": name})
    return value


def _deadline(data: Mapping[str, Any]) -> datetime | None:
    raw = data.get("deadline")
    if raw in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        raise InvalidRequest("deadline: an ISO date and time", {"field": "deadline"}) from None
    if parsed.tzinfo is None:
        raise InvalidRequest("deadline: give the time zone (Z or +08:00)", {"field": "deadline"})
    return parsed.astimezone(UTC)


def _follow_up(data: Mapping[str, Any]) -> date | None:
    raw = data.get("follow_up_on")
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidRequest(
            "follow_up_on: a date (YYYY-MM-DD)", {"field": "follow_up_on"}
        ) from None


def _email(data: Mapping[str, Any]) -> str:
    email = _text(data, "caller_email", 120)
    if email and ("@" not in email or " " in email):
        raise InvalidRequest("caller_email: an email address", {"field": "caller_email"})
    return email


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name}: true or false", {"field": name})
    return value


def _language(data: Mapping[str, Any]) -> str:
    language = _text(data, "language", 8) or "zh-CN"
    if language not in messages.LANGUAGES:
        raise InvalidRequest(
            f"language: one of {', '.join(messages.LANGUAGES)}", {"field": "language"}
        )
    return language


def _targets(data: Mapping[str, Any]) -> tuple[str, ...]:
    raw = data.get("departments")
    if raw is None:
        single = data.get("department")
        raw = [single] if single else []
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",")]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InvalidRequest("department: a department code", {"field": "department"})
    return tuple(dict.fromkeys(item for item in raw if item))


# -- intake ------------------------------------------------------------------------


async def create_case(
    tenant_id: int,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    timezone: str = "UTC",
    bus: EventBus | None = None,
) -> dict[str, Any]:
    """A case taken in (工单受理); dispatched at once when ``department`` is
    given, closed at once when ``first_contact_resolved`` (an enquiry answered
    on the call)."""
    await directory.ensure_defaults(tenant_id)
    category = await directory.check_code(
        tenant_id, "category", _text(data, "category", 64, required=True), "category"
    )
    source = _text(data, "source", 16) or "phone"
    await directory.check_code(tenant_id, "source", source, "source")
    urgency = _text(data, "urgency", 16) or "normal"
    await directory.check_code(tenant_id, "urgency", urgency, "urgency")
    ivr_data = data.get("ivr_data") or {}
    if not isinstance(ivr_data, Mapping):
        raise InvalidRequest("ivr_data: an object of keyed values", {"field": "ivr_data"})
    subject = _text(data, "subject", 200, required=True)
    targets = _targets(data)
    if targets:
        await directory.check_departments(tenant_id, targets, "department")
    caller_number = _text(data, "caller_number", 32)
    # The caller's customer record, when their number is one's (hotline/customers).
    customer = await customers.for_caller(tenant_id, caller_number)
    workflow_row = await store.default_workflow(tenant_id)
    definition, calendar = await store.workflow_of_row(workflow_row, tenant_id)
    at = now()
    first = core.new_case(directory.category_root(category), definition, category.code)
    clock = first.commands[0]
    assert isinstance(clock, core.StartStepClock)
    async with in_transaction():
        case = await store.create_numbered(
            at,
            timezone,
            tenant_id=tenant_id,
            workflow_id=workflow_row.id,
            status=first.state.status,
            step=first.state.step,
            category=category.code,
            category_root=first.state.category_root,
            source=source,
            subject=subject,
            description=_text(data, "description", MAX_TEXT),
            address=_text(data, "address", 200),
            location=_text(data, "location", 64),
            urgency=urgency,
            caller_number=caller_number,
            customer_id=customer.id if customer is not None else None,
            caller_name=_text(data, "caller_name", 64) or (customer.name if customer else ""),
            caller_email=_email(data),
            confidential=_flag(data, "confidential"),
            language=_language(data),
            call_id=_text(data, "call_id", 64),
            ivr_data={str(k)[:32]: str(v)[:64] for k, v in list(ivr_data.items())[:20]},
            owner=actor.username,
            created_by=actor.username,
            deadline=_clock_deadline(clock, calendar, at),
            step_started_at=at,
        )
        await _history(case, actor, "", "register", (), "", {"source": source})
        if not data.get("first_contact_resolved"):
            # The caller is told the number (SMS, email) unless answered on the call.
            await messages.queue(case, "case_received")
    await audit_trail.record(actor, "case_created", "case", case.number, {"subject": subject})
    if data.get("first_contact_resolved"):
        return await act(tenant_id, actor, case.id, {"action": core.CLOSE, **_fcr(data)}, bus=bus)
    if targets:
        return await act(
            tenant_id,
            actor,
            case.id,
            {"action": core.DISPATCH, "departments": list(targets), "note": data.get("note")},
            bus=bus,
        )
    return await reading.case_detail(tenant_id, actor.username, case.id)


def _fcr(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"first_contact": True, "note": data.get("note") or "answered at first contact"}


def _clock_deadline(clock: core.StartStepClock, calendar: CaseCalendar, at: datetime) -> datetime:
    return clock.at if clock.at is not None else calendar.add(at, clock.hours)


async def _history(
    case: Case,
    actor: Actor,
    department: str,
    action: str,
    targets: tuple[str, ...],
    note: str,
    data: Mapping[str, Any],
) -> CaseAction:
    return await CaseAction.create(
        case=case,
        username=actor.username,
        department=department,
        action=action,
        targets=list(targets),
        note=note,
        status_after=case.status,
        holders_after=list(case.awaiting),
        deadline_after=case.deadline,
        data=dict(data),
    )


# -- actions -----------------------------------------------------------------------


async def act(
    tenant_id: int,
    actor: Actor,
    case_id: int,
    data: Mapping[str, Any],
    *,
    bus: EventBus | None = None,
    uploads: Sequence[attachments.Upload] = (),
    files_dir: Path | None = None,
) -> dict[str, Any]:
    """One action on a case (the API's contract: action, department, note,
    deadline), with the files given with it (``uploads``, kept under
    ``files_dir``: attachments.py)."""
    kind = _text(data, "action", 24, required=True)
    files = attachments.check(uploads)
    if files and files_dir is None:
        raise InvalidRequest("attachments: not taken here", {"field": "attachments"})
    note = _text(data, "note", MAX_TEXT)
    targets = _targets(data)
    case = await reading.visible_case(tenant_id, actor.username, case_id)
    place = await directory.membership(tenant_id, actor.username)
    state = store.state_of(case)
    refused = rights.refusal(kind, place.department, state)
    if refused is not None:
        raise NotAllowed(f"case: {refused}", {"field": "action"})
    if targets:
        await directory.check_departments(tenant_id, targets, "department")
    result = _text(data, "result", 64)
    if result:
        await directory.check_code(tenant_id, "result", result, "result")
    follow_up = _follow_up(data)
    definition, calendar = await store.workflow_of(case)
    action = core.Action(kind, actor.username, place.department, targets, note, _deadline(data))
    outcome = core.apply(state, action, definition)
    at = now()
    to_notify: list[core.NotifyDepartments] = []
    # Written before the change, by content hash; removed again if it fails.
    written = attachments.write(files_dir, case.id, files) if files and files_dir else []
    try:
        return await _act_in_transaction(
            tenant_id, actor, case, state, place, kind, note, targets, data, result,
            follow_up, definition, calendar, action, outcome, at, to_notify, files,
            files_dir, bus,
        )  # fmt: skip
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


async def _act_in_transaction(
    tenant_id: int,
    actor: Actor,
    case: Case,
    state: core.CaseState,
    place: directory.Membership,
    kind: str,
    note: str,
    targets: tuple[str, ...],
    data: Mapping[str, Any],
    result: str,
    follow_up: date | None,
    definition: Any,
    calendar: Any,
    action: core.Action,
    outcome: core.Outcome,
    at: datetime,
    to_notify: list[core.NotifyDepartments],
    files: Sequence[attachments.CheckedFile],
    files_dir: Path | None,
    bus: EventBus | None,
) -> dict[str, Any]:
    async with in_transaction():
        case = await Case.select_for_update().get(id=case.id)
        if store.state_of(case) != state:
            raise InvalidRequest("case: changed meanwhile; look again", {"field": "action"})
        store.put_state(case, outcome.state)
        replied: set[str] = set()
        progress: list[core.ProgressReported] = []
        for command in outcome.commands:
            if isinstance(command, core.StartStepClock):
                case.deadline = _clock_deadline(command, calendar, at)
                case.step_started_at = at
                case.escalation = 0
            elif isinstance(command, core.DepartmentReplied):
                replied.add(command.department)
            elif isinstance(command, core.ProgressReported):
                progress.append(command)
            else:
                to_notify.append(command)
        _run_progress_clock(case, core.progress_clock(state, kind, outcome), calendar, at)
        if kind == core.CLOSE and data.get("first_contact") and state.status == core.REGISTERED:
            case.first_contact_resolved = True
        if result:
            case.result = result
        if follow_up is not None:
            # 客户回访提醒: the setter's workbench is told on that day.
            case.follow_up_on = follow_up
            case.follow_up_by = actor.username
        if outcome.state.status == core.CLOSED and state.status != core.CLOSED:
            case.closed_at = at
        if kind == core.REOPEN:
            case.closed_at = None
            case.closed_on_time = None
        await _update_assignments(case, state, outcome, kind, replied, at)
        if case.closed_at is not None and case.closed_on_time is None:
            case.closed_on_time = await _closed_on_time(case)
        await case.save()
        if kind == core.CLOSE and state.replied and not case.first_contact_resolved:
            # The department's reply, accepted: the caller's answer (答复).
            await messages.queue(case, "case_replied")
        for report in progress:
            # 阶段性答复: the caller hears how far the handling got.
            await messages.queue(case, "case_progress", {"progress": report.text})
        # What the action rests on, kept on its history row: the result, the
        # legal basis (a joint request's or a return's, 依据), refunds, penalties.
        facts: dict[str, Any] = {}
        for name in ("result", "basis", "refund", "penalty"):
            value = _text(data, name, FACT_TEXT)
            if value:
                facts[name] = value
        if action.deadline is not None:
            facts["deadline_given"] = action.deadline.isoformat()
        row = await _history(case, actor, place.department, kind, targets, note, facts)
        for file in files:
            assert files_dir is not None
            await CaseAttachment.create(
                tenant_id=tenant_id,
                case=case,
                action=row,
                filename=file.filename,
                content_type=file.content_type,
                size_bytes=len(file.data),
                sha256=file.sha256,
                path=str(attachments.path_for(files_dir, case.id, file)),
                uploaded_by=actor.username,
            )
    for notify in to_notify:
        await notices.notify_departments(
            case, notify.departments, notify.reason, bus, by=actor.username
        )
    await audit_trail.record(
        actor,
        f"case_{kind}",
        "case",
        case.number,
        {
            "status": case.status,
            "departments": list(targets),
            "note": note[:200],
            "attachments": [file.filename for file in files],
        },
    )
    return await reading.case_detail(tenant_id, actor.username, case.id)


def _run_progress_clock(case: Case, what: str, calendar: CaseCalendar, at: datetime) -> None:
    """A complex complaint's daily progress reply: due a day from now (the
    calendar's next open moment, if that falls when it is closed)."""
    if what == core.PROGRESS_STOP:
        case.progress_due = None
        case.progress_told = False
    elif what == core.PROGRESS_START:
        case.progress_due = calendar.add(at + timedelta(hours=core.PROGRESS_EVERY_HOURS), 0)
        case.progress_told = False


async def _update_assignments(
    case: Case,
    before: core.CaseState,
    outcome: core.Outcome,
    kind: str,
    replied: set[str],
    at: datetime,
) -> None:
    """Each department's turn: ended when it leaves the awaited set, begun
    when it enters; an approved extension moves the deadline of those holding."""
    after = outcome.state
    turns = await store.open_assignments(case)
    for department in before.awaiting - after.awaiting:
        turn = turns.get(department)
        if turn is None:
            continue
        turn.ended_as = "replied" if department in replied else _ENDED_BY_ACTION.get(kind, "closed")
        turn.ended_at = at
        await turn.save(update_fields=["ended_as", "ended_at"])
    extended = any(isinstance(c, core.StartStepClock) and c.extended for c in outcome.commands)
    for department in after.awaiting:
        turn = turns.get(department)
        if turn is None or department not in before.awaiting:
            await CaseAssignment.create(
                tenant_id=case.tenant_id,
                case=case,
                department=department,
                assigned_at=at,
                deadline=case.deadline,
                extensions=0,
            )
        elif extended:
            turn.deadline = case.deadline
            turn.extensions += 1
            await turn.save(update_fields=["deadline", "extensions"])


async def _closed_on_time(case: Case) -> bool:
    """METRICS.md: closed by its deadline, and never extended."""
    if case.extensions > 0:
        return False
    if case.deadline is not None and case.closed_at is not None and case.closed_at > case.deadline:
        return False
    for turn in await CaseAssignment.filter(case=case):
        if turn.extensions or (
            turn.deadline is not None
            and turn.ended_at is not None
            and turn.ended_at > turn.deadline
        ):
            return False
    return True
