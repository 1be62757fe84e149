"""Cases in the database: the core's state to and from a row, numbers,
workflows, assignments and the JSON the API and pages show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from hotline.business_hours import parse_holidays, parse_hours
from hotline.cases import core, workflow
from hotline.cases.deadlines import CaseCalendar
from hotline.errors import NotFound
from hotline.models_cases import Case, CaseAction, CaseAssignment, CaseWorkflow
from hotline.models_shifts import BusinessCalendar
from hotline.tenancy import scoped

NUMBER_TRIES: Final = 5
DEFAULT_WORKFLOW_NAME: Final = "standard"


def state_of(case: Case) -> core.CaseState:
    return core.CaseState(
        status=case.status,
        step=case.step,
        category_root=case.category_root,
        awaiting=frozenset(case.awaiting),
        replied=frozenset(case.replied),
        last_handlers=frozenset(case.last_handlers),
        joint_partners=frozenset(case.joint_partners),
        extension_pending=case.extension_pending,
        extensions=case.extensions,
        chases=case.chases,
        supervised=case.supervised,
        complex=case.complex,
        category=case.category,
    )


def put_state(case: Case, state: core.CaseState) -> None:
    case.status = state.status
    case.step = state.step
    case.awaiting = sorted(state.awaiting)
    case.replied = sorted(state.replied)
    case.last_handlers = sorted(state.last_handlers)
    case.joint_partners = sorted(state.joint_partners)
    case.extension_pending = state.extension_pending
    case.extensions = state.extensions
    case.chases = state.chases
    case.supervised = state.supervised
    case.complex = state.complex


async def default_workflow(tenant_id: int) -> CaseWorkflow:
    row = await scoped(CaseWorkflow, tenant_id).filter(is_default=True).first()
    if row is None:
        row = await CaseWorkflow.create(
            tenant_id=tenant_id,
            name=DEFAULT_WORKFLOW_NAME,
            definition=workflow.STANDARD.as_dict(),
            is_default=True,
        )
    return row


async def workflow_of(case: Case) -> tuple[workflow.WorkflowDefinition, CaseCalendar]:
    return await workflow_of_row(await CaseWorkflow.get(id=case.workflow_id), case.tenant_id)


async def workflow_of_row(
    row: CaseWorkflow, tenant_id: int
) -> tuple[workflow.WorkflowDefinition, CaseCalendar]:
    return workflow.parse(row.definition), await calendar_of(tenant_id, row.definition)


async def calendar_of(tenant_id: int, definition: Any) -> CaseCalendar:
    """The workflow's business calendar; round the clock when it names none."""
    name = definition.get("calendar") if isinstance(definition, dict) else None
    if not name:
        return CaseCalendar()
    row = await scoped(BusinessCalendar, tenant_id).get_or_none(name=name)
    if row is None:
        return CaseCalendar()
    holidays = [h["date"] if isinstance(h, dict) else h for h in row.holidays or []]
    return CaseCalendar(row.timezone, parse_hours(row.hours), parse_holidays(holidays))


async def next_number(now: datetime, timezone: str) -> str:
    """Today's date in the site's zone and the day's next sequence: digits only."""
    day = now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    last = await Case.filter(number__startswith=day).order_by("-number").first()
    sequence = int(last.number[len(day) :]) + 1 if last is not None else 1
    return f"{day}{sequence:04d}"


async def create_numbered(now: datetime, timezone: str, **fields: Any) -> Case:
    """A new case with the next number; two intakes at once retry on the unique key."""
    for _ in range(NUMBER_TRIES):
        number = await next_number(now, timezone)
        try:
            return await Case.create(number=number, **fields)
        except IntegrityError:
            continue
    raise IntegrityError("no free case number after several tries")


async def get_case(tenant_id: int, case_id: int) -> Case:
    case = await scoped(Case, tenant_id).get_or_none(id=case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


async def open_assignments(case: Case) -> dict[str, CaseAssignment]:
    rows = await CaseAssignment.filter(case=case, ended_as="")
    return {row.department: row for row in rows}


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def hours_left(case: Case, calendar: CaseCalendar, now: datetime) -> float | None:
    if case.deadline is None or case.status == core.CLOSED:
        return None
    return round(calendar.open_hours_between(now, case.deadline), 2)


def case_json(case: Case, *, now: datetime, calendar: CaseCalendar) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "step": case.step,
        "category": case.category,
        "category_root": case.category_root,
        "source": case.source,
        "subject": case.subject,
        "description": case.description,
        "address": case.address,
        "location": case.location,
        "urgency": case.urgency,
        "caller_number": case.caller_number,
        "caller_name": case.caller_name,
        "caller_email": case.caller_email,
        "confidential": case.confidential,
        "customer_id": case.customer_id,
        "language": case.language,
        "call_id": case.call_id,
        "ivr_data": case.ivr_data,
        "owner": case.owner,
        "first_contact_resolved": case.first_contact_resolved,
        "holders": case.awaiting,
        "replied": case.replied,
        "joint_partners": case.joint_partners,
        "extension_pending": case.extension_pending,
        "extensions": case.extensions,
        "extended": case.extensions > 0,
        "chases": case.chases,
        "supervised": case.supervised,
        "complex": case.complex,
        "progress_due": iso(case.progress_due),
        "progress_overdue": bool(
            case.progress_due is not None and case.status != core.CLOSED and case.progress_due < now
        ),
        "deadline": iso(case.deadline),
        "hours_left": hours_left(case, calendar, now),
        "overdue": bool(
            case.deadline is not None and case.status != core.CLOSED and case.deadline < now
        ),
        "escalation": case.escalation,
        "result": case.result,
        "created_by": case.created_by,
        "created_at": iso(case.created_at),
        "closed_at": iso(case.closed_at),
        "closed_on_time": case.closed_on_time,
        "follow_up_on": case.follow_up_on.isoformat() if case.follow_up_on else None,
    }


def action_json(row: CaseAction) -> dict[str, Any]:
    return {
        "at": iso(row.at),
        "user": row.username,
        "department": row.department,
        "action": row.action,
        "targets": row.targets,
        "note": row.note,
        "status": row.status_after,
        "holders": row.holders_after,
        "deadline": iso(row.deadline_after),
        "data": row.data,
    }
