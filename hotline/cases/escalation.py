"""Overdue cases escalate by rule (超期升级), and agents' follow-up dates
reach their workbench.

The rule: when a step's deadline passes, the departments holding the case
(or, at the centre, its owner and the centre's leads) are told; when it is
still open ``ESCALATE_AFTER_H`` hours later (a workflow may say otherwise:
``"escalate_after_hours"``), the leads of the holders' parent departments and
the centre's leads are told too.  Each step is written in the case's
history (user ``hotline``) and the audit log, once: ``Case.escalation``
remembers how far it went, and a new step's clock starts it again at 0.

A complex complaint (复杂投诉) owes a progress reply every day while
departments hold it (``core.progress_clock``): when a day passes without one,
its holders are told (``progress_due``), once per day missed, and the
case's history says so.

``CaseClock`` runs the sweep every ``SWEEP_S`` seconds in the Hotline
process; the sweep itself takes the time as an argument (tests give one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hotline import audit_trail
from hotline.bus import EventBus
from hotline.cases import core, directory, messages, notices
from hotline.center import Actor
from hotline.models_cases import Case, CaseAction, CaseWorkflow, Department
from hotline.settings import Settings

log = logging.getLogger(__name__)

SWEEP_S: Final = 30.0
DELIVER_S: Final = 5.0
ESCALATE_AFTER_H: Final = 4.0
SYSTEM_USER: Final = "hotline"
TOLD_HOLDERS: Final = 1
TOLD_SUPERIORS: Final = 2


async def _escalate_after(case: Case) -> timedelta:
    row = await CaseWorkflow.get_or_none(id=case.workflow_id)
    hours = ESCALATE_AFTER_H
    if row is not None and isinstance(row.definition, dict):
        given = row.definition.get("escalate_after_hours")
        if isinstance(given, int | float) and not isinstance(given, bool) and given > 0:
            hours = float(given)
    return timedelta(hours=hours)


async def _superiors(case: Case) -> set[str]:
    users = set(await directory.members_of(case.tenant_id, "", leads_only=True))
    for code in case.awaiting:
        department = await Department.get_or_none(tenant_id=case.tenant_id, code=code)
        if department is not None and department.parent_code:
            users.update(
                await directory.members_of(case.tenant_id, department.parent_code, leads_only=True)
            )
    return users


async def _write(case: Case, what: str, told: list[str]) -> None:
    await CaseAction.create(
        case=case,
        username=SYSTEM_USER,
        action=what,
        targets=told,
        note="",
        status_after=case.status,
        holders_after=list(case.awaiting),
        deadline_after=case.deadline,
        data={},
    )
    actor = Actor(SYSTEM_USER, "", case.tenant_id, source="system")
    await audit_trail.record(actor, f"case_{what}", "case", case.number, {"told": told})


async def sweep(now: datetime, bus: EventBus | None = None) -> int:
    """One pass over the open cases past their deadline; how many escalated."""
    moved = 0
    overdue = Case.filter(
        status__in=list(core.OPEN_STATUSES), deadline__lt=now, escalation__lt=TOLD_SUPERIORS
    )
    for case in await overdue:
        assert case.deadline is not None
        if case.escalation < TOLD_HOLDERS:
            holders = list(case.awaiting) or [""]
            await notices.notify_departments(case, holders, "overdue", bus)
            case.escalation = TOLD_HOLDERS
            await case.save(update_fields=["escalation"])
            await _write(case, "overdue", holders)
            moved += 1
        elif now - case.deadline >= await _escalate_after(case):
            superiors = sorted(await _superiors(case))
            await notices.notify_users(case, superiors, "escalated", bus)
            case.escalation = TOLD_SUPERIORS
            await case.save(update_fields=["escalation"])
            await _write(case, "escalated", superiors)
            moved += 1
    return moved


async def chase_progress(now: datetime, bus: EventBus | None = None) -> int:
    """Complex complaints whose daily progress reply is late: their holders
    are told, once until the next reply restarts the clock."""
    told = 0
    late = Case.filter(
        complex=True,
        status__in=list(core.HELD_BY_DEPARTMENTS),
        progress_due__lt=now,
        progress_told=False,
    )
    for case in await late:
        holders = list(case.awaiting) or [""]
        await notices.notify_departments(case, holders, "progress_due", bus)
        case.progress_told = True
        await case.save(update_fields=["progress_told"])
        await _write(case, "progress_due", holders)
        told += 1
    return told


async def remind_follow_ups(today: date, bus: EventBus | None = None) -> int:
    """Cases whose follow-up date (客户回访提醒) is today: their setter is told, once."""
    told = 0
    for case in await Case.filter(follow_up_on__lte=today).exclude(follow_up_by=""):
        await notices.notify_users(case, [case.follow_up_by], "follow_up_due", bus)
        case.follow_up_on = None
        await case.save(update_fields=["follow_up_on"])
        told += 1
    return told


class CaseClock:
    """In the background: messages to citizens as soon as they are queued
    (or every ``DELIVER_S``), and the sweep every ``SWEEP_S`` seconds."""

    def __init__(self, bus: EventBus, settings: Settings) -> None:
        self.bus = bus
        self.settings = settings
        self.timezone = settings.site_timezone
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="case-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        last_sweep = 0.0
        while True:
            try:
                now = datetime.now(UTC)
                await messages.deliver_due(now, self.settings)
                if time.monotonic() - last_sweep >= SWEEP_S:
                    last_sweep = time.monotonic()
                    await sweep(now, self.bus)
                    await chase_progress(now, self.bus)
                    today = now.astimezone(ZoneInfo(self.timezone)).date()
                    await remind_follow_ups(today, self.bus)
            except Exception:
                log.exception("case clock: a pass failed; again in %s s", DELIVER_S)
            await messages.woken(DELIVER_S)
