"""Notices (待办消息): a row per user, and the same pushed live on the bus
(topic ``case``), whose SSE stream the pages' notice badge follows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hotline import audit_trail
from hotline.bus import EventBus
from hotline.cases import directory
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models import User
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
    "marked_complex": "marked complex (复杂投诉): a progress reply every day",
    "progress": "progress reply (阶段性答复)",
    "progress_due": "progress reply due (复杂投诉: every day)",
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
    """Marks the user's own notice read; the case it opens (None: not theirs,
    or no case: an announcement, an urgent note)."""
    notice = await scoped(CaseNotice, tenant_id).get_or_none(id=notice_id, username=username)
    if notice is None:
        raise NotFound("no such notice")
    if notice.read_at is None:
        notice.read_at = datetime.now(UTC)
        await notice.save(update_fields=["read_at"])
    return notice.case_id


# -- notes outside a case: urgent notes and announcements ----------------------------

URGENT_NOTE: Final = "urgent_note"
ANNOUNCEMENT: Final = "announcement"
NOTE_MAX: Final = 300
# An urgent note is for the call in progress: older ones are not shown.
URGENT_FOR: Final = timedelta(minutes=30)


def _note_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > NOTE_MAX:
        raise InvalidRequest(f"text: 1 to {NOTE_MAX} characters", {"field": "text"})
    return cleaned


async def _notify_plain(
    tenant_id: int, usernames: Iterable[str], kind: str, text: str, bus: EventBus | None
) -> int:
    sent = 0
    for username in sorted(set(usernames)):
        notice = await CaseNotice.create(
            tenant_id=tenant_id, username=username, case_id=None, kind=kind, text=text
        )
        sent += 1
        if bus is not None:
            bus.publish(
                TOPIC,
                "notice",
                notice_id=notice.id,
                username=username,
                tenant_id=tenant_id,
                case_id=None,
                notice_kind=kind,
                text=text,
            )
    return sent


async def urgent_note(
    tenant_id: int, actor: Actor, agent_extension: str, text: str, bus: EventBus | None
) -> int:
    """A supervisor's note to the agent on a call (WO-28): it appears on the
    agent's desk at once, without touching the call's audio; audited."""
    cleaned = _note_text(text)
    users = [
        str(name)
        for name in await scoped(User, tenant_id)
        .filter(phone_extension=agent_extension)
        .values_list("username", flat=True)
    ]
    if not users:
        raise InvalidRequest(
            f"agent: no user of the desk of extension {agent_extension!r}", {"field": "agent"}
        )
    sent = await _notify_plain(tenant_id, users, URGENT_NOTE, f"{actor.username}: {cleaned}", bus)
    await audit_trail.record(actor, "urgent_note_sent", "agent", agent_extension, {"text": cleaned})
    return sent


async def urgent_notes_for(tenant_id: int, username: str) -> list[dict[str, Any]]:
    since = datetime.now(UTC) - URGENT_FOR
    rows = (
        await scoped(CaseNotice, tenant_id)
        .filter(username=username, kind=URGENT_NOTE, read_at=None, created_at__gte=since)
        .order_by("-id")
        .limit(5)
    )
    return [notice_json(row) for row in rows]


async def announce(
    tenant_id: int, actor: Actor, text: str, audience: str, bus: EventBus | None
) -> int:
    """An internal announcement (内部公告) to every user of the tenant, or to
    one department's people (``audience``: "all" or a department code)."""
    cleaned = _note_text(text)
    if audience in ("", "all"):
        users = [
            str(name) for name in await scoped(User, tenant_id).values_list("username", flat=True)
        ]
    else:
        await directory.check_departments(tenant_id, (audience,), "audience")
        users = await directory.members_of(tenant_id, audience)
    sent = await _notify_plain(tenant_id, users, ANNOUNCEMENT, cleaned, bus)
    await audit_trail.record(
        actor, "announcement_sent", "announcement", audience or "all", {"text": cleaned, "to": sent}
    )
    return sent


async def announcement_reads(tenant_id: int, text: str) -> dict[str, int]:
    rows = scoped(CaseNotice, tenant_id).filter(kind=ANNOUNCEMENT, text=text)
    return {"sent": await rows.count(), "read": await rows.exclude(read_at=None).count()}


async def recent_announcements(tenant_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """The latest announcements, each with how many it went to and how many
    have read it (one notice per recipient, sent in the same second)."""
    rows = (
        await scoped(CaseNotice, tenant_id)
        .filter(kind=ANNOUNCEMENT)
        .order_by("-created_at")
        .limit(2000)
    )
    sent: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row.text, row.created_at.astimezone(UTC).isoformat(timespec="seconds"))
        entry = sent.setdefault(key, {"text": row.text, "at": key[1], "sent": 0, "read": 0})
        entry["sent"] += 1
        entry["read"] += int(row.read_at is not None)
    return list(sent.values())[:limit]
