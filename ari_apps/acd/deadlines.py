"""Everything that happens because time passed.

Ring timeouts (CancelOffer + a miss for the agent), wrap-up ends, max-wait
and leave-empty evictions, periodic announcements, and ``next_deadline``.

Overflow (on max wait, or leave-empty with no staffed agent): kind "queue"
moves the caller into the target queue keeping ``joined_at`` (their rank) but
restarting the max-wait clock; other kinds hand the call back to the adapter
(``Overflow`` + final ``CallerLeft``). A caller never revisits a queue, and a
target queue that would refuse them (not staffed and join_empty False, or
leave_empty) is not used: the caller then leaves with "timed_out" (max wait)
or "rejected" (leave-empty), reason "max_wait"/"leave_empty".

A caller may also bring their own max wait (their flow's queue node,
``caller_options.py``), counted from joining the ACD. The earlier of the
two deadlines applies; a tie goes to the queue's. When the caller's own
ends first they leave with "timed_out", reason "caller_max_wait", and the
queue's overflow rule is not used: the flow that set the bound decides
where they go.

A ringing caller is not pulled away from an agent mid-ring by max wait or
leave-empty; both apply again as soon as the offer fails.
"""

from __future__ import annotations

from ari_apps.acd.commands import (
    CANCEL_RING_TIMEOUT,
    LEFT_CALLER_MAX_WAIT,
    LEFT_LEAVE_EMPTY,
    LEFT_MAX_WAIT,
    OUTCOME_CALLBACK_UNREACHED,
    OUTCOME_OVERFLOWED,
    OUTCOME_REJECTED,
    OUTCOME_TIMED_OUT,
    Announce,
    CallerLeft,
    CancelOffer,
    Command,
    Overflow,
)
from ari_apps.acd.config import OVERFLOW_QUEUE
from ari_apps.acd.records import QueueRecord, WaitingCaller
from ari_apps.acd.state import AcdState
from ari_apps.acd.status import estimated_wait_s, working_agent_count


def run_due(state: AcdState, now: float, out: list[Command]) -> None:
    """Ring timeouts, wrap-up ends, familiar-agent waits, max-wait and
    leave-empty evictions due at ``now``.

    Every event runs this, so only the callers with something due are sorted
    (in the order all callers are served, so commands keep that order): one
    caller's timeout or eviction never makes another's due.
    """
    ring_due = [
        c for c in state.callers.values() if c.ring_deadline is not None and c.ring_deadline <= now
    ]
    for caller in sorted(ring_due, key=WaitingCaller.order_key):
        if caller.kept_place and caller.ring_deadline is not None and caller.ring_deadline <= now:
            # The call back took too long: the reserved agent owes no miss.
            state.cancel_offers(caller, CANCEL_RING_TIMEOUT, now, out)
            state.leave(caller, OUTCOME_CALLBACK_UNREACHED, CANCEL_RING_TIMEOUT, out)
            continue
        if caller.ring_deadline is not None and caller.ring_deadline <= now:
            for agent_id in sorted(caller.ringing_agents):
                out.append(CancelOffer(caller.call_id, agent_id, CANCEL_RING_TIMEOUT))
                state.fail_offer(caller, state.agents[agent_id], now, out)
    for agent in state.wrap_ups_due(now):
        state.finish_after_call_work(agent, now, out)
    for caller in state.callers.values():
        # The wait for a familiar agent is over: any agent may take them now
        # (and next_deadline stops asking for a Tick at that time).
        familiar_until = caller.familiar_until(state.queues[caller.queue].config)
        if familiar_until is not None and familiar_until <= now:
            caller.familiar_agent = None
    wait_due = [c for c in state.callers.values() if _wait_may_end(state, c, now)]
    for caller in sorted(wait_due, key=WaitingCaller.order_key):
        if caller.is_ringing:
            continue
        queue_deadline = _queue_deadline(state, caller)
        if _own_wait_ends_first(caller, queue_deadline, now):
            state.leave(caller, OUTCOME_TIMED_OUT, LEFT_CALLER_MAX_WAIT, out)
        elif queue_deadline is not None and queue_deadline <= now:
            evict(state, caller, LEFT_MAX_WAIT, now, out)
    for queue in state.queues.values():
        if queue.config.leave_empty and not state.is_staffed(queue):
            for caller in state.callers_in_order(queue.config.name):
                # A kept place waits for an agent, whoever is logged in now.
                if not caller.is_ringing and not caller.kept_place:
                    evict(state, caller, LEFT_LEAVE_EMPTY, now, out)


def _wait_may_end(state: AcdState, caller: WaitingCaller, now: float) -> bool:
    """A cheap superset of the callers whose wait ends at ``now``."""
    if caller.is_ringing:
        return False
    own = caller.own_deadline()
    if own is not None and own <= now:
        return True
    queue_deadline = _queue_deadline(state, caller)
    return queue_deadline is not None and queue_deadline <= now


def max_wait_deadline(state: AcdState, caller: WaitingCaller) -> float | None:
    """When the caller's wait ends: the earlier of the queue's and their own."""
    if caller.is_ringing:
        return None
    candidates = (_queue_deadline(state, caller), caller.own_deadline())
    deadlines = [deadline for deadline in candidates if deadline is not None]
    return min(deadlines, default=None)


def _own_wait_ends_first(caller: WaitingCaller, queue_deadline: float | None, now: float) -> bool:
    own_deadline = caller.own_deadline()
    if own_deadline is None or own_deadline > now:
        return False
    # A tie goes to the queue: its overflow rule was set up for that moment.
    return queue_deadline is None or own_deadline < queue_deadline


def _queue_deadline(state: AcdState, caller: WaitingCaller) -> float | None:
    if caller.kept_place:
        return None  # the caller is not on the line: nothing to wait for
    max_wait_s = state.queues[caller.queue].config.max_wait_s
    return None if max_wait_s is None else caller.queue_entered_at + max_wait_s


def evict(
    state: AcdState, caller: WaitingCaller, cause: str, now: float, out: list[Command]
) -> None:
    """The caller must leave their queue (``cause``): through its overflow rule."""
    source = caller.queue
    target = state.queues[source].config.overflow
    no_overflow = OUTCOME_TIMED_OUT if cause == LEFT_MAX_WAIT else OUTCOME_REJECTED
    if target is None:
        state.leave(caller, no_overflow, cause, out)
        return
    if target.kind != OVERFLOW_QUEUE:
        state.leave(caller, OUTCOME_OVERFLOWED, cause, out)
        out.append(Overflow(caller.call_id, source, target))
        return
    destination = state.queues.get(target.target)
    if (
        destination is None
        or target.target in caller.visited_queues
        or not _accepts_overflow(state, destination)
    ):
        state.leave(caller, no_overflow, cause, out)
        return
    out.append(CallerLeft(caller.call_id, source, OUTCOME_OVERFLOWED, cause, target.target))
    out.append(Overflow(caller.call_id, source, target))
    caller.queue = target.target
    caller.queue_entered_at = now
    caller.priority = destination.config.effective_priority(
        caller.base_priority, caller.caller_id, caller.vip
    )
    state.enqueue(caller, destination, now, out)


def _accepts_overflow(state: AcdState, queue: QueueRecord) -> bool:
    if state.is_staffed(queue):
        return True
    return queue.config.join_empty and not queue.config.leave_empty


def announce_due(state: AcdState, now: float, out: list[Command]) -> None:
    """Position (and estimated wait) announcements for callers still waiting.

    A position needs the queue in order, so only queues with an
    announcement due are sorted.
    """
    due_queues = {
        c.queue
        for c in state.callers.values()
        if c.next_announce_at is not None and c.next_announce_at <= now and not c.is_ringing
    }
    for queue in state.queues.values():
        config = queue.config
        if config.name not in due_queues:
            continue
        for position, caller in enumerate(state.callers_in_order(config.name), start=1):
            due = caller.next_announce_at
            if due is None or due > now or caller.is_ringing:
                continue
            every = caller.options.announce_period_s(config.announce_position_every_s)
            if every is None:  # announcements were switched off meanwhile
                caller.next_announce_at = None
                continue
            wait_s = None
            if config.announce_ewt:
                working = working_agent_count(queue, state.agents.values())
                wait_s = estimated_wait_s(
                    position, queue.average_handle_s(), config.wrapup_s, working
                )
            out.append(
                Announce(
                    caller.call_id, config.name, position, wait_s, caller.options.offer_callback
                )
            )
            caller.next_announce_at = now + every


def next_deadline(state: AcdState) -> float | None:
    deadlines: list[float] = []
    for caller in state.callers.values():
        if caller.is_ringing:
            if caller.ring_deadline is not None:
                deadlines.append(caller.ring_deadline)
            continue
        max_wait = max_wait_deadline(state, caller)
        if max_wait is not None:
            deadlines.append(max_wait)
        if caller.next_announce_at is not None:
            deadlines.append(caller.next_announce_at)
        # The end of the wait for a familiar agent: others may take them then.
        familiar_until = caller.familiar_until(state.queues[caller.queue].config)
        if familiar_until is not None:
            deadlines.append(familiar_until)
    wrap_up_end = state.earliest_wrap_up_end()
    if wrap_up_end is not None:
        deadlines.append(wrap_up_end)
    return min(deadlines, default=None)
