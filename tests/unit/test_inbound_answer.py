"""Who answers an inbound call: the flow, unless the channel is already up.

[from-pstn] leaves the answer to the app, so no digit is pressed before the
flow can hear it; a channel that arrives answered (a test call the admin's
phone picked up, a dialplan of one's own that answers) gets no second answer.
Runs the real CallCenter against the in-process ARI stand-in; real calls
through the sandbox dialplan are the integration tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ari_apps.app import CallCenter
from ari_apps.ari.events import parse_event
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.ivr import routes
from ari_apps.ivr.stasis import start_inbound
from hotline.settings import Settings
from hotline.writer import WRITER


@pytest.fixture
async def center(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    routes.invalidate()
    await call_center.start()
    yield call_center
    for runner in call_center.runners.values():
        runner.close()
    await WRITER.flush()
    await call_center.stop()
    routes.invalidate()


def _inbound(channel_id: str, state: str) -> dict[str, object]:
    return {
        "type": "StasisStart",
        "application": "hotline",
        "args": ["inbound", "8000"],
        "channel": {
            "id": channel_id,
            "name": f"PJSIP/trunk-{channel_id}",
            "state": state,
            "caller": {"number": "5550100"},
        },
    }


def _channel_requests(ari: FakeAriServer, channel_id: str) -> list[tuple[str, str]]:
    prefix = f"/channels/{channel_id}/"
    return [(r.method, r.path[len(prefix) :]) for r in ari.requests if r.path.startswith(prefix)]


async def test_given_a_channel_already_up_then_the_flow_plays_at_once(
    ari: FakeAriServer, center: CallCenter
) -> None:
    await start_inbound(center, parse_event(_inbound("up-1", "Up")))
    assert _channel_requests(ari, "up-1") == [("POST", "play")]


async def test_given_an_unanswered_channel_then_the_flow_answers_before_the_greeting(
    ari: FakeAriServer, center: CallCenter
) -> None:
    await start_inbound(center, parse_event(_inbound("ring-1", "Ring")))
    assert _channel_requests(ari, "ring-1") == [("POST", "answer"), ("POST", "play")]
