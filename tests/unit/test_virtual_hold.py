"""Virtual hold's adapter side without Asterisk (a recording executor and a
stand-in ACD): a restart keeps pending callbacks and puts one cut mid-call-
back in line again; each row is in the ACD once; a caller not reached frees
the agent and retries, then lands on the supervisors' list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ari_apps.ari.events import parse_event
from ari_apps.callbacks import core
from ari_apps.callbacks.virtual_hold import STASIS_KIND, VirtualHold
from ari_apps.channels import ChannelRegistry
from ari_apps.executor import HangUp, Originate
from hotline.bus import EventBus
from hotline.models_callbacks import Callback
from hotline.seed import DEMO_QUEUE
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

ARRIVED = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


class RecordingOps:
    def __init__(self) -> None:
        self.ran: list[Any] = []

    async def run(self, op: Any) -> None:
        self.ran.append(op)

    async def run_best_effort(self, op: Any) -> None:
        self.ran.append(op)

    async def run_unless_gone(self, op: Any) -> None:
        self.ran.append(op)


class StandInAcd:
    def __init__(self) -> None:
        self.places: dict[str, tuple[str, int, float]] = {}
        self.unreached: list[str] = []

    async def keep_place(self, call_id: str, queue: str, priority: int, joined_at: float) -> bool:
        self.places[call_id] = (queue, priority, joined_at)
        return True

    async def kept_place_answered(
        self, call_id: str, channel_id: str, caller_id: str, on_exit: Any = None
    ) -> bool:
        return True

    async def kept_place_unreached(self, call_id: str) -> None:
        self.unreached.append(call_id)

    async def caller_gone(self, call_id: str) -> None:
        return None


async def _row(state: str = core.SCHEDULED, **fields: Any) -> Callback:
    values: dict[str, Any] = {
        "tenant_id": await home_tenant_id(),
        "kind": core.KIND_QUEUE,
        "number": "5550142009",
        "agent": "",
        "queue": DEMO_QUEUE,
        "priority": 4,
        "place_since": ARRIVED,
        "due_at": ARRIVED,
        "state": state,
        "created_by": "caller:5550142009",
    }
    values.update(fields)
    return await Callback.create(**values)


def _hold() -> tuple[VirtualHold, RecordingOps, StandInAcd]:
    ops, acd = RecordingOps(), StandInAcd()
    hold = VirtualHold(ops, ChannelRegistry(), "hotline", EventBus(), acd)  # type: ignore[arg-type]
    return hold, ops, acd


async def test_given_a_restart_then_pending_callbacks_get_their_places_once(ui: UiClient) -> None:
    waiting = await _row()
    cut = await _row(core.DIALING, number="5550142019", place_since=ARRIVED + timedelta(minutes=1))
    later = await _row(due_at=datetime.now(UTC) + timedelta(hours=1), number="5550142029")
    hold, _, acd = _hold()

    await hold.connected()
    await hold.sync()  # again: nothing twice

    assert sorted(acd.places.values()) == [
        (DEMO_QUEUE, 4, ARRIVED.timestamp()),
        (DEMO_QUEUE, 4, (ARRIVED + timedelta(minutes=1)).timestamp()),
    ]
    await cut.refresh_from_db()
    assert (cut.state, cut.attempts, cut.last_result) == (core.SCHEDULED, 0, "restarted")
    await later.refresh_from_db()
    assert later.state == core.SCHEDULED  # not due yet: not in the queue yet
    assert waiting.id in {int(call_id.split("-")[2]) for call_id in acd.places}


async def test_given_a_place_at_the_front_when_the_caller_never_answers_then_retry_later(
    ui: UiClient,
) -> None:
    row = await _row()
    hold, ops, acd = _hold()
    await hold.connected()
    (call_id,) = acd.places

    await hold.call_back(call_id, "1001")
    await hold.call_back(call_id, "1002")  # the ACD reserved another agent: still one call

    (originate,) = [op for op in ops.ran if isinstance(op, Originate)]
    assert originate.endpoint == "Local/5550142009@to-pstn/n"
    assert originate.app_args == (STASIS_KIND, call_id)
    await row.refresh_from_db()
    assert row.state == core.DIALING

    # Busy: the caller's half ends before it is answered.
    gone = parse_event(
        {"type": "ChannelDestroyed", "cause": 17, "channel": {"id": originate.channel_id}}
    )
    await hold.channels.dispatch(gone)

    assert acd.unreached == [call_id], "the reserved agent is given back"
    await row.refresh_from_db()
    assert (row.state, row.attempts, row.last_result) == (core.SCHEDULED, 1, "not_reached")
    assert row.due_at > datetime.now(UTC) + timedelta(minutes=9)
    assert call_id not in hold.places


async def test_given_the_last_attempt_fails_then_the_callback_is_failed_for_a_supervisor(
    ui: UiClient,
) -> None:
    row = await _row(attempts=core.MAX_ATTEMPTS - 1)
    hold, ops, acd = _hold()
    await hold.connected()
    (call_id,) = acd.places
    await hold.call_back(call_id, "1001")

    await hold.place_withdrawn(call_id, "callback_unreached")  # the ACD's 120 s are up

    await row.refresh_from_db()
    assert (row.state, row.attempts) == (core.FAILED, core.MAX_ATTEMPTS)
    assert any(isinstance(op, HangUp) for op in ops.ran)


async def test_given_the_queue_lets_the_place_go_then_the_callback_is_failed(ui: UiClient) -> None:
    row = await _row()
    hold, _, acd = _hold()
    await hold.connected()
    (call_id,) = acd.places

    await hold.place_withdrawn(call_id, "rejected")  # its queue was removed

    await row.refresh_from_db()
    assert (row.state, row.last_result) == (core.FAILED, "rejected")
