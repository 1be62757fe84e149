"""The adapter's last line of defence (a failed handler never leaves silence),
and what of Asterisk's endpoint chatter it passes to the ACD.

Runs the real CallCenter against the in-process ARI stand-in: this pins which
ARI requests the fallback makes, not Asterisk's behaviour (the integration
tests place real calls).
"""

from __future__ import annotations

import pytest

from ari_apps.acd import Acd, AgentDeviceChanged, Command
from ari_apps.acd.events import Event as AcdEvent
from ari_apps.app import CallCenter
from ari_apps.ari.events import parse_event
from ari_apps.ari.fake_server import FakeAriServer
from tests.unit.test_acd_helpers import agent, queue


def _stasis_start(channel_id: str, *args: str) -> dict[str, object]:
    return {
        "type": "StasisStart",
        "application": "hotline",
        "args": list(args),
        "channel": {
            "id": channel_id,
            "name": "Local/8000@from-pstn-00000001;2",
            "state": "Up",
            "caller": {"number": "5550100"},
        },
    }


async def test_given_caller_handler_fails_then_call_goes_to_the_safe_context(
    ari: FakeAriServer, call_center: CallCenter
) -> None:
    event = parse_event(_stasis_start("c1", "inbound", "8000"))
    await call_center.on_handler_error(event, RuntimeError("boom"))
    continues = [r for r in ari.requests if r.path.endswith("/continue")]
    assert len(continues) == 1
    assert continues[0].path == "/channels/c1/continue"
    assert continues[0].query["context"] == "hotline-safe"


async def test_given_safe_context_refused_then_the_call_is_hung_up(
    ari: FakeAriServer, call_center: CallCenter
) -> None:
    ari.respond("POST", "/channels/c2/continue", status=500, body={"message": "nope"})
    event = parse_event(_stasis_start("c2", "inbound", "8000"))
    await call_center.on_handler_error(event, RuntimeError("boom"))
    assert [(r.method, r.path) for r in ari.requests][-1] == ("DELETE", "/channels/c2")


async def test_given_unexpected_stasis_arguments_then_the_call_is_not_left_in_silence(
    ari: FakeAriServer, call_center: CallCenter
) -> None:
    await call_center.on_channel_event(parse_event(_stasis_start("c3", "something-else")))
    assert any(r.path == "/channels/c3/continue" for r in ari.requests)


async def test_given_channel_already_gone_when_handler_fails_then_nothing_is_requested(
    ari: FakeAriServer, call_center: CallCenter
) -> None:
    event = parse_event(
        {"type": "StasisEnd", "application": "hotline", "channel": {"id": "c4", "name": "x"}}
    )
    await call_center.on_handler_error(event, RuntimeError("boom"))
    assert ari.requests == []


def _peer_status(
    resource: str, state: str, event_type: str = "PeerStatusChange"
) -> dict[str, object]:
    return {
        "type": event_type,
        "application": "hotline",
        "endpoint": {"technology": "PJSIP", "resource": resource, "state": state},
        "peer": {"peer_status": "Reachable" if state == "online" else "Unreachable"},
    }


async def test_given_endpoint_events_then_only_a_registration_change_reaches_the_acd(
    call_center: CallCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_center.acd.acd = Acd([queue()], [agent("1001")])
    seen: list[AcdEvent] = []
    apply = call_center.acd.handle

    async def recording(event: AcdEvent) -> list[Command]:
        seen.append(event)
        return await apply(event)

    monkeypatch.setattr(call_center.acd, "handle", recording)
    # A second contact registering says "Reachable" again.
    for state in ("online", "online", "offline", "offline", "online"):
        await call_center.on_global_event(parse_event(_peer_status("1001", state)))
    await call_center.on_global_event(parse_event(_peer_status("stranger", "online")))
    # The snapshot events Asterisk sends with every call (filtered out by
    # the application's event filter) change nothing if one slips through.
    endpoint_snapshot = _peer_status("1001", "offline", event_type="EndpointStateChange")
    await call_center.on_global_event(parse_event(endpoint_snapshot))
    assert [e.registered for e in seen if isinstance(e, AgentDeviceChanged)] == [True, False, True]
    assert call_center.acd.acd.agent_registered("1001") is True
