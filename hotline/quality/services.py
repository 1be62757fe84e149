"""Quality inspection use cases: score sheets, sampling recorded calls,
scoring them beside the cases taken on them, the agent's answer (accept or
appeal), the decision on an appeal, and the monthly figures per agent.

Inspectors hold ``quality:edit``; an agent (``quality:view``) sees and
answers only the reviews of their own extension.  Every change is audited;
listening to a call's recording goes through /calls, which audits each play.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from tortoise.transactions import in_transaction

from hotline import audit_trail
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models import CallRecord
from hotline.models_cases import Case
from hotline.models_quality import QaForm, QaReview
from hotline.models_recording import CallRecording
from hotline.quality import core
from hotline.refusal import as_invalid
from hotline.tenancy import scoped

DEFAULT_FORM: Final = "标准评分表"
DEFAULT_ITEMS: Final = (
    {"code": "attitude", "label": "服务态度 Attitude", "points": 40},
    {"code": "professional", "label": "专业水平 Professional level", "points": 40},
    {"code": "standard_phrases", "label": "规范用语 Standard phrases", "points": 10},
    # The seeds: agents must not lightly promise "赔偿" (compensation).
    {
        "code": "no_forbidden_phrases",
        "label": "无禁用语、不轻易承诺赔偿 No forbidden phrases",
        "points": 10,
        "critical": True,
    },
)
SCORED_STATES: Final = (core.SCORED, core.APPEALED, core.FINAL)


def now() -> datetime:
    return datetime.now(UTC)


# -- score sheets ------------------------------------------------------------------------
async def ensure_default_form(tenant_id: int) -> QaForm:
    form = await scoped(QaForm, tenant_id).filter(active=True).order_by("id").first()
    if form is not None:
        return form
    return await QaForm.create(
        tenant_id=tenant_id, name=DEFAULT_FORM, items=list(DEFAULT_ITEMS), updated_by="seed"
    )


async def forms(tenant_id: int) -> list[QaForm]:
    return await scoped(QaForm, tenant_id).order_by("id")


async def save_form(
    tenant_id: int, actor: Actor, form_id: int | None, name: str, items_json: str
) -> QaForm:
    """A new sheet, or new items for one (reviews keep the items they were scored on)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidRequest("name: 1 to 64 characters", {"field": "name"})
    try:
        raw = json.loads(items_json)
    except ValueError as error:
        raise InvalidRequest(f"items: not JSON ({error})", {"field": "items"}) from None
    try:
        items = [item.as_dict() for item in core.parse_items(raw)]
    except core.Refused as error:
        raise as_invalid(error) from None
    if form_id is None:
        if await scoped(QaForm, tenant_id).filter(name=name).exists():
            raise InvalidRequest(f"name: a sheet {name!r} exists", {"field": "name"})
        form = await QaForm.create(
            tenant_id=tenant_id, name=name, items=items, updated_by=actor.username
        )
    else:
        form = await _form(tenant_id, form_id)
        form.name, form.items, form.updated_by = name, items, actor.username
        await form.save()
    await audit_trail.record(
        actor, "qa_form_saved", "qa_form", str(form.id), {"name": name, "items": items}
    )
    return form


async def _form(tenant_id: int, form_id: int) -> QaForm:
    form = await scoped(QaForm, tenant_id).get_or_none(id=form_id)
    if form is None:
        raise NotFound(f"form: no score sheet {form_id}", {"field": "form"})
    return form


# -- sampling ----------------------------------------------------------------------------
async def sample(
    tenant_id: int,
    actor: Actor,
    *,
    agent: str,
    since: datetime,
    until: datetime,
    size: int,
    form_id: int | None = None,
    rng: random.Random | None = None,
) -> list[QaReview]:
    """Draw ``size`` of ``agent``'s recorded calls in [since, until) not yet
    under review, each a pending review on the sheet."""
    agent = agent.strip()
    if not agent:
        raise InvalidRequest("agent: whose calls", {"field": "agent"})
    if since >= until:
        raise InvalidRequest("until: after since", {"field": "until"})
    form = await (_form(tenant_id, form_id) if form_id else ensure_default_form(tenant_id))
    recordings = await CallRecording.filter(
        tenant_id=tenant_id,
        agent_extension=agent,
        status="stored",
        started_at__gte=since,
        started_at__lt=until,
    ).order_by("started_at")
    started = {r.call_id: r.started_at for r in recordings}
    already = set(
        await scoped(QaReview, tenant_id)
        .filter(agent=agent, call_id__in=list(started))
        .values_list("call_id", flat=True)
    )
    try:
        chosen = core.sample(list(started), {str(c) for c in already}, size, rng or random.Random())
    except core.Refused as error:
        raise as_invalid(error) from None
    async with in_transaction():
        rows = [
            await QaReview.create(
                tenant_id=tenant_id,
                call_id=call_id,
                agent=agent,
                form=form,
                items=form.items,
                sampled_by=actor.username,
                call_started_at=started[call_id],
            )
            for call_id in chosen
        ]
        await audit_trail.record(
            actor,
            "qa_sampled",
            "qa_review",
            agent,
            {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "asked": size,
                "calls": chosen,
            },
        )
    return rows


# -- scoring and answers -----------------------------------------------------------------
async def _review(tenant_id: int, review_id: int, own_extension: str | None) -> QaReview:
    """The review; for an agent (``own_extension``), only one of their own."""
    query = scoped(QaReview, tenant_id).filter(id=review_id)
    if own_extension is not None:
        query = query.filter(agent=own_extension)
    review = await query.first()
    if review is None:
        raise NotFound(f"no review {review_id}", {"field": "review"})
    return review


async def score_review(
    tenant_id: int, actor: Actor, review_id: int, form: Mapping[str, Any]
) -> QaReview:
    """The inspector's points per item, tags and comment: scores a pending
    review, corrects a scored one, or (``rescore``) decides an appeal."""
    review = await _review(tenant_id, review_id, None)
    action = core.RESCORE if review.state == core.APPEALED else core.SCORE
    items = core.parse_items(review.items)
    given = {item.code: form.get(f"score.{item.code}") for item in items}
    try:
        following = core.step(review.state, action, "inspector")
        points, total = core.score(items, given)
        problems = core.tags(str(form.get("tags", "") or ""))
    except core.Refused as error:
        raise as_invalid(error) from None
    review.points, review.score, review.tags = points, total, problems
    review.comment = str(form.get("comment", "") or "").strip()[:2000]
    review.inspector, review.scored_at, review.state = actor.username, now(), following
    if action == core.RESCORE:
        review.decision, review.final_at = "rescored", now()
        review.decision_note = str(form.get("note", "") or "").strip()[:2000]
    await review.save()
    await audit_trail.record(
        actor,
        "qa_scored" if action == core.SCORE else "qa_rescored",
        "qa_review",
        str(review.id),
        {"agent": review.agent, "call_id": review.call_id, "score": total, "tags": problems},
    )
    return review


async def uphold(tenant_id: int, actor: Actor, review_id: int, note: str) -> QaReview:
    review = await _review(tenant_id, review_id, None)
    try:
        review.state = core.step(review.state, core.UPHOLD, "inspector")
    except core.Refused as error:
        raise as_invalid(error) from None
    if not note.strip():
        raise InvalidRequest("note: say why the score stands", {"field": "note"})
    review.decision, review.decision_note, review.final_at = "upheld", note.strip()[:2000], now()
    await review.save()
    await audit_trail.record(
        actor, "qa_upheld", "qa_review", str(review.id), {"note": review.decision_note}
    )
    return review


async def answer(
    tenant_id: int, actor: Actor, review_id: int, own_extension: str, action: str, reason: str
) -> QaReview:
    """The agent accepts their review, or appeals it once with a reason."""
    review = await _review(tenant_id, review_id, own_extension)
    if action not in (core.ACCEPT, core.APPEAL):
        raise InvalidRequest("action: accept or appeal", {"field": "action"})
    try:
        review.state = core.step(review.state, action, "agent")
    except core.Refused as error:
        raise as_invalid(error) from None
    if action == core.APPEAL:
        if not reason.strip():
            raise InvalidRequest("reason: say what the score missed", {"field": "reason"})
        review.appeal_reason, review.appealed_at = reason.strip()[:2000], now()
    else:
        review.final_at = now()
    await review.save()
    audited = "qa_appealed" if action == core.APPEAL else "qa_accepted"
    await audit_trail.record(
        actor, audited, "qa_review", str(review.id), {"reason": review.appeal_reason}
    )
    return review


# -- reading -----------------------------------------------------------------------------
def _row(review: QaReview) -> dict[str, Any]:
    return {
        "id": review.id,
        "call_id": review.call_id,
        "agent": review.agent,
        "state": review.state,
        "score": review.score,
        "tags": list(review.tags),
        "comment": review.comment,
        "inspector": review.inspector,
        "call_started_at": review.call_started_at.astimezone(UTC).isoformat(),
        "scored_at": review.scored_at.astimezone(UTC).isoformat() if review.scored_at else None,
        "appeal_reason": review.appeal_reason,
        "decision": review.decision,
        "decision_note": review.decision_note,
    }


async def listed(
    tenant_id: int,
    *,
    agent: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    query = scoped(QaReview, tenant_id)
    if agent is not None:
        query = query.filter(agent=agent)
    if state:
        query = query.filter(state=state)
    if since is not None:
        query = query.filter(call_started_at__gte=since)
    if until is not None:
        query = query.filter(call_started_at__lt=until)
    return [_row(r) for r in await query.order_by("-call_started_at").limit(500)]


async def detail(tenant_id: int, review_id: int, own_extension: str | None) -> dict[str, Any]:
    """The review, its sheet's items with the points given, the call, and
    the cases taken on the call (scored beside it)."""
    review = await _review(tenant_id, review_id, own_extension)
    call = await CallRecord.get_or_none(call_id=review.call_id)
    cases = await scoped(Case, tenant_id).filter(call_id=review.call_id).order_by("id")
    return {
        **_row(review),
        "items": [
            {**item, "given": review.points.get(item["code"])} for item in list(review.items)
        ],
        "call": {
            "caller_id": call.caller_id if call else "",
            "queue": call.queue if call else None,
            "answered_at": call.answered_at.astimezone(UTC).isoformat()
            if call and call.answered_at
            else None,
            "ended_at": call.ended_at.astimezone(UTC).isoformat()
            if call and call.ended_at
            else None,
        },
        "cases": [
            {"id": c.id, "number": c.number, "subject": c.subject, "status": c.status}
            for c in cases
        ],
    }


async def report(tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per agent, the reviews of calls in [since, until): how many were
    scored, the average score (an appealed review counts with its current
    score, a pending one not at all), the lowest, the appeals, and the most
    frequent problem tags.  Agents without a scored review have None, never 0."""
    reviews = await scoped(QaReview, tenant_id).filter(
        call_started_at__gte=since, call_started_at__lt=until
    )
    by_agent: dict[str, list[QaReview]] = defaultdict(list)
    for review in reviews:
        by_agent[review.agent].append(review)
    rows = []
    for agent in sorted(by_agent):
        scored = [r for r in by_agent[agent] if r.state in SCORED_STATES and r.score is not None]
        problems: Counter[str] = Counter(tag for r in scored for tag in r.tags)
        rows.append(
            {
                "agent": agent,
                "sampled": len(by_agent[agent]),
                "scored": len(scored),
                "qa_score": round(sum(float(r.score or 0) for r in scored) / len(scored), 1)
                if scored
                else None,
                "lowest": min(float(r.score or 0) for r in scored) if scored else None,
                "appeals": sum(1 for r in by_agent[agent] if r.appeal_reason),
                "top_tags": [tag for tag, _ in problems.most_common(3)],
            }
        )
    return rows
