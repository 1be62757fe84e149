"""A stand-in of the ContactCenter protocol for web tests without Asterisk.

The real CallCenter needs Asterisk and is covered by the integration tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ari_apps.monitoring.core import MODES
from hotline.bus import EventBus
from hotline.center import Actor, HealthCheck
from hotline.errors import InvalidRequest, NotFound

AGENT_ACTIONS = ("login", "logout", "pause", "ready", "extend")


@dataclass
class StandInCenter:
    """Holds queue and agent state in dicts and records every agent action."""

    connected: bool = True
    bus: EventBus = field(default_factory=EventBus)
    not_connected_reason: str = "ARI websocket: ClientConnectorError: connection refused"
    queues: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "support": {
                "name": "support",
                "strategy": "longest-idle",
                "waiting": [],
                "agents_by_state": {"ready": ["1001"], "logged_out": ["1002"]},
                "unregistered_agents": [],
                "avg_handle_s": None,
                "longest_wait_s": 0.0,
                "estimated_wait_s": None,
            }
        }
    )
    agents: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "1001": {"extension": "1001", "state": "ready", "reason": None, "registered": True},
            "1002": {
                "extension": "1002",
                "state": "logged_out",
                "reason": None,
                "registered": False,
            },
        }
    )
    calls: list[dict[str, Any]] = field(
        default_factory=lambda: [{"call_id": "live-1", "stage": "ivr", "node": "menu"}]
    )
    # call id -> what call_context answers (the screen pop's flow data)
    call_contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: list[tuple[str, str, str | None]] = field(default_factory=list)
    reloads: int = 0
    # Agents in a conversation now (who may be monitored), and the sessions.
    talking: set[str] = field(default_factory=lambda: {"1001"})
    monitor_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    monitor_actions: list[tuple[str, str, Actor]] = field(default_factory=list)
    previews_called: list[tuple[int, int, int, str, Actor]] = field(default_factory=list)
    callbacks_placed: list[tuple[int, int, str | None, Actor]] = field(default_factory=list)
    faxes_sent: list[tuple[int, str, str, bytes, str]] = field(default_factory=list)
    call_actions: list[tuple[str, str, str]] = field(default_factory=list)
    # (extension, definition, tenant id) of every test call started
    test_calls: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)

    @property
    def ari_connected(self) -> bool:
        return self.connected

    def queue_names(self) -> list[str]:
        return list(self.queues)

    def asterisk_health(self) -> HealthCheck:
        return (
            HealthCheck(True) if self.connected else HealthCheck(False, self.not_connected_reason)
        )

    def queue_status(self, name: str) -> dict[str, Any] | None:
        return self.queues.get(name)

    def agent_statuses(self) -> list[dict[str, Any]]:
        return list(self.agents.values())

    def agent_status(self, extension: str) -> dict[str, Any] | None:
        return self.agents.get(extension)

    def call_context(self, call_id: str) -> dict[str, Any] | None:
        return self.call_contexts.get(call_id)

    async def agent_action(self, extension: str, action: str, reason: str | None) -> dict[str, Any]:
        # Same contract as the real CallCenter: unknown agent, then unknown action.
        if extension not in self.agents:
            raise NotFound(f"no agent {extension!r}")
        if action not in AGENT_ACTIONS:
            raise InvalidRequest(f"unknown action {action!r}; use one of {list(AGENT_ACTIONS)}")
        self.actions.append((extension, action, reason))
        if action == "extend":
            current = self.agents[extension]
            if current.get("state") != "wrap_up":
                raise InvalidRequest(f"agent {extension!r} is not in wrap-up")
            current["wrap_up_ends_at"] = (current.get("wrap_up_ends_at") or 0.0) + 30.0
            return current
        state = {"login": "ready", "logout": "logged_out", "pause": "not_ready", "ready": "ready"}
        self.agents[extension] = {
            "registered": self.agents[extension].get("registered", False),
            "extension": extension,
            "state": state[action],
            "reason": (reason or "paused") if action == "pause" else None,
        }
        return self.agents[extension]

    def live_calls(self) -> list[dict[str, Any]]:
        return self.calls

    def ari_health(self) -> dict[str, float | None]:
        return {"reconnects": 2.0, "event_lag_s": 0.004}

    def monitoring_sessions(self) -> list[dict[str, Any]]:
        return list(self.monitor_sessions.values())

    async def start_monitoring(
        self, agent: str, supervisor: str, mode: str, actor: Actor
    ) -> dict[str, Any]:
        # Same refusals as the real service, in the same order.
        if agent not in self.agents:
            raise NotFound(f"no agent {agent!r}")
        if mode not in MODES:
            raise InvalidRequest(f"mode: one of {list(MODES)}", {"field": "mode"})
        if not supervisor:
            raise InvalidRequest("supervisor: no phone", {"field": "supervisor"})
        if agent not in self.talking:
            raise InvalidRequest(f"agent: {agent} is not talking", {"field": "agent"})
        session_id = f"stand-in-{len(self.monitor_actions) + 1}"
        session = {
            "session_id": session_id,
            "call_id": f"call-of-{agent}",
            "agent": agent,
            "supervisor": supervisor,
            "mode": mode,
            "state": "ringing",
            "started_by": actor.username,
            "started_at": 0.0,
        }
        self.monitor_sessions[session_id] = session
        self.monitor_actions.append(("start", session_id, actor))
        return session

    async def change_monitoring(self, session_id: str, mode: str, actor: Actor) -> dict[str, Any]:
        if session_id not in self.monitor_sessions:
            raise NotFound(f"no monitoring session {session_id}")
        if mode not in MODES:
            raise InvalidRequest(f"mode: one of {list(MODES)}", {"field": "mode"})
        self.monitor_sessions[session_id]["mode"] = mode
        self.monitor_actions.append(("change", session_id, actor))
        return self.monitor_sessions[session_id]

    async def call_action(self, extension: str, action: str, target: str) -> dict[str, Any]:
        if extension not in self.agents:
            raise NotFound(f"no agent {extension!r}")
        if action not in ("hold", "resume", "transfer", "consult", "complete", "cancel"):
            raise InvalidRequest(f"action: not {action!r}", {"field": "action"})
        if extension not in self.talking:
            raise InvalidRequest(f"agent: {extension} is not on a call", {"field": "agent"})
        if action in ("transfer", "consult") and not target.startswith(
            ("queue:", "flow:", "extension:")
        ):
            raise InvalidRequest("target: queue:<name> or extension:<digits>", {"field": "target"})
        self.call_actions.append((extension, action, target))
        return {
            "agent": extension,
            "action": action,
            "target": target or None,
            "held": action == "hold",
        }

    async def force_release(self, agent: str, actor: Actor) -> dict[str, Any]:
        if agent not in self.agents:
            raise NotFound(f"no agent {agent!r}")
        if agent not in self.talking:
            raise InvalidRequest(f"agent: {agent} is not talking", {"field": "agent"})
        self.monitor_actions.append(("release", agent, actor))
        return {"agent": agent, "call_id": f"call-of-{agent}"}

    async def stop_monitoring(self, session_id: str, actor: Actor) -> dict[str, Any]:
        session = self.monitor_sessions.pop(session_id, None)
        if session is None:
            raise NotFound(f"no monitoring session {session_id}")
        self.monitor_actions.append(("stop", session_id, actor))
        return {**session, "state": "ended"}

    def campaign_pacing(self, campaign_id: int) -> dict[str, Any] | None:
        return None

    async def preview_call(
        self, tenant_id: int, campaign_id: int, contact_id: int, agent: str, actor: Actor
    ) -> dict[str, Any]:
        # The telephony is the real dialer's (integration tests); here the
        # request is recorded as it reached the center.
        if agent not in self.agents:
            raise InvalidRequest(f"agent: no agent {agent!r}", {"field": "agent"})
        from hotline.models_campaigns import CampaignContact

        contact = await CampaignContact.get(id=contact_id, campaign_id=campaign_id)
        self.previews_called.append((tenant_id, campaign_id, contact_id, agent, actor))
        return {
            "campaign_id": campaign_id,
            "contact_id": contact_id,
            "phone": contact.phone,
            "agent": agent,
        }

    async def place_callback(
        self, tenant_id: int, callback_id: int, agent: str | None, actor: Actor
    ) -> dict[str, Any]:
        # The telephony is the real dialer's (integration tests); here the
        # request is recorded as it reached the center.
        from ari_apps.callbacks import services

        row = await services.get(tenant_id, callback_id)  # NotFound as the real one
        if agent is not None and agent not in self.agents:
            raise InvalidRequest(f"agent: no agent {agent!r}", {"field": "agent"})
        self.callbacks_placed.append((tenant_id, callback_id, agent, actor))
        return {"id": callback_id, "number": row.number, "agent": agent, "state": "ringing_agent"}

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
        if agent not in self.agents:
            raise InvalidRequest(f"agent: no agent {agent!r}", {"field": "agent"})
        self.callbacks_placed.append((tenant_id, 0, agent, actor))
        return {"number": number, "agent": agent, "call_id": call_id, "state": "ringing_agent"}

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
        # The T.30 call is the real fax-back's (integration tests); here the
        # document is recorded as it reached the center.
        self.faxes_sent.append((tenant_id, reference, title, pdf, number))
        return len(self.faxes_sent)

    async def reload_config(self) -> None:
        self.reloads += 1

    async def start_test_call(
        self, extension: str, definition: dict[str, Any], *, tenant_id: int
    ) -> str:
        self.test_calls.append((extension, definition, tenant_id))
        return f"test-call-{len(self.test_calls)}"
