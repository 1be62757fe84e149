"""Agent state events: login/logout, ready/not-ready, pause toggle, phone registration.

Requests made while the agent is on a call do not interrupt the call: a
not-ready (or a pause toggle) is remembered and applied when wrap-up ends; a
ready request cancels such a pending not-ready. Requests while ringing take
the offer back first (no miss counted) and the caller waits at their place.
Logging out mid-call is allowed: the call goes on, its end is still recorded
for handle time, and no wrap-up follows.
"""

from __future__ import annotations

from ari_apps.acd.commands import (
    AGENT_LOGGED_OUT,
    AGENT_NOT_READY,
    AGENT_ON_CALL,
    AGENT_READY,
    AGENT_RINGING,
    AGENT_WRAP_UP,
    CANCEL_AGENT_UNAVAILABLE,
    NOT_READY_AT_LOGIN,
    Command,
)
from ari_apps.acd.events import (
    AgentDeviceChanged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentPauseToggled,
    AgentReady,
    AgentWrapUpExtended,
)
from ari_apps.acd.exceptions import AgentNotLoggedInError, NotInWrapUpError
from ari_apps.acd.records import AgentRecord
from ari_apps.acd.state import AcdState, emit

AgentEvent = (
    AgentLoggedIn
    | AgentLoggedOut
    | AgentReady
    | AgentNotReady
    | AgentPauseToggled
    | AgentDeviceChanged
    | AgentWrapUpExtended
)

# However often an agent extends, wrap-up never ends more than this far ahead:
# a forgotten desk must not keep an agent out of the queue for the day.
MAX_WRAP_UP_AHEAD_S = 600.0


def handle_agent_event(state: AcdState, event: AgentEvent, out: list[Command]) -> None:
    agent = state.agent(event.agent_id)
    match event:
        case AgentLoggedIn():
            _log_in(agent, event, out)
        case AgentLoggedOut():
            _log_out(state, agent, event.now, out)
        case AgentReady():
            _require_logged_in(agent)
            _make_ready(agent, event.now, out)
        case AgentNotReady():
            _require_logged_in(agent)
            _make_not_ready(state, agent, event.reason, event.now, out)
        case AgentPauseToggled():
            _require_logged_in(agent)
            _toggle_pause(state, agent, event, out)
        case AgentDeviceChanged():
            _device_changed(state, agent, event, out)
        case AgentWrapUpExtended():
            _extend_wrap_up(agent, event)


def _extend_wrap_up(agent: AgentRecord, event: AgentWrapUpExtended) -> None:
    if agent.state != AGENT_WRAP_UP or agent.wrapup_ends_at is None:
        raise NotInWrapUpError(agent.agent_id, agent.state)
    extended = max(agent.wrapup_ends_at, event.now) + max(0.0, event.seconds)
    agent.wrapup_ends_at = min(extended, event.now + MAX_WRAP_UP_AHEAD_S)


def _require_logged_in(agent: AgentRecord) -> None:
    if not agent.logged_in:
        raise AgentNotLoggedInError(agent.agent_id)


def _log_in(agent: AgentRecord, event: AgentLoggedIn, out: list[Command]) -> None:
    if agent.logged_in:
        return  # idempotent: a second login changes nothing
    agent.consecutive_misses = 0
    agent.not_ready_after_call = None
    if agent.connected_call is not None:
        # Logged out mid-call and back before it ended.
        emit(out, agent.become(AGENT_ON_CALL, None, event.now))
    elif event.ready:
        agent.idle_since = event.now
        emit(out, agent.become(AGENT_READY, None, event.now))
    else:
        emit(out, agent.become(AGENT_NOT_READY, NOT_READY_AT_LOGIN, event.now))


def _log_out(state: AcdState, agent: AgentRecord, now: float, out: list[Command]) -> None:
    if not agent.logged_in:
        return
    state.withdraw_offer(agent, CANCEL_AGENT_UNAVAILABLE, out)
    agent.not_ready_after_call = None
    emit(out, agent.become(AGENT_LOGGED_OUT, None, now))


def _make_ready(agent: AgentRecord, now: float, out: list[Command]) -> None:
    agent.consecutive_misses = 0
    if agent.state == AGENT_ON_CALL:
        agent.not_ready_after_call = None
        return
    if agent.state in (AGENT_READY, AGENT_RINGING):
        return
    # From not_ready, or wrap_up cut short by the agent.
    agent.idle_since = now
    emit(out, agent.become(AGENT_READY, None, now))


def _make_not_ready(
    state: AcdState, agent: AgentRecord, reason: str, now: float, out: list[Command]
) -> None:
    if agent.state == AGENT_ON_CALL:
        agent.not_ready_after_call = reason
        return
    state.withdraw_offer(agent, CANCEL_AGENT_UNAVAILABLE, out)
    emit(out, agent.become(AGENT_NOT_READY, reason, now))


def _toggle_pause(
    state: AcdState, agent: AgentRecord, event: AgentPauseToggled, out: list[Command]
) -> None:
    if agent.state == AGENT_NOT_READY:
        _make_ready(agent, event.now, out)
    elif agent.state == AGENT_ON_CALL:
        paused_after_call = agent.not_ready_after_call is not None
        agent.not_ready_after_call = None if paused_after_call else event.reason
    else:
        _make_not_ready(state, agent, event.reason, event.now, out)


def _device_changed(
    state: AcdState, agent: AgentRecord, event: AgentDeviceChanged, out: list[Command]
) -> None:
    agent.registered = event.registered
    if not event.registered and agent.state == AGENT_RINGING:
        # The phone vanished mid-ring: not the agent's fault, so no miss.
        state.withdraw_offer(agent, CANCEL_AGENT_UNAVAILABLE, out)
        emit(out, agent.become(AGENT_READY, None, event.now))
