"""A caller who hangs up while their flow is asking Asterisk for something.

Asterisk does not always say so with a 404:
- adding a hung-up channel to its queue bridge answers 400 "Channel not
  found" (seen under `make bench`);
- a request between the end of the channel's application and its
  destruction answers 409 "Channel not in Stasis application" (seen in CI,
  a prompt played as the caller hung up).
Taken as handler failures, both closed the call as "failed" and tried to
rescue a channel that was going; they are the caller's hang-up, and the
StasisEnd that follows cleans up.  Runs the real CallCenter's flow runner
against the in-process ARI stand-in.
"""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ari_apps.app import CallCenter
from ari_apps.ari.errors import AriConflict
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.ivr.commands import EnterQueue, Play
from ari_apps.ivr.runner import FlowRunner
from hotline import calls
from hotline.settings import Settings


def _runner(call_center: CallCenter, call_id: str) -> FlowRunner:
    session = MagicMock()
    session.call_id = call_id
    session.variables = {"caller_id": "5550100"}
    return FlowRunner(
        call_center.ari,
        session,
        call_id,
        http=MagicMock(),
        on_enter_queue=call_center.queues.enter,
    )


async def test_given_the_caller_gone_when_joining_the_queue_bridge_then_it_is_a_hang_up(
    seeded: Settings, ari: FakeAriServer, call_center: CallCenter
) -> None:
    await calls.open_record(
        "call-q", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    ari.respond("POST", "/bridges/hl-q-call-q/addChannel", 400, {"message": "Channel not found"})
    runner = _runner(call_center, "call-q")

    # The runner takes it as the channel gone (no handler failure escapes).
    await runner._execute([EnterQueue("support", 0)])

    requests = [(r.method, r.path) for r in ari.requests]
    assert ("POST", "/bridges/hl-q-call-q/addChannel") in requests
    assert requests[-1] == ("DELETE", "/bridges/hl-q-call-q"), "its bridge is not left behind"
    assert not any(path.endswith("/continue") for _, path in requests)
    assert "call-q" not in call_center.acd.calls


async def test_given_the_caller_leaving_the_application_when_a_prompt_starts_then_it_is_a_hang_up(
    ari: FakeAriServer, call_center: CallCenter
) -> None:
    ari.respond(
        "POST", "/channels/call-p/play", 409, {"message": "Channel not in Stasis application"}
    )
    runner = _runner(call_center, "call-p")

    await runner._execute([Play("p1", ("sound:hello-world",)), Play("p2", ("sound:beep",))])

    plays = [r for r in ari.requests if r.path == "/channels/call-p/play"]
    assert len(plays) == 1, "nothing more is asked of a channel on its way out"


async def test_given_any_other_conflict_when_a_prompt_starts_then_the_handler_fails(
    ari: FakeAriServer, call_center: CallCenter
) -> None:
    ari.respond("POST", "/channels/call-p/play", 409, {"message": "Channel not answered"})
    runner = _runner(call_center, "call-p")

    with pytest.raises(AriConflict):
        await runner._execute([Play("p1", ("sound:hello-world",))])
