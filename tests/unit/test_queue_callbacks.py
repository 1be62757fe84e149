"""Queue callbacks (virtual hold) without Asterisk: the request keeps the
place and is never made twice, refusals name the field, the caller's number
dialogue, and the figures count a call back apart from new callers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ari_apps.ari.events import AriEvent, parse_event
from ari_apps.callbacks import core, keep_place, services
from hotline import outbound_guard
from hotline.center import Actor
from hotline.errors import InvalidRequest
from hotline.metrics.queue_figures import QueueTargets, queue_figures
from hotline.metrics.visits import TimelineEntry, visits_from_timeline
from hotline.models import AuditEntry
from hotline.models_callbacks import Callback
from hotline.seed import DEMO_QUEUE
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

RULES = outbound_guard.rules_or_defaults(None)
ARRIVED = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def _request(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "number": "5550123",
        "queue": DEMO_QUEUE,
        "priority": 2,
        "place_since": ARRIVED,
        "call_id": "call-1",
    }
    fields.update(overrides)
    tenant = await home_tenant_id()
    return await services.request_queue_callback(
        tenant, Actor("caller:5550123", "", tenant, source="ivr"), RULES, **fields
    )


async def test_given_a_queued_caller_request_then_it_keeps_the_place_and_is_audited(
    ui: UiClient,
) -> None:
    row = await _request()

    assert (row["kind"], row["state"], row["queue"], row["priority"]) == (
        "queue",
        core.SCHEDULED,
        DEMO_QUEUE,
        2,
    )
    assert row["place_since"] == ARRIVED.isoformat()
    assert row["agent"] == ""
    audit = await AuditEntry.get(action="callback_requested")
    assert (audit.username, audit.source, audit.object_id) == (
        "caller:5550123",
        "ivr",
        str(row["id"]),
    )


async def test_given_the_same_request_twice_then_there_is_one_callback(ui: UiClient) -> None:
    first = await _request()
    # The same call again (a retried key press), and the same number later.
    again = await _request(place_since=ARRIVED + timedelta(minutes=5))
    same_number = await _request(call_id="call-2", place_since=ARRIVED + timedelta(minutes=9))

    assert again["id"] == first["id"] == same_number["id"]
    assert again["place_since"] == ARRIVED.isoformat()  # the earlier place is kept
    assert await Callback.filter(kind="queue").count() == 1


async def test_given_the_first_callback_done_then_a_new_request_is_a_new_callback(
    ui: UiClient,
) -> None:
    first = await _request()
    await Callback.filter(id=first["id"]).update(state=core.DONE)

    second = await _request(call_id="call-2")

    assert second["id"] != first["id"]


async def test_given_a_web_request_for_a_time_then_the_place_is_that_time(ui: UiClient) -> None:
    due = datetime(2026, 12, 6, 14, 30, tzinfo=UTC)

    row = await _request(place_since=None, due_at=due, call_id=None)

    assert row["due_at"] == due.isoformat() == row["place_since"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": "12ab"}, "number"),
        ({"number": "0900123456"}, "number"),  # premium rate: refused by the dial rules
        ({"queue": "no-such-queue"}, "queue"),
        ({"priority": 5000}, "priority"),
        ({"due_at": datetime(2026, 12, 5, 9, 0)}, "due_at"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
async def test_given_a_bad_request_then_it_is_refused_naming_the_field(
    ui: UiClient, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await _request(**overrides)

    assert refused.value.details == {"field": field}
    assert not await Callback.exists()


# -- the caller's number dialogue (keep_place.settle_number) ------------------------------
class _Ops:
    def __init__(self, call: _Call) -> None:
        self.call = call
        self.played: list[tuple[str, ...]] = []

    async def run(self, op: Any) -> None:
        media = getattr(op, "media", None)
        if media is not None:
            self.played.append(tuple(media))
            self.call.prompt_played(op.playback_id)

    async def run_unless_gone(self, op: Any) -> None:
        return None


class _Call:
    """A caller who answers each prompt with the next keys of a script."""

    def __init__(self, answers: list[str | None]) -> None:
        self.answers = answers
        self.channel_id = "chan-1"
        self.events: asyncio.Queue[AriEvent] = asyncio.Queue()
        self.ops = _Ops(self)

    def prompt_played(self, playback_id: str) -> None:
        self.events.put_nowait(
            parse_event({"type": "PlaybackFinished", "playback": {"id": playback_id}})
        )
        keys = self.answers.pop(0) if self.answers else None
        if keys == "hangup":
            self.events.put_nowait(parse_event({"type": "StasisEnd", "channel": {"id": "chan-1"}}))
            return
        for digit in keys or "":
            self.events.put_nowait(
                parse_event(
                    {"type": "ChannelDtmfReceived", "digit": digit, "channel": {"id": "chan-1"}}
                )
            )

    async def next_event(self, timeout_s: float | None = None) -> AriEvent | None:
        try:
            return await asyncio.wait_for(self.events.get(), min(timeout_s or 0.05, 0.05))
        except TimeoutError:
            return None


async def _settle(answers: list[str | None], caller_id: str) -> tuple[str | None, _Call]:
    call = _Call(answers)
    number = await keep_place.settle_number(call, RULES, caller_id)  # type: ignore[arg-type]
    return number, call


async def test_given_the_caller_id_confirmed_with_1_then_it_is_the_number() -> None:
    number, call = await _settle(["1"], "5550123")

    assert number == "5550123"
    assert "digits:5550123" in call.ops.played[0]


async def test_given_another_number_keyed_then_it_is_the_number() -> None:
    number, _ = await _settle(["5550999#"], "5550123")

    assert number == "5550999"


async def test_given_a_refused_number_then_the_caller_is_asked_again() -> None:
    number, call = await _settle(["0900123456#", "5550777#"], "")

    assert number == "5550777"
    assert keep_place.RETRY_MEDIA in call.ops.played


async def test_given_silence_or_a_hang_up_then_there_is_no_number() -> None:
    assert (await _settle([None, None, None], "5550123"))[0] is None
    assert (await _settle(["hangup"], "5550123"))[0] is None


# -- figures: a call back is not a new caller ------------------------------------------------
def _entry(at: datetime, kind: str, **data: Any) -> TimelineEntry:
    return TimelineEntry(at, kind, data)


def test_given_a_request_and_its_call_back_then_figures_count_each_once() -> None:
    left = ARRIVED + timedelta(seconds=40)
    original = visits_from_timeline(
        "call-1",
        [
            _entry(ARRIVED, "queue_joined", queue=DEMO_QUEUE),
            _entry(left, "queue_left", queue=DEMO_QUEUE, outcome="callback"),
        ],
    )
    back_at = ARRIVED + timedelta(minutes=7)
    call_back = visits_from_timeline(
        "hl-qcb-1-1",
        [
            _entry(
                back_at,
                "queue_joined",
                queue=DEMO_QUEUE,
                callback=True,
                requested_at=left.isoformat(),
            ),
            _entry(back_at + timedelta(seconds=5), "answered", agent="1001"),
            _entry(
                back_at + timedelta(seconds=5), "queue_left", queue=DEMO_QUEUE, outcome="answered"
            ),
        ],
    )

    figures = queue_figures(original + call_back, QueueTargets(), back_at + timedelta(minutes=1))

    assert (figures.offered, figures.answered, figures.callback_requested) == (1, 0, 1)
    assert figures.callbacks_completed == 1
    assert figures.time_to_callback_s == pytest.approx(7 * 60 - 40 + 5)
    assert figures.service_level is None  # nothing left to judge: "–"
