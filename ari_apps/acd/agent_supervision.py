"""The agents page's live side: each agent's row with the live ACD's state, and
the supervisor's actions on it (login, logout, pause with a reason, ready).

An action changes the agent's live state in the running ACD, not the agent's
settings, so nothing is reloaded; it is audited with the live state before
and after.  A refusal (an agent the live ACD does not know yet, a pause while
logged out) comes back as an ``ActionResult`` the page shows, not as an error.

Everything here works in one tenant (``tenant_id``, the signed-in user's):
another tenant's agent is as unknown as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ari_apps.acd.agent_settings import get_agent
from ari_apps.acd.settings_edit import Editor
from hotline.center import ContactCenter
from hotline.errors import HotlineError
from hotline.models import Agent
from hotline.pause_reasons import UnknownPauseReason, reason_for_pause
from hotline.tenancy import scoped

ACTIONS: Final = ("login", "logout", "pause", "ready", "extend")


@dataclass(frozen=True)
class ActionResult:
    """What a supervisor action did: the agent's new live state, or why it was refused."""

    extension: str
    action: str
    status: dict[str, Any] | None
    error: str | None = None  # an i18n key
    detail: str = ""  # the ACD's own words, when it refused


async def agent_action(
    editor: Editor, tenant_id: int, extension: str, action: str, reason: str
) -> ActionResult:
    """login / logout / pause (with an active reason, or the default) / ready, on the live ACD."""
    await get_agent(tenant_id, extension)
    if action not in ACTIONS:
        return ActionResult(extension, action, None, "agents.error.unknown_action")
    pause_reason: str | None = None
    if action == "pause":
        try:
            pause_reason = await reason_for_pause(extension, reason)
        except UnknownPauseReason:
            return ActionResult(extension, action, None, "agents.error.unknown_reason", reason)
    before = editor.center.agent_status(extension)
    try:
        status = await editor.center.agent_action(extension, action, pause_reason)
    except HotlineError as refused:
        # e.g. the agent is not in the live ACD yet, or cannot pause while logged out.
        return ActionResult(extension, action, None, "agents.error.refused", refused.message)
    await editor.audit(
        f"agent_{action}",
        "agent",
        extension,
        before=_live_snapshot(before),
        after=_live_snapshot(status),
    )
    return ActionResult(extension, action, status)


def _live_snapshot(status: dict[str, Any] | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {"state": status.get("state"), "reason": status.get("reason")}


async def live_rows(center: ContactCenter, tenant_id: int) -> list[dict[str, Any]]:
    """One row per agent of the tenant with the live state (if the ACD knows the agent)."""
    live = {str(s.get("extension")): s for s in center.agent_statuses()}
    rows = []
    for agent in await scoped(Agent, tenant_id).order_by("extension"):
        status = live.get(agent.extension)
        rows.append(
            {
                "extension": agent.extension,
                "name": agent.name,
                # Whose pause reasons the row offers.
                "tenant_id": agent.tenant_id,  # type: ignore[attr-defined]
                "live": status is not None,
                "state": status.get("state") if status else None,
                "reason": status.get("reason") if status else None,
                "registered": bool(status.get("registered")) if status else False,
            }
        )
    return rows
