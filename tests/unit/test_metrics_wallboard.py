"""The wallboard's figures from stored rows (hotline/metrics/store.py, wallboard.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.metrics.agent_figures import AgentStateChange
from hotline.metrics.store import queue_visits, with_wrap_up
from hotline.metrics.visits import ANSWERED, QueueVisit
from hotline.metrics.wallboard import wallboard
from hotline.models import CallEvent, CallRecord, Queue, Tenant
from hotline.models_live import AgentStateLog
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.stand_in import StandInCenter

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


async def call(
    call_id: str,
    queue: str,
    joined_min_ago: float,
    *events: tuple[float, str, dict[str, Any]],
    tenant_id: int | None,
    caller: str = "+8613800000000",
) -> None:
    """A call that joined ``queue`` ``joined_min_ago`` minutes before NOW; events at offsets (s)."""
    joined = NOW - timedelta(minutes=joined_min_ago)
    record = await CallRecord.create(
        call_id=call_id, tenant_id=tenant_id, caller_id=caller, started_at=joined
    )
    await CallEvent.create(call=record, at=joined, kind="queue_joined", data={"queue": queue})
    for offset_s, kind, data in events:
        await CallEvent.create(
            call=record, at=joined + timedelta(seconds=offset_s), kind=kind, data=data
        )


def left(queue: str, outcome: str) -> dict[str, Any]:
    return {"queue": queue, "outcome": outcome, "reason": ""}


async def test_given_a_morning_of_calls_then_the_board_shows_metrics_md_figures(
    seeded: Settings,
) -> None:
    tenant = await home_tenant_id()
    queue = await Queue.filter(tenant_id=tenant).order_by("name").first()
    assert queue is not None
    name = queue.name
    # Answered in 10 s, talked 60 s, agent 1001 wrapped up 20 s.
    await call(
        "c1",
        name,
        120,
        (10, "queue_left", left(name, "answered")),
        (10.2, "answered", {"agent": "1001"}),
        (70, "ended", {"disposition": "answered"}),
        tenant_id=tenant,
    )
    start_of_wrap = NOW - timedelta(minutes=120) + timedelta(seconds=70.5)
    await AgentStateLog.create(agent="1001", state="wrap_up", at=start_of_wrap)
    await AgentStateLog.create(
        agent="1001", state="ready", at=start_of_wrap + timedelta(seconds=20)
    )
    # Abandoned after 40 s, ten minutes ago (within the last 15 minutes).
    await call(
        "c2",
        name,
        10,
        (40, "queue_left", left(name, "abandoned")),
        tenant_id=None,
        caller="+8613900000000",
    )
    # Short abandon: 3 s.
    await call("c3", name, 30, (3, "queue_left", left(name, "abandoned")), tenant_id=tenant)
    # Yesterday (Shanghai): not today.
    await call("old", name, 60 * 11, (5, "queue_left", left(name, "abandoned")), tenant_id=tenant)
    # Another tenant's call never shows.
    other = await Tenant.create(name="other")
    await call("x", name, 5, (5, "queue_left", left(name, "abandoned")), tenant_id=other.id)

    board = await wallboard(StandInCenter(), tenant, SHANGHAI, NOW)

    (mine,) = [b for b in board.queues if b.name == name]
    assert (mine.today.offered, mine.today.answered, mine.today.abandoned) == (3, 1, 2)
    assert mine.today.short_abandoned == 1
    # SL: 1 answered in 20 s ÷ (3 offered − 1 short abandoned) = 50 %, red against 80 %.
    assert mine.today.service_level == pytest.approx(0.5)
    assert mine.sl_colour == "red"
    assert mine.today.asa_s == pytest.approx(10.0)
    assert mine.today.aht_s == pytest.approx(60.0 + 20.0)  # talk + wrap-up
    assert mine.today.abandon_rate == pytest.approx(0.5)
    assert mine.last_15_min.offered == 1 and mine.last_15_min.abandoned == 1
    assert [a.call_id for a in board.abandoned] == ["c2", "c3"]  # newest first
    assert board.abandoned[0].caller == "+8613900000000"
    assert board.abandoned[0].entered_at.utcoffset() == timedelta(hours=8)
    assert sum(i.offered for i in board.intervals) == 3
    assert {(i.start.hour, i.start.minute) for i in board.intervals} == {
        (8, 0),
        (9, 30),
        (9, 45),
    }


async def test_given_agents_in_states_then_the_board_groups_them_with_time_in_state(
    seeded: Settings,
) -> None:
    tenant = await home_tenant_id()
    center = StandInCenter()
    center.agents["1001"]["state_since"] = NOW.timestamp() - 95
    board = await wallboard(center, tenant, SHANGHAI, NOW)
    (ready,) = board.agents_by_state["ready"]
    assert ready.extension == "1001" and ready.in_state_s == pytest.approx(95)


async def test_given_a_callback_keeping_its_place_then_it_is_shown_apart_from_callers(
    seeded: Settings,
) -> None:
    tenant = await home_tenant_id()
    queue = await Queue.filter(tenant_id=tenant).order_by("name").first()
    assert queue is not None
    center = StandInCenter()
    center.queues[queue.name] = {
        "waiting": [
            {"call_id": "hl-qcb-1-1", "waited_s": 3600.0, "kept_place": True},
            {"call_id": "live-1;2", "waited_s": 42.0, "kept_place": False},
        ],
        # The ACD's figure already leaves the kept place out (METRICS.md:
        # the oldest caller on the line).
        "longest_wait_s": 42.0,
    }

    board = await wallboard(center, tenant, SHANGHAI, NOW)

    (row,) = [b for b in board.queues if b.name == queue.name]
    assert (row.waiting_now, row.callbacks_waiting_now) == (1, 1)
    assert row.longest_wait_now_s == 42.0


async def test_queue_visits_read_what_the_writer_still_holds(seeded: Settings) -> None:
    tenant = await home_tenant_id()
    assert await queue_visits(tenant, NOW - timedelta(days=1), NOW) == []


def test_wrap_up_belongs_to_the_call_it_follows() -> None:
    answered_at = NOW - timedelta(minutes=5)
    visit = QueueVisit(
        "c",
        "q",
        answered_at - timedelta(seconds=8),
        ANSWERED,
        answered_at,
        agent="1001",
        talk_s=100.0,
    )
    call_end = answered_at + timedelta(seconds=100)
    changes = [
        AgentStateChange("1001", "wrap_up", answered_at - timedelta(minutes=30)),  # earlier call
        AgentStateChange("1001", "ready", answered_at - timedelta(minutes=29)),
        AgentStateChange("1001", "wrap_up", call_end + timedelta(seconds=1)),
        AgentStateChange("1001", "ready", call_end + timedelta(seconds=31)),
    ]
    (with_wrap,) = with_wrap_up([visit], changes, NOW)
    assert with_wrap.wrap_up_s == pytest.approx(30.0)
    assert with_wrap.handle_s == pytest.approx(130.0)
