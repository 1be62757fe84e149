"""A caller who hangs up while the ACD puts them into their queue bridge.

Asterisk answers that addChannel with 400 "Channel not found", not 404.
Taken as a handler failure, it closed the call as "failed" (seen under
`make bench`); it is the caller's hang-up, and their StasisEnd cleans up.
Runs the real CallCenter's queue hand-off against the in-process ARI
stand-in.
"""

from __future__ import annotations

from unittest.mock import MagicMock

from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.ivr.commands import EnterQueue
from ari_apps.ivr.runner import FlowRunner
from hotline import calls
from hotline.settings import Settings


async def test_given_the_caller_gone_when_joining_the_queue_bridge_then_it_is_a_hang_up(
    seeded: Settings, ari: FakeAriServer, call_center: CallCenter
) -> None:
    await calls.open_record(
        "call-q", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    ari.respond("POST", "/bridges/hl-q-call-q/addChannel", 400, {"message": "Channel not found"})
    session = MagicMock()
    session.call_id = "call-q"
    session.variables = {"caller_id": "5550100"}
    runner = FlowRunner(
        call_center.ari,
        session,
        "call-q",
        http=MagicMock(),
        on_enter_queue=call_center.queues.enter,
    )

    # The runner takes it as the channel gone (no handler failure escapes).
    await runner._execute([EnterQueue("support", 0)])

    requests = [(r.method, r.path) for r in ari.requests]
    assert ("POST", "/bridges/hl-q-call-q/addChannel") in requests
    assert requests[-1] == ("DELETE", "/bridges/hl-q-call-q"), "its bridge is not left behind"
    assert not any(path.endswith("/continue") for _, path in requests)
    assert "call-q" not in call_center.acd.calls
