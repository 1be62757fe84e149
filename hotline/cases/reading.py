"""Reading cases: what a user may see (a department: the cases it was
given; the centre: all), one case with its history and the actions the
user may take, lists, and a case by the number a caller keys."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from hotline.cases import core, directory, messages, privacy, rights, store
from hotline.cases.deadlines import CaseCalendar
from hotline.errors import InvalidRequest, NotFound
from hotline.models_cases import Case, CaseAction, CaseAssignment, CaseAttachment
from hotline.tenancy import scoped


def now() -> datetime:
    return datetime.now(UTC)


async def visible_cases(tenant_id: int, username: str) -> QuerySet[Case]:
    place = await directory.membership(tenant_id, username)
    query = scoped(Case, tenant_id)
    if place.is_centre:
        return query
    # Its own department's cases, and those its people took in themselves.
    given = Q(assignments__department=place.department) | Q(owner=username)
    return query.filter(given).distinct()


async def visible_case(tenant_id: int, username: str, case_id: int) -> Case:
    case = await (await visible_cases(tenant_id, username)).get_or_none(id=case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


async def case_detail(tenant_id: int, username: str, case_id: int) -> dict[str, Any]:
    case = await visible_case(tenant_id, username, case_id)
    _definition, calendar = await store.workflow_of(case)
    detail = store.case_json(case, now=now(), calendar=calendar)
    history = await CaseAction.filter(case=case).order_by("id")
    files: dict[int, list[dict[str, Any]]] = {}
    for file in await CaseAttachment.filter(case=case).order_by("id"):
        files.setdefault(file.action_id, []).append(  # type: ignore[attr-defined]
            {
                "id": file.id,
                "filename": file.filename,
                "content_type": file.content_type,
                "size_bytes": file.size_bytes,
            }
        )
    detail["history"] = [
        {**store.action_json(row), "attachments": files.get(row.id, [])} for row in history
    ]
    detail["messages"] = await messages.messages_of(case)
    detail["assignments"] = [
        {
            "department": turn.department,
            "assigned_at": store.iso(turn.assigned_at),
            "deadline": store.iso(turn.deadline),
            "ended_as": turn.ended_as,
            "ended_at": store.iso(turn.ended_at),
            "extensions": turn.extensions,
        }
        for turn in await CaseAssignment.filter(case=case).order_by("id")
    ]
    place = await directory.membership(tenant_id, username)
    state = store.state_of(case)
    detail["allowed_actions"] = sorted(
        kind
        for kind in core.allowed_actions(state)
        if rights.refusal(kind, place.department, state) is None
    )
    return privacy.for_viewer(detail, is_centre=place.is_centre, username=username)


async def list_cases(
    tenant_id: int,
    username: str,
    *,
    overdue: bool = False,
    status: str = "",
    supervised: bool = False,
    caller_number: str = "",
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = await visible_cases(tenant_id, username)
    at = now()
    if overdue:
        query = query.filter(status__in=list(core.OPEN_STATUSES), deadline__lt=at)
    if status:
        if status not in core.STATUSES:
            raise InvalidRequest(f"status: one of {', '.join(core.STATUSES)}", {"field": "status"})
        query = query.filter(status=status)
    if supervised:
        query = query.filter(supervised=True)
    place = await directory.membership(tenant_id, username)
    if caller_number:
        query = query.filter(caller_number=caller_number)
        if not place.is_centre:
            # A confidential caller is not found by their number outside
            # the centre: the list would tell who complained.
            query = query.filter(Q(confidential=False) | Q(owner=username))
    rows = await query.order_by("-id").limit(max(1, min(limit, 500)))
    calendars: dict[int, CaseCalendar] = {}
    result = []
    for case in rows:
        if case.workflow_id not in calendars:
            calendars[case.workflow_id] = (await store.workflow_of(case))[1]
        shown = store.case_json(case, now=at, calendar=calendars[case.workflow_id])
        result.append(privacy.for_viewer(shown, is_centre=place.is_centre, username=username))
    return result


async def by_number(tenant_id: int, number: str) -> Case | None:
    """A case by the number the caller was told (the status line, 8600)."""
    return await scoped(Case, tenant_id).get_or_none(number=number.strip())


async def attachment(
    tenant_id: int, username: str, case_id: int, attachment_id: int
) -> tuple[CaseAttachment, bytes]:
    """A file of a case the user may see, and its bytes (NotFound otherwise)."""
    case = await visible_case(tenant_id, username, case_id)
    row = await CaseAttachment.get_or_none(id=attachment_id, case=case)
    if row is None:
        raise NotFound(f"no attachment {attachment_id} on this case")
    try:
        data = await asyncio.to_thread(Path(row.path).read_bytes)
    except OSError:
        raise NotFound(f"the file of attachment {attachment_id} is missing") from None
    return row, data
