"""What the desk's templates get: the desk plus labels and the form's choices."""

from __future__ import annotations

from typing import Any, Final

from hotline.desk import Desk

PARTIAL: Final = "desk/_desk.html"


def actions_for(state: str | None) -> list[str]:
    """The buttons an agent in ``state`` gets (the same rules as the phone's codes)."""
    if state in (None, "logged_out"):
        return ["login"]
    if state == "not_ready":
        return ["ready", "logout"]
    if state == "ready":
        return ["pause", "logout"]
    if state == "wrap_up":
        # More time after the call, or done early; a pause waits for its end.
        return ["extend", "ready", "pause"]
    # Ringing, on a call: a pause is taken after the call.
    return ["pause"]


def desk_context(
    desk: Desk, reasons: list[tuple[str, str]], csrf_token: str, *, can_edit: bool
) -> dict[str, Any]:
    status = desk.status or {}
    return {
        "desk": desk,
        "state": status.get("state"),
        "reason": status.get("reason"),
        "state_since": status.get("state_since"),
        "wrap_up_ends_at": status.get("wrap_up_ends_at"),
        "registered": status.get("registered"),
        "held": bool(status.get("held")),
        "consulting": status.get("consulting"),
        "transfer_queues": [],
        "transfer_flows": [],
        "call_refused": None,
        "actions": actions_for(status.get("state")) if can_edit else [],
        "reasons": reasons,
        "csrf_token": csrf_token,
        "refused": None,
        "outcome_refused": None,
        "outcome_saved": False,
        "can_edit": can_edit,
        "active_callback": None,
        # The desk's own browser phone, when the agent's phone is one.
        "browser_phone_extension": desk.extension if can_edit and desk.phone == "browser" else None,
    }
