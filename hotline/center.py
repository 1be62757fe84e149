"""What the web layer may ask of the running contact center.

The ARI side implements this; the API depends only on the protocol so its
handlers stay thin and its tests can run against the real thing or a
stand-in of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from hotline.bus import EventBus


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """One line of ``/healthz``: whether a part works, and if not, why."""

    ok: bool
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks the contact center for something the audit log keeps:
    the signed-in user or API token, and the address they came from."""

    username: str
    ip: str
    tenant_id: int | None
    source: str = "ui"


class ContactCenter(Protocol):
    @property
    def ari_connected(self) -> bool: ...

    @property
    def bus(self) -> EventBus:
        """Call, agent and queue events as they happen (live pages subscribe)."""
        ...

    def ari_health(self) -> dict[str, float | None]:
        """For ``/metrics``: ``reconnects`` (sessions after the first) and
        ``event_lag_s`` (Asterisk's stamp to our read, sampled; None before any)."""
        ...

    def asterisk_health(self) -> HealthCheck:
        """Connected to Asterisk with every start-up step done, or why not."""
        ...

    def queue_names(self) -> list[str]: ...

    def queue_status(self, name: str) -> dict[str, Any] | None: ...

    def agent_statuses(self) -> list[dict[str, Any]]: ...

    def agent_status(self, extension: str) -> dict[str, Any] | None: ...

    async def agent_action(
        self, extension: str, action: str, reason: str | None
    ) -> dict[str, Any]: ...

    async def call_action(self, extension: str, action: str, target: str) -> dict[str, Any]:
        """The agent's hands on their call: ``hold``, ``resume``, or
        ``transfer`` to ``target`` ("queue:<name>" or "extension:<digits>").
        Raises InvalidRequest naming the field at fault; answers
        ``{agent, action, target, held}``."""
        ...

    def call_context(self, call_id: str) -> dict[str, Any] | None:
        """What the caller's flow knows of a live call, for the agent's
        screen pop: ``{call_id, caller_id, dialed_number, queue, variables}``
        (``variables``: every flow variable, e.g. digits the caller keyed);
        None for a call no flow holds."""
        ...

    def monitoring_sessions(self) -> list[dict[str, Any]]:
        """Supervisors listening to agents now: ``{session_id, call_id, agent,
        supervisor, mode, state, started_by, started_at}`` each."""
        ...

    async def start_monitoring(
        self, agent: str, supervisor: str, mode: str, actor: Actor
    ) -> dict[str, Any]:
        """Ring phone ``supervisor`` and join it to ``agent``'s conversation
        in ``mode`` (listen, whisper or barge); audited.  Raises
        InvalidRequest naming the field at fault."""
        ...

    async def change_monitoring(
        self, session_id: str, mode: str, actor: Actor
    ) -> dict[str, Any]: ...

    async def stop_monitoring(self, session_id: str, actor: Actor) -> dict[str, Any]: ...

    async def place_callback(
        self, tenant_id: int, callback_id: int, agent: str | None, actor: Actor
    ) -> dict[str, Any]:
        """Ring ``agent``'s phone (the callback's own when None), then the
        caller; InvalidRequest naming the field when it cannot be placed."""
        ...

    async def call_back_now(
        self,
        tenant_id: int,
        number: str,
        agent: str,
        actor: Actor,
        *,
        call_id: str | None = None,
        queue: str | None = None,
    ) -> dict[str, Any]:
        """Schedule a callback for ``agent`` due now and place it.  Scheduled
        first, so a refused placing (the agent is on a call) leaves it on the
        agent's desk; InvalidRequest then says why, the callback is kept."""
        ...

    async def fax_pdf(
        self,
        tenant_id: int,
        reference: str,
        title: str,
        pdf: bytes,
        number: str,
        call_id: str,
        actor: Actor,
    ) -> int:
        """Fax a document Hotline wrote (a knowledge article) to ``number`` by
        fax-back, with its retries; the fax job's id."""
        ...

    async def preview_call(
        self, tenant_id: int, campaign_id: int, contact_id: int, agent: str, actor: Actor
    ) -> dict[str, Any]:
        """A preview campaign's contact called by ``agent``: their phone rings
        first, then the contact; InvalidRequest names what stops it."""
        ...

    def campaign_pacing(self, campaign_id: int) -> dict[str, Any] | None:
        """An agent campaign's live pacing (mode, dial level, rolling abandon
        rate, estimates, agents ready/talking/wrapping up, lines by phase);
        None while the dialer has no pacer for it."""
        ...

    async def force_release(self, agent: str, actor: Actor) -> dict[str, Any]:
        """End ``agent``'s call with a caller (hang the caller up); audited."""
        ...

    def live_calls(self) -> list[dict[str, Any]]:
        """Every call in progress; a call running a flow has a ``tenant_id``
        (its flow's), which ``hotline.live_status`` filters on and hides."""
        ...

    async def reload_config(self) -> None:
        """Apply queue and agent changes saved in the database."""
        ...

    async def start_test_call(
        self, extension: str, definition: dict[str, Any], *, tenant_id: int
    ) -> str:
        """Ring ``extension`` and run ``definition`` (e.g. a draft) when answered.

        The call runs as a call of ``tenant_id`` (the tenant of the flow
        tested): its call record and its ``http_lookup`` allow-list are that
        tenant's.

        Returns the test call's channel id; raises InvalidRequest when the
        phone cannot be rung.
        """
        ...
