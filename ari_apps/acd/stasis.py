"""Agent feature codes dialled from SIP phones (*21 login, *22 logout, *23 pause)."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from typing import TYPE_CHECKING

from ari_apps.acd.events import AgentLoggedIn, AgentLoggedOut, AgentPauseToggled, Event
from ari_apps.acd.exceptions import AcdError
from ari_apps.ari.errors import AriError
from ari_apps.ari.events import CHANNEL_DESTROYED, PLAYBACK_FINISHED, STASIS_END, AriEvent

if TYPE_CHECKING:
    from ari_apps.app import CallCenter

log = logging.getLogger(__name__)

_PJSIP_CHANNEL = re.compile(r"^PJSIP/(?P<endpoint>[^-]+)-")

CONFIRMATIONS = {
    "agent-login": "sound:agent-loginok",
    "agent-logout": "sound:agent-loggedoff",
    "agent-toggle-pause": "sound:beep",
}


def agent_of(event: AriEvent) -> str | None:
    """The agent is the PJSIP endpoint the call came from, not its caller ID,
    which a phone can set to anything."""
    match = _PJSIP_CHANNEL.match(event.channel_name or "")
    return match.group("endpoint") if match else None


async def start_feature(center: CallCenter, event: AriEvent) -> None:
    channel_id = event.channel_id or ""
    action = event.args[1] if len(event.args) > 1 else ""
    agent = agent_of(event)
    now = time.time()
    feature_events: dict[str, Event] = {
        "agent-login": AgentLoggedIn(now, agent or ""),
        "agent-logout": AgentLoggedOut(now, agent or ""),
        "agent-toggle-pause": AgentPauseToggled(now, agent or ""),
    }
    acd_event = feature_events.get(action)
    await center.ari.answer(channel_id)
    media = "sound:beeperr"
    if agent and acd_event is not None:
        try:
            await center.acd.handle(acd_event)
            media = CONFIRMATIONS[action]
        except AcdError as exc:
            log.info("feature %s from %s refused: %s", action, agent, exc)
    playback_id = f"hl-feature-{channel_id}"
    center.feature_channels[channel_id] = playback_id
    await center.ari.play(channel_id, media, playback_id=playback_id)


async def feature_event(center: CallCenter, event: AriEvent) -> None:
    channel_id = event.channel_id or ""
    if event.type == PLAYBACK_FINISHED:
        with contextlib.suppress(AriError):
            await center.ari.hangup(channel_id)
    if event.type in (STASIS_END, CHANNEL_DESTROYED):
        center.feature_channels.pop(channel_id, None)
