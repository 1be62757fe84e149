"""StasisStart goes where a feature registered for it (ari_apps/stasis_routes.py).

The unclaimed case (the safe context) is in test_adapter_fallback.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ari_apps.app import CallCenter
from ari_apps.ari.events import AriEvent, parse_event
from ari_apps.stasis_routes import StasisRoutes

ROOT = Path(__file__).resolve().parents[2]


async def _nothing(_event: AriEvent) -> None:
    return None


def test_a_kind_claimed_twice_is_refused() -> None:
    routes = StasisRoutes()
    routes.claim("inbound", _nothing)
    with pytest.raises(ValueError, match="'inbound' is claimed twice"):
        routes.claim("inbound", _nothing)
    with pytest.raises(ValueError, match="empty"):
        routes.claim("", _nothing)


def test_the_first_argument_chooses_the_handler() -> None:
    routes = StasisRoutes()
    routes.claim("inbound", _nothing)
    assert routes.handler_for(("inbound", "8000")) is _nothing
    assert routes.handler_for(("other",)) is None
    assert routes.handler_for(()) is None


def test_every_stasis_kind_the_dialplan_and_originates_use_is_claimed(
    call_center: CallCenter,
) -> None:
    dialplan = (ROOT / "asterisk/config/extensions.conf").read_text()
    from_dialplan = set(re.findall(r"Stasis\(@@ARI_APP@@,([a-z-]+)", dialplan))
    # A campaign call comes back from answering-machine detection, and from
    # waiting out a machine's greeting.
    assert from_dialplan == {"inbound", "feature", "service", "campaign-amd", "campaign-beep"}
    # appArgs of the ACD's legs, test calls, the recorder's snoop channels,
    # monitoring's supervisor phones and snoop channels, transfer and consult
    # legs, a callback's agent and caller legs, a queue callback's caller
    # (virtual hold), and a campaign's calls and a preview call's agent leg
    originated = {
        "queue-callback",
        "campaign",
        "campaign-preview",
        "callback-agent",
        "callback-customer",
        "agent",
        "test-flow",
        "recording",
        "monitor",
        "monitor-snoop",
        "transfer",
        "consult",
    }
    assert call_center.stasis_routes.kinds == from_dialplan | originated


async def test_a_claimed_kind_reaches_its_feature(call_center: CallCenter) -> None:
    seen: list[str] = []

    async def record(event: AriEvent) -> None:
        seen.append(event.channel_id or "")

    call_center.stasis_routes.claim("probe", record)
    event = {
        "type": "StasisStart",
        "application": "hotline",
        "args": ["probe"],
        "channel": {"id": "c9", "name": "Local/x", "state": "Up"},
    }
    await call_center.on_channel_event(parse_event(event))
    assert seen == ["c9"]
