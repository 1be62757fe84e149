"""Follow-up visits (回访) of closed cases.

A team lead (a centre lead) assigns closed cases to a follow-up agent, by
filter (department, category, closed within N days) or as a random sample
of them.  The agent's list shows each case beside its answer; "call" rings
the agent's phone, then the citizen (the contact center's click-to-dial,
``ContactCenter.call_back_now``: the same road as every callback, through
``[to-pstn]``).  The agent records: satisfied / basically satisfied /
dissatisfied, whether it was solved, a note; or "not reached" with a
reason, tried again later (given up after ``MAX_ATTEMPTS``).  A
dissatisfied citizen's case may be reopened on the spot.

Figures (METRICS.md): follow-up satisfaction = satisfied ÷ reached, with
"not reached" reported on its own.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hotline import audit_trail
from hotline.cases import core, directory, services
from hotline.center import Actor, ContactCenter
from hotline.errors import InvalidRequest, NotAllowed, NotFound
from hotline.models_cases import Case, CaseAssignment, FollowUp
from hotline.tenancy import scoped

SATISFACTIONS: Final = ("satisfied", "basically_satisfied", "dissatisfied")
NOT_REACHED_REASONS: Final = ("no_answer", "busy", "wrong_number", "refused", "other")
MAX_ATTEMPTS: Final = 3
MAX_ASSIGNED: Final = 500


async def _lead(tenant_id: int, actor: Actor) -> None:
    place = await directory.membership(tenant_id, actor.username)
    if not (place.is_centre and place.lead) and actor.source != "api":
        raise NotAllowed("follow-ups: only the centre's leads assign them", {"field": "assignee"})


async def assign(tenant_id: int, actor: Actor, form: Mapping[str, Any]) -> int:
    """Closed cases without a follow-up, by the filter, to ``assignee``; how many."""
    await _lead(tenant_id, actor)
    assignee = str(form.get("assignee", "")).strip()
    if not assignee:
        raise InvalidRequest("assignee: the follow-up agent's user name", {"field": "assignee"})
    try:
        days = int(form.get("closed_within_days") or 7)
        sample = int(form.get("sample") or 0)
    except (TypeError, ValueError):
        raise InvalidRequest("sample: a whole number", {"field": "sample"}) from None
    if not 1 <= days <= 366:
        raise InvalidRequest("closed_within_days: 1 to 366", {"field": "closed_within_days"})
    if not 0 <= sample <= MAX_ASSIGNED:
        raise InvalidRequest(f"sample: 0 (all) to {MAX_ASSIGNED}", {"field": "sample"})
    since = datetime.now(UTC) - timedelta(days=days)
    query = scoped(Case, tenant_id).filter(
        status=core.CLOSED, closed_at__gte=since, first_contact_resolved=False
    )
    category = str(form.get("category", "") or "").strip()
    if category:
        query = query.filter(category_root=category.split("/", 1)[0])
    department = str(form.get("department", "") or "").strip()
    if department:
        await directory.check_departments(tenant_id, (department,), "department")
        handled = await CaseAssignment.filter(
            tenant_id=tenant_id, department=department
        ).values_list("case_id", flat=True)
        query = query.filter(id__in=list(handled))
    found = await scoped(FollowUp, tenant_id).values_list("case_id", flat=True)
    visited = {int(str(case_id)) for case_id in found}
    cases = [c for c in await query.order_by("id") if c.id not in visited]
    if sample and sample < len(cases):
        cases = sorted(random.sample(cases, sample), key=lambda c: c.id)
    for case in cases[:MAX_ASSIGNED]:
        await FollowUp.create(
            tenant_id=tenant_id, case=case, assigned_to=assignee, assigned_by=actor.username
        )
    await audit_trail.record(
        actor,
        "follow_ups_assigned",
        "follow_up",
        assignee,
        {"count": len(cases[:MAX_ASSIGNED]), "department": department, "category": category},
    )
    return len(cases[:MAX_ASSIGNED])


def follow_up_json(row: FollowUp, case: Case) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": case.id,
        "number": case.number,
        "subject": case.subject,
        "caller_number": case.caller_number,
        "category": case.category,
        "result": case.result,
        "assigned_to": row.assigned_to,
        "state": row.state,
        "satisfaction": row.satisfaction,
        "solved": row.solved,
        "note": row.note,
        "not_reached_reason": row.not_reached_reason,
        "attempts": row.attempts,
        "done_at": row.done_at.astimezone(UTC).isoformat() if row.done_at else None,
    }


async def listed(tenant_id: int, username: str | None = None) -> list[dict[str, Any]]:
    query = scoped(FollowUp, tenant_id)
    if username is not None:
        query = query.filter(assigned_to=username)
    rows = await query.order_by("state", "id").prefetch_related("case")
    return [follow_up_json(row, row.case) for row in rows]


async def get(tenant_id: int, follow_up_id: int, actor: Actor) -> FollowUp:
    row = await scoped(FollowUp, tenant_id).get_or_none(id=follow_up_id)
    if row is None or (row.assigned_to != actor.username and actor.source != "api"):
        raise NotFound(f"no follow-up {follow_up_id}")
    return row


async def called(tenant_id: int, follow_up_id: int, actor: Actor, callback_id: int) -> None:
    row = await get(tenant_id, follow_up_id, actor)
    row.attempts += 1
    row.last_callback_id = callback_id
    await row.save(update_fields=["attempts", "last_callback_id"])


async def call(
    tenant_id: int, actor: Actor, follow_up_id: int, agent: str, center: ContactCenter
) -> dict[str, Any]:
    """Ring ``agent``'s phone, then the citizen (the contact center's
    click-to-dial, a callback); the try is counted on the follow-up."""
    row = await get(tenant_id, follow_up_id, actor)
    case = await row.case
    placed = await center.call_back_now(tenant_id, case.caller_number, agent, actor)
    await called(tenant_id, row.id, actor, int(placed.get("id") or 0))
    return placed


async def record(
    tenant_id: int, actor: Actor, follow_up_id: int, form: Mapping[str, Any]
) -> dict[str, Any]:
    """The visit's answer, or "not reached" with a reason; audited."""
    row = await get(tenant_id, follow_up_id, actor)
    if row.state not in ("pending", "not_reached"):
        raise InvalidRequest("follow-up: already recorded", {"field": "state"})
    case = await Case.get(id=row.case_id)  # type: ignore[attr-defined]
    outcome = str(form.get("outcome", ""))
    note = str(form.get("note", "") or "").strip()[:2000]
    if outcome == "not_reached":
        reason = str(form.get("reason", ""))
        if reason not in NOT_REACHED_REASONS:
            raise InvalidRequest(
                f"reason: one of {', '.join(NOT_REACHED_REASONS)}", {"field": "reason"}
            )
        row.not_reached_reason = reason
        row.attempts = max(row.attempts, 1)
        row.state = "given_up" if row.attempts >= MAX_ATTEMPTS else "not_reached"
    elif outcome in SATISFACTIONS:
        solved = form.get("solved")
        row.satisfaction = outcome
        row.solved = None if solved in (None, "") else str(solved) in ("1", "true", "yes", "True")
        row.state = "reached"
    else:
        raise InvalidRequest(
            f"outcome: one of {', '.join((*SATISFACTIONS, 'not_reached'))}", {"field": "outcome"}
        )
    row.note = note
    row.done_at = datetime.now(UTC) if row.state in ("reached", "given_up") else None
    await row.save()
    await audit_trail.record(
        actor,
        "follow_up_recorded",
        "case",
        case.number,
        {"outcome": outcome, "reason": row.not_reached_reason, "solved": row.solved},
    )
    if outcome == "dissatisfied" and str(form.get("reopen", "")) in ("1", "on", "true"):
        await services.act(
            tenant_id,
            actor,
            case.id,
            {"action": core.REOPEN, "note": note or "dissatisfied at the follow-up visit"},
        )
    return follow_up_json(row, case)


async def satisfaction(
    tenant_id: int, since: datetime, until: datetime
) -> dict[str, dict[str, Any]]:
    """METRICS.md follow-up satisfaction per department that handled the
    cases (and "all"): satisfied ÷ reached; not reached on its own."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = scoped(FollowUp, tenant_id).filter(done_at__gte=since, done_at__lt=until)
    for row in await rows:
        case_id = row.case_id  # type: ignore[attr-defined]
        handled = await CaseAssignment.filter(case_id=case_id, ended_as="replied").values_list(
            "department", flat=True
        )
        for key in ("all", *{str(d) for d in handled}):
            if row.state == "reached":
                counts[key]["reached"] += 1
                counts[key]["satisfied"] += int(row.satisfaction == "satisfied")
            elif row.state == "given_up":
                counts[key]["not_reached"] += 1
    return {
        key: {
            "reached": c["reached"],
            "satisfied": c["satisfied"],
            "not_reached": c["not_reached"],
            "satisfaction_pct": None
            if c["reached"] == 0
            else round(100.0 * c["satisfied"] / c["reached"], 1),
        }
        for key, c in counts.items()
    }
