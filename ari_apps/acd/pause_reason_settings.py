"""Pause reasons: list, add, edit, deactivate and activate, each audited.

A reason's ``code`` is recorded in agents' states, so it is fixed once the
reason exists; everything else may change.  Reasons are deactivated, never
deleted.  Nothing needs a reload: the phone, the API and the agents page read
the active list when they use it (``hotline/pause_reasons.py``).

Each tenant keeps its own list: every function here works in the signed-in
user's tenant (``tenant_id``), and another tenant's reason is as unknown as
a missing one.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ari_apps.acd.commands import NOT_READY_AT_LOGIN, NOT_READY_MISSED
from ari_apps.acd.settings_edit import Editor
from hotline.errors import NotFound
from hotline.field_input import FieldParser
from hotline.models import Tenant
from hotline.models_pause_reasons import PauseReason
from hotline.pause_reasons import active_reason, list_reasons
from hotline.tenancy import scoped

OBJECT_TYPE: Final = "pause_reason"
FIELDS: Final = ("code", "digits", "label_en", "label_zh", "position")
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_DIGITS = re.compile(r"^[0-9]{1,2}$")
# Reasons the ACD sets by itself: a configured reason of that name would be
# taken for them (e.g. "logged_in" is not persisted as a pause).
_RESERVED_CODES = frozenset({NOT_READY_AT_LOGIN, NOT_READY_MISSED})
_LABEL_LIMIT = 64
_MAX_POSITION = 9999
_POSITION_STEP = 10


def blank_values() -> dict[str, Any]:
    return {field: "" for field in FIELDS} | {"active": True}


def values_of(row: PauseReason) -> dict[str, Any]:
    return {
        "code": row.code,
        "digits": row.digits,
        "label_en": row.label_en,
        "label_zh": row.label_zh,
        "position": str(row.position),
        "active": row.active,
    }


def snapshot(row: PauseReason) -> dict[str, Any]:
    """The audit log's view of a reason."""
    return values_of(row) | {"position": row.position}


async def reasons(tenant_id: int) -> list[dict[str, Any]]:
    return await list_reasons(await Tenant.get(id=tenant_id))


async def get_reason(tenant_id: int, code: str) -> PauseReason:
    row = await scoped(PauseReason, tenant_id).get_or_none(code=code)
    if row is None:
        raise NotFound(f"no pause reason {code!r}", {"code": code})
    return row


async def _next_position(tenant_id: int) -> int:
    last = await scoped(PauseReason, tenant_id).order_by("-position").first()
    return (last.position if last else 0) + _POSITION_STEP


async def _parse(
    values: dict[str, Any], tenant_id: int, existing: PauseReason | None
) -> dict[str, Any]:
    check = FieldParser()
    others = scoped(PauseReason, tenant_id)
    if existing is not None:
        others = others.exclude(id=existing.id)
    else:
        code = values["code"]
        if not code:
            check.fail("code", "queues.error.required")
        elif not _CODE.match(code):
            check.fail("code", "pause_reasons.error.code_format")
        elif code in _RESERVED_CODES:
            check.fail("code", "pause_reasons.error.reserved", value=code)
        elif await others.filter(code=code).exists():
            check.fail("code", "queues.error.duplicate", value=code)
    digits = values["digits"]
    if not digits:
        check.fail("digits", "queues.error.required")
    elif not _DIGITS.match(digits):
        check.fail("digits", "pause_reasons.error.digits_format")
    else:
        holder = await others.filter(digits=digits).first()
        if holder is not None:
            check.fail("digits", "pause_reasons.error.digits_taken", value=digits, code=holder.code)
    for field, required in (("label_en", True), ("label_zh", False)):
        if required and not values[field]:
            check.fail(field, "queues.error.required")
        elif len(values[field]) > _LABEL_LIMIT:
            check.fail(field, "agents.error.too_long", limit=_LABEL_LIMIT)
    position = check.integer("position", values["position"], optional=existing is None)
    if position is not None and not 0 <= position <= _MAX_POSITION:
        check.fail("position", "pause_reasons.error.position_range", limit=_MAX_POSITION)
    check.raise_if_failed()
    fields: dict[str, Any] = {
        "digits": digits,
        "label_en": values["label_en"],
        "label_zh": values["label_zh"],
        "position": position if position is not None else await _next_position(tenant_id),
    }
    if existing is not None:
        fields["active"] = bool(values["active"])
    return fields


async def create_reason(editor: Editor, tenant_id: int, values: dict[str, Any]) -> PauseReason:
    fields = await _parse(values, tenant_id, None)
    row = await PauseReason.create(tenant_id=tenant_id, code=values["code"], **fields)
    await editor.audit("create", OBJECT_TYPE, row.code, before=None, after=snapshot(row))
    return row


async def update_reason(
    editor: Editor, tenant_id: int, code: str, values: dict[str, Any]
) -> PauseReason:
    row = await get_reason(tenant_id, code)
    fields = await _parse(values, tenant_id, row)
    before = snapshot(row)
    row.update_from_dict(fields)
    await row.save(update_fields=list(fields))
    await editor.audit("update", OBJECT_TYPE, code, before=before, after=snapshot(row))
    return row


async def set_active(editor: Editor, tenant_id: int, code: str, active: bool) -> PauseReason:
    row = await get_reason(tenant_id, code)
    if row.active == active:
        return row  # nothing changed, nothing to audit
    before = snapshot(row)
    row.active = active
    await row.save(update_fields=["active"])
    action = "activate" if active else "deactivate"
    await editor.audit(action, OBJECT_TYPE, code, before=before, after=snapshot(row))
    return row


async def choices_by_tenant(tenant_id: int, language: str) -> dict[int, list[tuple[str, str]]]:
    """(code, label) of the tenant's active reasons, by tenant id, for the
    agents page (whose rows look their agent's tenant up: only this one)."""
    found: dict[int, list[tuple[str, str]]] = {}
    rows = await scoped(PauseReason, tenant_id).filter(active=True).order_by("position", "id")
    for row in rows:
        label = active_reason(row).label(language)
        found.setdefault(row.tenant_id, []).append((row.code, label))  # type: ignore[attr-defined]
    return found
