"""Agent feature codes with pause reasons: *23 toggles with the default reason,
*23 + digits pauses with the reason of those digits, unknown digits beep an error.

Runs the real feature handler and ACD service against the in-process ARI
stand-in and the seeded database (break=1, lunch=2, meeting=3, training=4,
other=5); the dialplan itself is exercised by the integration tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import count

import pytest

from ari_apps.acd import Acd, AgentLoggedIn
from ari_apps.acd.stasis import start_feature
from ari_apps.app import CallCenter
from ari_apps.ari.events import parse_event
from ari_apps.ari.fake_server import FakeAriServer
from hotline.models import Agent
from hotline.models_pause_reasons import PauseReason
from hotline.settings import Settings
from hotline.writer import WRITER
from tests.unit.test_acd_helpers import agent, queue

_channels = count(1)


@pytest.fixture
async def center(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    call_center.acd.acd = Acd([queue("support")], [agent("1001", queues=("support",))])
    await call_center.acd.handle(AgentLoggedIn(0.0, "1001"))
    yield call_center
    await WRITER.flush()


async def dial(center: CallCenter, action: str, *args: str, channel: str = "PJSIP/1001") -> str:
    """An agent phone dials a feature code: Stasis(hotline,feature,<action>,<args>)."""
    channel_id = f"feature-{next(_channels)}"
    await start_feature(
        center,
        parse_event(
            {
                "type": "StasisStart",
                "application": "hotline",
                "args": ["feature", action, *args],
                "channel": {"id": channel_id, "name": f"{channel}-0000000{channel_id[-1]}"},
            }
        ),
    )
    return channel_id


def played(ari: FakeAriServer, channel_id: str) -> str:
    plays = [r for r in ari.requests if r.path == f"/channels/{channel_id}/play"]
    assert len(plays) == 1
    return plays[0].query["media"]


def state_of(center: CallCenter) -> tuple[str, str | None]:
    status = center.acd.acd.agent_status("1001")
    return status.state, status.reason


async def test_given_star_23_and_digits_when_dialled_then_agent_pauses_with_that_reason(
    ari: FakeAriServer, center: CallCenter
) -> None:
    channel_id = await dial(center, "agent-pause", "2")  # *232
    assert played(ari, channel_id) == "sound:beep"
    assert state_of(center) == ("not_ready", "lunch")
    await WRITER.flush()
    row = await Agent.get(extension="1001")
    assert (row.paused, row.pause_reason) == (True, "lunch")
    # Keyed again with other digits while paused: the reason changes, still paused.
    await dial(center, "agent-pause", "4")
    assert state_of(center) == ("not_ready", "training")


async def test_given_unknown_digits_when_dialled_then_error_beep_and_nothing_changes(
    ari: FakeAriServer, center: CallCenter
) -> None:
    for digits in ("9", "22", "x"):
        channel_id = await dial(center, "agent-pause", digits)
        assert played(ari, channel_id) == "sound:beeperr"
    await PauseReason.filter(code="lunch").update(active=False)
    channel_id = await dial(center, "agent-pause", "2")  # lunch is no longer offered
    assert played(ari, channel_id) == "sound:beeperr"
    assert state_of(center) == ("ready", None)


async def test_given_star_23_alone_then_it_toggles_with_the_first_active_reason(
    ari: FakeAriServer, center: CallCenter
) -> None:
    channel_id = await dial(center, "agent-toggle-pause")
    assert played(ari, channel_id) == "sound:beep"
    assert state_of(center) == ("not_ready", "break")
    await dial(center, "agent-toggle-pause")
    assert state_of(center) == ("ready", None)
    await PauseReason.filter(code="break").update(active=False)
    await PauseReason.filter(code="other").update(position=1)
    await dial(center, "agent-toggle-pause")
    assert state_of(center) == ("not_ready", "other")


async def test_given_no_active_reason_when_star_23_then_it_pauses_as_paused(
    center: CallCenter,
) -> None:
    await PauseReason.all().update(active=False)
    await dial(center, "agent-toggle-pause")
    assert state_of(center) == ("not_ready", "paused")


async def test_given_a_channel_that_is_no_agent_phone_then_error_beep(
    ari: FakeAriServer, center: CallCenter
) -> None:
    channel_id = await dial(center, "agent-pause", "2", channel="Local/*232@hotline-agents")
    assert played(ari, channel_id) == "sound:beeperr"
    assert state_of(center) == ("ready", None)
