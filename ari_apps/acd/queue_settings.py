"""Queue settings: create, edit and membership, and the values a queue page shows.

Every saved change is validated by the ACD's ``QueueConfig`` first, audited
with before/after, and applied to the live ACD with ``reload_config()``.
Deleting a queue is its own use case (``queue_removal.py``), and so is the
list with live state (``queue_overview.py``).

Everything here works in one tenant (``tenant_id``, the signed-in user's):
another tenant's queue, agent or flow is as unknown as a missing one.  Queue
names are one namespace across tenants (they name the ACD's queues), so a
name another tenant holds is refused as "not available", saying no more.
"""

from __future__ import annotations

import re
from typing import Any

from ari_apps.acd.config import (
    OVERFLOW_KINDS,
    OVERFLOW_QUEUE,
    OVERFLOW_VOICEMAIL,
    OverflowTarget,
    QueueConfig,
)
from ari_apps.acd.exceptions import InvalidConfigError
from ari_apps.acd.settings_edit import Editor, SettingsParser, config_error
from ari_apps.acd.strategies import LONGEST_IDLE, STRATEGIES
from hotline.errors import NotFound
from hotline.models import Agent, Flow, Queue, QueueMember
from hotline.models_voicemail import Mailbox
from hotline.tenancy import scoped

STRATEGY_NAMES = tuple(STRATEGIES)
OVERFLOW_KIND_NAMES = tuple(sorted(OVERFLOW_KINDS))
# Queue names appear in URLs and in Asterisk config; "new" is the create page.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_RESERVED_NAMES = frozenset({"new"})
_CALLER_ID = re.compile(r"^\+?[0-9*#]{1,32}$")
RECORD_POLICIES = ("none", "all", "sample")
# Bounds of the figures' and recordings' integer fields (None: unbounded).
_BOUNDS: dict[str, tuple[int, int | None]] = {
    "sl_threshold_s": (1, 3600),
    "sl_target_pct": (1, 100),
    "short_abandon_s": (0, 600),
    "familiar_agent_s": (0, 600),
    "record_sample_pct": (1, 100),
    "recording_retention_days": (1, None),
}

# InvalidConfigError field -> form field.
_CONFIG_FIELDS = {
    "announce_position_every_s": "announce_every_s",
    "max_misses_before_not_ready": "max_misses",
    "skills": "required_skills",
    "overflow": "overflow_target",
    "overflow.kind": "overflow_kind",
    "overflow.target": "overflow_target",
}


def blank_values() -> dict[str, Any]:
    """The create form's starting values (the model's defaults)."""
    return {
        "name": "",
        "strategy": LONGEST_IDLE,
        "ring_timeout_s": "15",
        "wrapup_s": "5",
        "max_wait_s": "",
        "overflow_kind": "",
        "overflow_target": "",
        "join_empty": True,
        "leave_empty": False,
        "announce_every_s": "",
        "announce_ewt": True,
        "moh_class": "default",
        "skills": [],
        "max_misses": "2",
        "vip_caller_ids": "",
        "vip_priority": "10",
        "sl_threshold_s": "20",
        "sl_target_pct": "80",
        "short_abandon_s": "5",
        "familiar_agent_s": "0",
        "record_policy": "none",
        "record_sample_pct": "100",
        "recording_retention_days": "",
        "survey_flow": "",
        "members": [],
    }


def _opt(value: int | None) -> str:
    return "" if value is None else str(value)


async def values_of(queue: Queue) -> dict[str, Any]:
    members = await QueueMember.filter(queue=queue).prefetch_related("agent")
    return {
        "name": queue.name,
        "strategy": queue.strategy,
        "ring_timeout_s": str(queue.ring_timeout_s),
        "wrapup_s": str(queue.wrapup_s),
        "max_wait_s": _opt(queue.max_wait_s),
        "overflow_kind": queue.overflow_kind or "",
        "overflow_target": queue.overflow_target or "",
        "join_empty": queue.join_empty,
        "leave_empty": queue.leave_empty,
        "announce_every_s": _opt(queue.announce_every_s),
        "announce_ewt": queue.announce_ewt,
        "moh_class": queue.moh_class,
        "skills": [(k, str(v)) for k, v in sorted((queue.required_skills or {}).items())],
        "max_misses": str(queue.max_misses),
        "vip_caller_ids": "\n".join(queue.vip_caller_ids or []),
        "vip_priority": str(queue.vip_priority),
        "sl_threshold_s": str(queue.sl_threshold_s),
        "sl_target_pct": str(queue.sl_target_pct),
        "short_abandon_s": str(queue.short_abandon_s),
        "familiar_agent_s": str(queue.familiar_agent_s),
        "record_policy": queue.record_policy,
        "record_sample_pct": str(queue.record_sample_pct),
        "recording_retention_days": _opt(queue.recording_retention_days),
        "survey_flow": queue.survey_flow or "",
        "members": sorted(m.agent.extension for m in members),
    }


_AUDITED_FIELDS = (
    "strategy",
    "ring_timeout_s",
    "wrapup_s",
    "max_wait_s",
    "overflow_kind",
    "overflow_target",
    "join_empty",
    "leave_empty",
    "announce_every_s",
    "announce_ewt",
    "moh_class",
    "required_skills",
    "max_misses",
    "vip_caller_ids",
    "vip_priority",
    "sl_threshold_s",
    "sl_target_pct",
    "short_abandon_s",
    "familiar_agent_s",
    "record_policy",
    "record_sample_pct",
    "recording_retention_days",
    "survey_flow",
)


async def snapshot(queue: Queue) -> dict[str, Any]:
    """The audit log's view of a queue (JSON-friendly, typed), members included."""
    shown: dict[str, Any] = {"name": queue.name}
    shown.update({name: getattr(queue, name) for name in _AUDITED_FIELDS})
    members = await QueueMember.filter(queue=queue).prefetch_related("agent")
    shown["members"] = sorted(m.agent.extension for m in members)
    return shown


async def _parse(tenant_id: int, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Typed model fields from the typed values; raises FormInvalid naming the fields."""
    check = SettingsParser()
    name = values["name"]
    if creating:
        if not name:
            check.fail("name", "queues.error.required")
        elif not _NAME.match(name) or name in _RESERVED_NAMES:
            check.fail("name", "queues.error.name_format")
        elif await scoped(Queue, tenant_id).filter(name=name).exists():
            check.fail("name", "queues.error.duplicate", value=name)
        elif await Queue.exists(name=name):
            # Another tenant's: the name is global (the ACD's queue name), but
            # whose it is, or that it is a queue at all, is not ours to say.
            check.fail("name", "queues.error.name_unavailable", value=name)
    fields: dict[str, Any] = {
        "strategy": values["strategy"],
        "ring_timeout_s": check.integer("ring_timeout_s", values["ring_timeout_s"]),
        "wrapup_s": check.integer("wrapup_s", values["wrapup_s"]),
        "max_wait_s": check.integer("max_wait_s", values["max_wait_s"], optional=True),
        "overflow_kind": values["overflow_kind"] or None,
        "overflow_target": values["overflow_target"] or None,
        "join_empty": values["join_empty"],
        "leave_empty": values["leave_empty"],
        "announce_every_s": check.integer(
            "announce_every_s", values["announce_every_s"], optional=True
        ),
        "announce_ewt": values["announce_ewt"],
        "moh_class": values["moh_class"] or "default",
        "required_skills": check.skills("required_skills", values["skills"]),
        "max_misses": check.integer("max_misses", values["max_misses"]),
        "vip_caller_ids": _caller_ids(check, values["vip_caller_ids"]),
        "vip_priority": check.integer("vip_priority", values["vip_priority"]),
        "record_policy": values["record_policy"],
    }
    for bounded, (low, high) in _BOUNDS.items():
        optional = bounded == "recording_retention_days"
        number = check.integer(bounded, values[bounded], optional=optional)
        if number is not None and high is None and number < low:
            check.fail(bounded, "queues.error.at_least", value=number, low=low)
        elif number is not None and high is not None and not low <= number <= high:
            check.fail(bounded, "queues.error.range", value=number, low=low, high=high)
        fields[bounded] = number
    if fields["record_policy"] not in RECORD_POLICIES:
        check.fail("record_policy", "queues.error.choice")
    # The post-call survey: a flow of the queue's tenant, by name; empty: none.
    survey_flow = str(values.get("survey_flow", "")).strip()
    fields["survey_flow"] = survey_flow or None
    if survey_flow and not await scoped(Flow, tenant_id).filter(name=survey_flow).exists():
        check.fail("survey_flow", "queues.error.unknown_flow", value=survey_flow)
    if fields["overflow_target"] and not fields["overflow_kind"]:
        check.fail("overflow_kind", "queues.error.required")
    if fields["overflow_kind"] == OVERFLOW_QUEUE and fields["overflow_target"]:
        target = fields["overflow_target"]
        if target != name and not await scoped(Queue, tenant_id).filter(name=target).exists():
            check.fail("overflow_target", "queues.error.unknown_queue", value=target)
    if fields["overflow_kind"] == OVERFLOW_VOICEMAIL and fields["overflow_target"]:
        # The message is left in this box: a missing one would fail the caller then.
        box = fields["overflow_target"]
        if not await scoped(Mailbox, tenant_id).filter(number=box).exists():
            check.fail("overflow_target", "queues.error.unknown_box", value=box)
    known = set(
        await scoped(Agent, tenant_id)
        .filter(extension__in=values["members"])
        .values_list("extension", flat=True)
    )
    unknown = [ext for ext in values["members"] if ext not in known]
    if unknown:
        check.fail("members", "queues.error.unknown_agent", value=", ".join(unknown))
    check.raise_if_failed()
    _validate_with_acd(name or "new", fields)
    return fields


def _caller_ids(check: SettingsParser, raw: str) -> list[str]:
    ids = list(dict.fromkeys(raw.replace(",", " ").split()))
    bad = [caller_id for caller_id in ids if not _CALLER_ID.match(caller_id)]
    if bad:
        check.fail("vip_caller_ids", "queues.error.caller_id", value=", ".join(bad))
    return ids


def _validate_with_acd(name: str, fields: dict[str, Any]) -> None:
    # The same constructor the ACD uses at reload: if it refuses, so do we.
    try:
        overflow = (
            OverflowTarget(fields["overflow_kind"], fields["overflow_target"] or "")
            if fields["overflow_kind"]
            else None
        )
        QueueConfig(
            name=name,
            strategy=fields["strategy"],
            ring_timeout_s=float(fields["ring_timeout_s"]),
            wrapup_s=float(fields["wrapup_s"]),
            max_wait_s=fields["max_wait_s"],
            overflow=overflow,
            join_empty=fields["join_empty"],
            leave_empty=fields["leave_empty"],
            announce_position_every_s=fields["announce_every_s"],
            announce_ewt=fields["announce_ewt"],
            moh_class=fields["moh_class"],
            required_skills=fields["required_skills"],
            max_misses_before_not_ready=fields["max_misses"],
            vip_caller_ids=frozenset(fields["vip_caller_ids"]),
            vip_priority=fields["vip_priority"],
            familiar_agent_s=float(fields["familiar_agent_s"] or 0),
        )
    except InvalidConfigError as error:
        raise config_error(error, _CONFIG_FIELDS) from error


async def _set_members(tenant_id: int, queue: Queue, extensions: list[str]) -> None:
    wanted = set(extensions)
    for member in await QueueMember.filter(queue=queue).prefetch_related("agent"):
        if member.agent.extension not in wanted:
            await member.delete()
        wanted.discard(member.agent.extension)
    for agent in await scoped(Agent, tenant_id).filter(extension__in=sorted(wanted)):
        await QueueMember.create(queue=queue, agent=agent)


async def get_queue(tenant_id: int, name: str) -> Queue:
    """The tenant's queue ``name``; NotFound for a missing one and another tenant's alike."""
    queue = await scoped(Queue, tenant_id).get_or_none(name=name)
    if queue is None:
        raise NotFound(f"no queue {name!r}", {"queue": name})
    return queue


async def create_queue(editor: Editor, tenant_id: int, values: dict[str, Any]) -> Queue:
    fields = await _parse(tenant_id, values, creating=True)
    queue = await Queue.create(tenant_id=tenant_id, name=values["name"], **fields)
    await _set_members(tenant_id, queue, values["members"])
    after = await snapshot(queue)
    await editor.audit("create", "queue", queue.name, before=None, after=after)
    await editor.center.reload_config()
    return queue


async def update_queue(editor: Editor, tenant_id: int, name: str, values: dict[str, Any]) -> Queue:
    queue = await get_queue(tenant_id, name)
    values = {**values, "name": name}
    fields = await _parse(tenant_id, values, creating=False)
    before = await snapshot(queue)
    queue.update_from_dict(fields)
    await queue.save()
    await _set_members(tenant_id, queue, values["members"])
    after = await snapshot(queue)
    await editor.audit("update", "queue", name, before=before, after=after)
    await editor.center.reload_config()
    return queue


async def agent_choices(tenant_id: int) -> list[dict[str, str]]:
    agents = await scoped(Agent, tenant_id).order_by("extension")
    return [{"extension": a.extension, "name": a.name} for a in agents]
