"""Pause (not-ready) reasons as the phone, the API and the agents page use them.

Each tenant keeps its own list (``hotline/models_pause_reasons.py``, edited at
``/agents/pause-reasons``).  Three ways in, one rule:

- the phone: ``*23`` toggles pause with the *default* reason, ``*23`` and a
  reason's digits (``*232``) pauses with that reason, unknown digits change
  nothing (``ari_apps/acd/stasis.py``);
- ``POST /api/v1/agents/{ext}/pause`` and the agents page: the reason must be
  an active code of the agent's tenant; no reason means the default.

The default reason is the first active reason in the list's order.  With no
active reason at all it is ``FALLBACK_REASON`` ("paused", what ``*23``
recorded before the list existed), so deactivating every reason never stops
an agent from pausing.

The choosing is pure (below, tested without a database); the loaders read the
active list when it is used, so an edit applies to the next pause with no
reload.  Pausing is not on a caller's path, so no cache is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from hotline.errors import InvalidRequest, NotFound
from hotline.models import Agent, Tenant
from hotline.models_pause_reasons import PauseReason

FALLBACK_REASON: Final = "paused"


class UnknownPauseReason(InvalidRequest):
    """A pause asked with a reason that is not an active code of the tenant."""

    error_id = "unknown-pause-reason"

    def __init__(self, requested: object, allowed: Sequence[str]) -> None:
        super().__init__(
            f"reason: unknown pause reason {requested!r}; use one of {', '.join(allowed)}",
            {"field": "reason", "value": requested, "allowed": list(allowed)},
        )
        self.requested = requested


@dataclass(frozen=True, slots=True)
class ActiveReason:
    code: str
    digits: str
    label_en: str
    label_zh: str = ""

    def label(self, language: str) -> str:
        if language == "zh-CN" and self.label_zh:
            return self.label_zh
        return self.label_en


def default_reason(active: Sequence[ActiveReason]) -> str:
    """What a pause without a reason records: the first active reason."""
    return active[0].code if active else FALLBACK_REASON


def reason_for_digits(active: Sequence[ActiveReason], digits: str) -> str | None:
    """The reason an agent keyed after ``*23``, or None for unknown digits."""
    return next((reason.code for reason in active if reason.digits == digits), None)


def allowed_codes(active: Sequence[ActiveReason]) -> list[str]:
    return [reason.code for reason in active] or [FALLBACK_REASON]


def checked_reason(active: Sequence[ActiveReason], requested: object) -> str:
    """The reason a pause request records; raises UnknownPauseReason naming the
    field and the allowed codes."""
    if requested is None or requested == "":
        return default_reason(active)
    allowed = allowed_codes(active)
    if not isinstance(requested, str) or requested not in allowed:
        raise UnknownPauseReason(requested, allowed)
    return requested


# -- loaders -------------------------------------------------------------------


def active_reason(row: PauseReason) -> ActiveReason:
    return ActiveReason(row.code, row.digits, row.label_en, row.label_zh)


async def active_reasons(tenant_id: int) -> list[ActiveReason]:
    rows = await PauseReason.filter(tenant_id=tenant_id, active=True).order_by("position", "id")
    return [active_reason(row) for row in rows]


async def active_reasons_of_agent(extension: str) -> list[ActiveReason]:
    agent = await Agent.get_or_none(extension=extension)
    if agent is None:
        raise NotFound(f"no agent {extension!r}", {"extension": extension})
    return await active_reasons(agent.tenant_id)  # type: ignore[attr-defined]


async def reason_for_pause(extension: str, requested: object) -> str:
    """Check a pause asked through the API or the agents page."""
    return checked_reason(await active_reasons_of_agent(extension), requested)


async def phone_pause_reason(extension: str, digits: str | None) -> str | None:
    """The reason of ``*23`` (digits None: the default) or ``*23<digits>``;
    None when the digits name no active reason or the agent is unknown."""
    try:
        active = await active_reasons_of_agent(extension)
    except NotFound:
        return None
    return default_reason(active) if digits is None else reason_for_digits(active, digits)


async def home_tenant() -> Tenant:
    """The tenant the admin UI and the API's list manage.

    Hotline runs one tenant today (the demo's); agents carry their own
    tenant, so the phone and agent actions already use the agent's list.
    """
    tenant = await Tenant.all().order_by("id").first()
    if tenant is None:
        raise NotFound("no tenant")
    return tenant


def reason_json(row: PauseReason, *, default: bool = False) -> dict[str, Any]:
    return {
        "code": row.code,
        "digits": row.digits,
        "feature_code": f"*23{row.digits}",
        "labels": {"en": row.label_en, "zh-CN": row.label_zh or row.label_en},
        "position": row.position,
        "active": row.active,
        "default": default,
    }


async def list_reasons(tenant: Tenant) -> list[dict[str, Any]]:
    """Every reason of the tenant in order, active or not; the default flagged."""
    rows = await PauseReason.filter(tenant=tenant).order_by("position", "id")
    default = default_reason([active_reason(row) for row in rows if row.active])
    return [reason_json(row, default=row.active and row.code == default) for row in rows]
