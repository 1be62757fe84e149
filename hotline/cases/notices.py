"""Notices (待办消息): a row per user, and the same pushed live on the bus
(topic ``case``), whose SSE stream the pages' notice badge follows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from hotline.bus import EventBus
from hotline.cases import directory
from hotline.models_cases import Case, CaseNotice
from hotline.tenancy import scoped

TOPIC: Final = "case"
# What each notice kind says; the case number and subject follow.
TEXTS: Final[dict[str, str]] = {
    "dispatched": "dispatched to you",
    "transferred": "transferred to you",
    "returned": "returned to the centre",
    "replied": "replied: to review",
    "joint_requested": "joint handling asked for",
    "joint_dispatched": "joint handling: your department joins",
    "joint_refused": "joint handling refused",
    "countersign": "countersign: your department's reply is needed",
    "extension_requested": "extension asked for",
    "extension_approved": "extension approved",
    "extension_rejected": "extension rejected",
    "reply_rejected": "reply sent back",
    "chased": "chased (催办)",
    "reopened": "reopened",
    "overdue": "overdue",
    "escalated": "overdue: escalated to you",
    "follow_up_due": "follow-up due today",
}


async def notify_users(
    case: Case, usernames: Iterable[str], kind: str, bus: EventBus | None, *, by: str = ""
) -> int:
    text = f"{case.number} {TEXTS.get(kind, kind)}: {case.subject}"[:300]
    sent = 0
    for username in sorted(set(usernames) - {by}):
        notice = await CaseNotice.create(
            tenant_id=case.tenant_id, username=username, case_id=case.id, kind=kind, text=text
        )
        sent += 1
        if bus is not None:
            # The bus's own "kind" is the event's: the notice's rides as notice_kind.
            bus.publish(
                TOPIC,
                "notice",
                notice_id=notice.id,
                username=username,
                tenant_id=case.tenant_id,
                case_id=case.id,
                notice_kind=kind,
                text=text,
            )
    return sent


async def notify_departments(
    case: Case, departments: Iterable[str], kind: str, bus: EventBus | None, *, by: str = ""
) -> int:
    """Every member of each department; for the centre ("") the case's
    owner (首问负责: they follow it to the end) and the centre's leads."""
    users: set[str] = set()
    for department in departments:
        if department in ("", directory.CENTRE):
            users.add(case.owner)
            users.update(await directory.members_of(case.tenant_id, "", leads_only=True))
        else:
            users.update(await directory.members_of(case.tenant_id, department))
    return await notify_users(case, users, kind, bus, by=by)


def notice_json(notice: CaseNotice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "username": notice.username,
        "tenant_id": notice.tenant_id,
        "case_id": notice.case_id,
        "kind": notice.kind,
        "text": notice.text,
        "created_at": notice.created_at.astimezone(UTC).isoformat(),
        "read": notice.read_at is not None,
    }


async def notices_for(tenant_id: int, username: str, *, limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        await scoped(CaseNotice, tenant_id).filter(username=username).order_by("-id").limit(limit)
    )
    return [notice_json(row) for row in rows]


async def unread_count(tenant_id: int, username: str) -> int:
    return await scoped(CaseNotice, tenant_id).filter(username=username, read_at=None).count()


async def mark_read(tenant_id: int, username: str, notice_id: int) -> int | None:
    """Marks the user's own notice read; the case it opens (None: not theirs)."""
    notice = await scoped(CaseNotice, tenant_id).get_or_none(id=notice_id, username=username)
    if notice is None:
        return None
    if notice.read_at is None:
        notice.read_at = datetime.now(UTC)
        await notice.save(update_fields=["read_at"])
    return notice.case_id
