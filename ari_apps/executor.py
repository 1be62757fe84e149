"""The adapter's one command executor and its shared vocabulary of channel operations.

Each pure core decides in its own words: the flow engine says ``Play``,
``Transfer``, ``Hangup``; the ACD says ``OfferCall``, ``ConnectCall``,
``Announce``.  Each feature's glue translates a decision into the
operations below, and only this executor carries them out against ARI.  So
every feature rings, bridges, plays and hangs up the same way, a new feature
(outbound campaigns, the agent desk) learns one vocabulary rather than the
ARI client's, and the rules about a channel that vanished under us live in
one place:

* ``run`` raises what ARI answered: the feature decides (a playback that
  could not start must still be answered, an originate refused at once
  means an unreachable phone);
* ``run_unless_gone`` ignores only "no such channel, bridge or playback"
  (404): the channel hung up meanwhile and its end event cleans up;
* ``run_best_effort`` ignores any ARI error: clean-up steps (hang up the
  other side, destroy a bridge) must not stop the steps after them.

``SafeFallback`` is where a call goes when nobody can handle it: the
dialplan's ``[hotline-safe]`` apologises and hangs up; if even that fails,
the channel is hung up.  Never silence.

Queries (``get_bridge``, ``list_channels``, a live recording's state) are
not operations: they change nothing, and their callers read the answer.
Start-up configuration (agent endpoints, event subscriptions of the whole
application) belongs to the composition (``app.py``, ``provisioning.py``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Final

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound, channel_left_application

SAFE_CONTEXT: Final = "hotline-safe"


@dataclass(frozen=True, slots=True)
class Answer:
    channel_id: str


@dataclass(frozen=True, slots=True)
class PlayMedia:
    """``media``: ARI media URIs (``sound:``, ``digits:``, ``number:``...)."""

    channel_id: str
    media: tuple[str, ...]
    playback_id: str
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class StopMedia:
    playback_id: str


@dataclass(frozen=True, slots=True)
class SetVariable:
    channel_id: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ContinueInDialplan:
    """The channel leaves Stasis for the dialplan (its StasisEnd follows)."""

    channel_id: str
    context: str
    extension: str
    priority: int = 1


@dataclass(frozen=True, slots=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True, slots=True)
class Originate:
    """A new channel, with the id we chose, so every later event finds its
    owner.  Into our application (``app``; ``app_args`` route its
    StasisStart), or straight into the dialplan (``context``/``extension``,
    no ``app``): a fax-back leg must run SendFAX, which Stasis cannot."""

    endpoint: str
    channel_id: str
    app: str | None = None
    app_args: tuple[str, ...] = ()
    caller_id: str | None = None
    timeout_s: int = 30
    other_channel_id: str | None = None
    context: str | None = None
    extension: str | None = None
    priority: int | None = None
    variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StartRecording:
    channel_id: str
    name: str
    max_duration_s: int | None = None
    max_silence_s: int | None = None
    beep: bool = False
    terminate_on: str | None = None  # a DTMF key, "any" or None
    file_format: str = "wav"


@dataclass(frozen=True, slots=True)
class Snoop:
    """A new channel ``snoop_id`` in ``app`` that hears (``spy``) and/or
    speaks into (``whisper``) ``channel_id``: "in" is that party's voice,
    "out" what they hear, "both" or "none"."""

    channel_id: str
    snoop_id: str
    app: str
    app_args: str
    spy: str = "none"
    whisper: str = "none"


@dataclass(frozen=True, slots=True)
class StopRecording:
    """End a live recording and keep what it recorded."""

    name: str


@dataclass(frozen=True, slots=True)
class CancelRecording:
    """End a live recording and discard what it recorded."""

    name: str


@dataclass(frozen=True, slots=True)
class SetMailboxCounts:
    """A mailbox's message counts for the phones' lamps (``res_mwi_external``)."""

    mailbox: str
    new_messages: int
    old_messages: int


@dataclass(frozen=True, slots=True)
class DeleteMailbox:
    mailbox: str


@dataclass(frozen=True, slots=True)
class WatchChannel:
    """Subscribe our application to a channel that never enters it (a
    fax-back leg), so its end reaches the registry's observers."""

    app: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class CreateBridge:
    bridge_id: str
    name: str | None = None
    bridge_type: str = "mixing"


@dataclass(frozen=True, slots=True)
class AddToBridge:
    bridge_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class RemoveFromBridge:
    bridge_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class DestroyBridge:
    bridge_id: str


@dataclass(frozen=True, slots=True)
class StartMusicOnHold:
    bridge_id: str
    moh_class: str | None = None


@dataclass(frozen=True, slots=True)
class StopMusicOnHold:
    bridge_id: str


@dataclass(frozen=True, slots=True)
class SafeFallback:
    channel_id: str
    extension: str = "s"


# How Asterisk says each key of a ``digits:`` item (main/say.c reads these
# files in the playback's language).
_DIGIT_SOUNDS: Final = {
    **{digit: f"sound:digits/{digit}" for digit in "0123456789"},
    "*": "sound:digits/star",
    "#": "sound:digits/pound",
}


def stoppable_media(item: str) -> tuple[str, ...]:
    """A media URI as items a stop can cut off: ``digits:`` spelled out.

    Asterisk quirk (res/stasis/stasis_app_playback.c): stopping a playback
    of several media works only while a ``sound:`` (or recording, tone)
    item plays.  ``digits:`` and ``number:`` items are said with no stop
    key, so a stop that lands on one of them is lost, and the playback goes
    on with its next item: a caller who keys a choice during "press 1" hears
    the rest of the menu before anything happens.  Spelled out as sounds,
    every part of a menu prompt can be cut off.  (``number:`` stays: how a
    number is said depends on the language.)
    """
    if item.startswith("digits:"):
        keys = item[len("digits:") :]
        if keys and all(key in _DIGIT_SOUNDS for key in keys):
            return tuple(_DIGIT_SOUNDS[key] for key in keys)
    return (item,)


ChannelOp = (
    Answer
    | PlayMedia
    | StopMedia
    | SetVariable
    | ContinueInDialplan
    | HangUp
    | Originate
    | CreateBridge
    | AddToBridge
    | RemoveFromBridge
    | DestroyBridge
    | StartMusicOnHold
    | StopMusicOnHold
    | StartRecording
    | Snoop
    | StopRecording
    | CancelRecording
    | SetMailboxCounts
    | DeleteMailbox
    | WatchChannel
    | SafeFallback
)


class ChannelOpsExecutor:
    def __init__(self, ari: AriClient) -> None:
        self.ari = ari

    async def run(self, op: ChannelOp) -> None:
        ari = self.ari
        match op:
            case Answer(channel_id=channel_id):
                await ari.answer(channel_id)
            case PlayMedia(channel_id=channel_id, media=media, playback_id=playback, lang=lang):
                stoppable = [uri for item in media for uri in stoppable_media(item)]
                await ari.play(channel_id, stoppable, playback_id=playback, lang=lang)
            case StopMedia(playback_id=playback_id):
                await ari.stop_playback(playback_id)
            case SetVariable(channel_id=channel_id, name=name, value=value):
                await ari.set_channel_variable(channel_id, name, value)
            case ContinueInDialplan():
                await ari.continue_in_dialplan(
                    op.channel_id, context=op.context, extension=op.extension, priority=op.priority
                )
            case HangUp(channel_id=channel_id):
                await ari.hangup(channel_id)
            case Originate():
                await ari.originate(
                    op.endpoint,
                    channel_id=op.channel_id,
                    other_channel_id=op.other_channel_id,
                    app=op.app,
                    app_args=list(op.app_args) if op.app is not None else None,
                    caller_id=op.caller_id,
                    timeout_s=op.timeout_s,
                    context=op.context,
                    extension=op.extension,
                    priority=op.priority,
                    variables=dict(op.variables) or None,
                )
            case CreateBridge(bridge_id=bridge_id, name=name, bridge_type=bridge_type):
                await ari.create_bridge(bridge_id=bridge_id, type=bridge_type, name=name)
            case AddToBridge(bridge_id=bridge_id, channel_id=channel_id):
                await ari.add_channel(bridge_id, channel_id)
            case RemoveFromBridge(bridge_id=bridge_id, channel_id=channel_id):
                await ari.remove_channel(bridge_id, channel_id)
            case DestroyBridge(bridge_id=bridge_id):
                await ari.destroy_bridge(bridge_id)
            case StartMusicOnHold(bridge_id=bridge_id, moh_class=moh_class):
                await ari.bridge_start_moh(bridge_id, moh_class)
            case StopMusicOnHold(bridge_id=bridge_id):
                await ari.bridge_stop_moh(bridge_id)
            case StartRecording():
                await ari.record(
                    op.channel_id,
                    op.name,
                    format=op.file_format,
                    max_duration_s=op.max_duration_s,
                    max_silence_s=op.max_silence_s,
                    if_exists="overwrite",
                    beep=op.beep,
                    terminate_on=op.terminate_on,
                )
            case Snoop():
                await ari.snoop(
                    op.channel_id,
                    app=op.app,
                    snoop_id=op.snoop_id,
                    spy=op.spy,
                    whisper=op.whisper,
                    app_args=op.app_args,
                )
            case StopRecording(name=name):
                await ari.stop_live_recording(name)
            case CancelRecording(name=name):
                await ari.cancel_live_recording(name)
            case SetMailboxCounts(mailbox=mailbox, new_messages=new, old_messages=old):
                await ari.update_mailbox(mailbox, old_messages=old, new_messages=new)
            case DeleteMailbox(mailbox=mailbox):
                await ari.delete_mailbox(mailbox)
            case WatchChannel(app=app, channel_id=channel_id):
                await ari.request(
                    "POST",
                    f"/applications/{app}/subscription",
                    params={"eventSource": f"channel:{channel_id}"},
                )
            case SafeFallback(channel_id=channel_id, extension=extension):
                await self._safe_fallback(channel_id, extension)

    async def run_unless_gone(self, op: ChannelOp) -> None:
        try:
            await self.run(op)
        except AriError as error:
            if not channel_left_application(error):
                raise

    async def run_best_effort(self, op: ChannelOp) -> None:
        with contextlib.suppress(AriError):
            await self.run(op)

    async def _safe_fallback(self, channel_id: str, extension: str) -> None:
        try:
            await self.ari.continue_in_dialplan(
                channel_id, context=SAFE_CONTEXT, extension=extension, priority=1
            )
        except AriNotFound:
            return
        except AriError:
            with contextlib.suppress(AriError):
                await self.ari.hangup(channel_id)
