"""Hold and transfer: the transfer's table, hold time in the figures, and the
desk's buttons (stand-in center).  The real calls are
tests/integration/test_call_control.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ari_apps.acd import transfer_core as core
from hotline.metrics.visits import TimelineEntry, visits_from_timeline
from hotline.models import AuditEntry
from tests.unit.ui_support import UiClient


def test_given_the_table_then_every_final_state_stays_final_and_a_caller_is_never_dropped() -> None:
    for (state, _event), (target, actions) in core.TRANSITIONS.items():
        assert state not in core.FINAL_STATES
        assert target in core.STATES
        if core.HANG_UP_CALLER in actions:
            # Only a caller whose far end hung up is hung up by us.
            assert (state, _event) == (core.CONNECTED, core.TARGET_HUNG_UP)
    assert core.step(core.RINGING, core.TARGET_FAILED) == (core.REQUEUED, (core.REQUEUE,))


@given(st.lists(st.sampled_from(core.EVENTS), max_size=12))
def test_given_any_events_then_the_call_is_closed_or_requeued_at_most_once(
    events: list[str],
) -> None:
    state = core.RINGING
    closes = requeues = 0
    for event in events:
        state, actions = core.step(state, event)
        closes += actions.count(core.CLOSE_CALL)
        requeues += actions.count(core.REQUEUE)
        if state in core.FINAL_STATES:
            assert core.step(state, event) == (state, ())
    assert closes + requeues <= 1
    assert (state in core.FINAL_STATES) == (closes + requeues == 1)


def _entry(kind: str, seconds: float, **data: object) -> TimelineEntry:
    at = datetime(2026, 12, 5, 9, 0, tzinfo=UTC) + timedelta(seconds=seconds)
    return TimelineEntry(at=at, kind=kind, data=dict(data))


def test_given_a_hold_then_held_time_is_hold_and_not_talk() -> None:
    (visit,) = visits_from_timeline(
        "c1",
        [
            _entry("queue_joined", 0, queue="support"),
            _entry("queue_left", 5, queue="support", outcome="answered"),
            _entry("answered", 5, agent="1001"),
            _entry("held", 20),
            _entry("resumed", 50),
            _entry("held", 60),
            _entry("ended", 70),  # ended while on hold
        ],
    )
    # 65 s from the answer to the end, 30 + 10 of them on hold.
    assert (visit.talk_s, visit.hold_s) == (25.0, 40.0)
    assert visit.handle_s == 65.0


def test_given_a_transfer_then_the_agents_talk_ends_there() -> None:
    (visit,) = visits_from_timeline(
        "c1",
        [
            _entry("queue_joined", 0, queue="support"),
            _entry("queue_left", 5, queue="support", outcome="answered"),
            _entry("transferred", 25, agent="1001", extension="1002"),
            _entry("ended", 90),
        ],
    )
    assert (visit.talk_s, visit.hold_s) == (20.0, 0.0)


async def test_given_an_agent_on_a_call_when_holding_and_transferring_then_it_is_done_and_audited(
    ui: UiClient,
) -> None:
    await ui.login("agent")
    from hotline.models import User

    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("agent")
    response = await ui.post("/desk/call", {"action": "hold"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    response = await ui.post(
        "/desk/call",
        {"action": "transfer", "target_kind": "extension", "extension": "1002"},
        headers={"HX-Request": "true"},
    )
    assert ui.center.call_actions == [("1001", "hold", ""), ("1001", "transfer", "extension:1002")]
    audited = [e.action for e in await AuditEntry.filter(object_type="agent").order_by("id")]
    assert audited[-2:] == ["desk_call_hold", "desk_call_transfer"]
    refused = await ui.post(
        "/desk/call",
        {"action": "transfer", "target_kind": "elsewhere"},
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="desk-call-refused"' in refused.text
    assert len(ui.center.call_actions) == 2
