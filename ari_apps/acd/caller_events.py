"""Caller and offer events: arrival, abandon, offer answered/failed, call end."""

from __future__ import annotations

from ari_apps.acd.commands import (
    AGENT_ON_CALL,
    CANCEL_ANSWERED_ELSEWHERE,
    CANCEL_CALLER_LEFT,
    LEFT_JOIN_EMPTY,
    OUTCOME_ABANDONED,
    OUTCOME_ANSWERED,
    OUTCOME_CALLBACK,
    OUTCOME_CALLBACK_UNREACHED,
    OUTCOME_REJECTED,
    CallerLeft,
    Command,
    ConnectCall,
    OfferCall,
)
from ari_apps.acd.events import (
    CallEnded,
    CallerAbandoned,
    CallerArrived,
    CallerChoseCallback,
    CallRestored,
    KeptPlaceAnswered,
    KeptPlaceUnreached,
    OfferAnswered,
    OfferFailed,
)
from ari_apps.acd.exceptions import DuplicateCallError
from ari_apps.acd.records import ConnectedCall, WaitingCaller
from ari_apps.acd.state import AcdState, emit

CallerEvent = (
    CallerArrived
    | CallerChoseCallback
    | KeptPlaceAnswered
    | KeptPlaceUnreached
    | CallerAbandoned
    | OfferAnswered
    | OfferFailed
    | CallEnded
    | CallRestored
)


def handle_caller_event(state: AcdState, event: CallerEvent, out: list[Command]) -> None:
    match event:
        case CallerArrived():
            _arrived(state, event, out)
        case CallerAbandoned():
            _abandoned(state, event, out)
        case CallerChoseCallback():
            _chose_callback(state, event, out)
        case KeptPlaceAnswered():
            _kept_place_answered(state, event, out)
        case KeptPlaceUnreached():
            caller = state.callers.get(event.call_id)
            if caller is not None and caller.kept_place:
                state.cancel_offers(caller, CANCEL_CALLER_LEFT, event.now, out)
                state.leave(caller, OUTCOME_CALLBACK_UNREACHED, "", out)
        case OfferAnswered():
            _answered(state, event, out)
        case OfferFailed():
            caller = _offered_caller(state, event.call_id, event.agent_id)
            if caller is not None:
                state.fail_offer(caller, state.agents[event.agent_id], event.now, out)
        case CallEnded():
            connected = state.connected.get(event.call_id)
            if connected is not None and connected.agent_id == event.agent_id:
                state.end_call(connected, event.now, out)
        case CallRestored():
            _restored(state, event, out)


def _arrived(state: AcdState, event: CallerArrived, out: list[Command]) -> None:
    if event.call_id in state.callers or event.call_id in state.connected:
        raise DuplicateCallError(event.call_id)
    queue = state.queue(event.queue)
    # A kept place was let in when its caller first came; it waits for an agent.
    if not event.kept_place and not queue.config.join_empty and not state.is_staffed(queue):
        out.append(CallerLeft(event.call_id, event.queue, OUTCOME_REJECTED, LEFT_JOIN_EMPTY))
        return
    joined_at = event.joined_at if event.joined_at is not None else event.now
    caller = WaitingCaller(
        call_id=event.call_id,
        queue=event.queue,
        base_priority=event.priority,
        priority=queue.config.effective_priority(event.priority, event.caller_id, event.vip),
        caller_id=event.caller_id,
        joined_at=joined_at,
        # A restored caller's max wait runs from their original join.
        queue_entered_at=joined_at,
        arrival_seq=next(state.arrivals),
        options=event.options,
        familiar_agent=event.familiar_agent,
        kept_place=event.kept_place,
        vip=event.vip,
    )
    state.enqueue(caller, queue, event.now, out)


def _chose_callback(state: AcdState, event: CallerChoseCallback, out: list[Command]) -> None:
    """A live caller leaves for a call back; a ringing agent is let go, no miss."""
    caller = state.callers.get(event.call_id)
    if caller is None or caller.kept_place:
        return  # answered or gone meanwhile: stale
    state.cancel_offers(caller, CANCEL_CALLER_LEFT, event.now, out)
    state.leave(caller, OUTCOME_CALLBACK, "", out)


def _kept_place_answered(state: AcdState, event: KeptPlaceAnswered, out: list[Command]) -> None:
    """The kept place is a live caller again, still at its place: the agent
    reserved for it (if any) is rung now, with the queue's ring timeout."""
    caller = state.callers.get(event.call_id)
    if caller is None or not caller.kept_place:
        return
    caller.kept_place = False
    # On the line from now: the queue's max wait counts from here, not from
    # the original arrival the place keeps for its rank.
    caller.queue_entered_at = event.now
    queue = state.queues[caller.queue].config
    for agent_id in sorted(caller.ringing_agents):
        agent = state.agents[agent_id]
        out.append(
            OfferCall(
                caller.call_id, agent_id, agent.config.extension, queue.name, queue.ring_timeout_s
            )
        )
    if caller.ringing_agents:
        caller.ring_deadline = event.now + queue.ring_timeout_s


def _abandoned(state: AcdState, event: CallerAbandoned, out: list[Command]) -> None:
    caller = state.callers.get(event.call_id)
    if caller is not None:
        state.cancel_offers(caller, CANCEL_CALLER_LEFT, event.now, out)
        state.leave(caller, OUTCOME_ABANDONED, "", out)
        return
    connected = state.connected.get(event.call_id)
    if connected is not None:
        # Hung up after the answer: that is simply the end of the call.
        state.end_call(connected, event.now, out)


def _restored(state: AcdState, event: CallRestored, out: list[Command]) -> None:
    if event.call_id in state.callers or event.call_id in state.connected:
        raise DuplicateCallError(event.call_id)
    # The call's queue may have been deleted meanwhile: the conversation still
    # goes on (its end only needs the queue for statistics and wrap-up).
    agent = state.agent(event.agent_id)
    if agent.connected_call is not None or agent.offered_call is not None:
        # The agent cannot be on two calls; the adapter hangs this one up.
        raise DuplicateCallError(event.call_id)
    agent.connected_call = event.call_id
    state.connected[event.call_id] = ConnectedCall(
        event.call_id, agent.agent_id, event.queue, event.connected_at
    )
    emit(out, agent.become(AGENT_ON_CALL, None, event.now))


def _offered_caller(state: AcdState, call_id: str, agent_id: str) -> WaitingCaller | None:
    """The caller, if this agent is still ringing for them (else the event is stale)."""
    caller = state.callers.get(call_id)
    if caller is None or agent_id not in caller.ringing_agents:
        return None
    return caller


def _answered(state: AcdState, event: OfferAnswered, out: list[Command]) -> None:
    caller = _offered_caller(state, event.call_id, event.agent_id)
    if caller is None:
        return
    agent = state.agents[event.agent_id]
    state.cancel_offers(caller, CANCEL_ANSWERED_ELSEWHERE, event.now, out, event.agent_id)
    agent.offered_call = None
    agent.connected_call = caller.call_id
    agent.consecutive_misses = 0
    state.queues[caller.queue].calls_answered[agent.agent_id] += 1
    state.connected[caller.call_id] = ConnectedCall(
        caller.call_id, agent.agent_id, caller.queue, event.now
    )
    out.append(ConnectCall(caller.call_id, agent.agent_id, caller.queue))
    emit(out, agent.become(AGENT_ON_CALL, None, event.now))
    state.leave(caller, OUTCOME_ANSWERED, "", out)
