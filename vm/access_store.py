"""What the retrieval menu asks of the voicemail store, done through vm/mailboxes.py,
vm/messages.py and vm/greetings.py.

Each ``StoreAction`` of the pure core becomes one service call and comes back
as a ``StoreAnswered``.  Refusals (wrong box, bad PIN, missing message) are
answers with ``ok=False`` and a reason, never exceptions: the caller hears
"sorry" and the menu goes on.  Greetings recorded by phone are ARI
recordings whose names the adapter passes in ``recordings``.

The PIN check and the call-back are the two toll-fraud gates: the PIN goes
through the cross-call lockouts of ``vm/pin_guard.py``, a call-back into
``to-pstn`` through the dial rules and daily limits of
``hotline/outbound_guard.py``, both for the number of the caller asking.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import vm.greetings
import vm.mailboxes
import vm.messages
import vm.store
from hotline import dial_policy, outbound_guard
from hotline.errors import HotlineError
from hotline.settings import Settings
from vm import pin_guard
from vm.access_core import (
    LOCKED_OUT,
    OVER_LIMIT,
    ChangePin,
    CheckCallBack,
    CheckPin,
    DeleteMessage,
    ForwardMessage,
    LoadMessages,
    MessageInfo,
    SaveMessage,
    SetGreeting,
    StoreAction,
    StoreAnswered,
)

log = logging.getLogger(__name__)

# Failures a store call may end with that only mean "no" to the caller.
_REFUSALS = (HotlineError, ValueError, OSError)


# Where a call-back goes when it is not to an agent phone.
PSTN_CONTEXT: Final = "to-pstn"


@dataclass(frozen=True, slots=True)
class Asker:
    """Who is in the menu: the caller's number (the lockouts and limits count
    it), the settings holding the dial rules, and the call's tenant."""

    caller: str
    settings: Settings | None = None
    # Whose call it is (hotline.tenancy.tenant_of_call): only that tenant's
    # boxes open; another's answers as an unknown box does.
    tenant_id: int | None = None


async def answer(
    request_id: str, action: StoreAction, recordings: Mapping[str, str], asker: Asker
) -> StoreAnswered:
    """Run ``action``; ``recordings`` maps the core's recording ids to ARI names."""
    try:
        return await _run(request_id, action, recordings, asker)
    except _REFUSALS as error:
        log.info("voicemail access: %s refused: %s", type(action).__name__, error)
        return StoreAnswered(request_id, False, error=str(error)[:200])


async def _run(
    request_id: str, action: StoreAction, recordings: Mapping[str, str], asker: Asker
) -> StoreAnswered:
    if isinstance(action, CheckPin):
        # Same answer for an unknown box and a wrong PIN: no box discovery by phone.
        checked = await pin_guard.check(
            action.box, asker.caller, action.pin, tenant_id=asker.tenant_id
        )
        if checked is pin_guard.PinCheck.OPENED:
            return StoreAnswered(request_id, True)
        locked = checked is pin_guard.PinCheck.LOCKED
        return StoreAnswered(request_id, False, error=LOCKED_OUT if locked else "login incorrect")
    if isinstance(action, CheckCallBack):
        return await _check_call_back(request_id, action, asker)
    if isinstance(action, LoadMessages):
        box = await vm.mailboxes.box_by_number(action.box, tenant_id=asker.tenant_id)
        messages = await vm.messages.list_messages(box)
        infos = tuple(MessageInfo(str(m.id), not m.heard, m.caller_id) for m in messages)
        return StoreAnswered(request_id, True, infos)
    if isinstance(action, SaveMessage):
        await vm.messages.save_message(int(action.message_id), tenant_id=asker.tenant_id)
    elif isinstance(action, DeleteMessage):
        await vm.messages.delete_message(int(action.message_id), tenant_id=asker.tenant_id)
    elif isinstance(action, ForwardMessage):
        await vm.messages.forward_message(
            int(action.message_id), action.to_box, tenant_id=asker.tenant_id
        )
    elif isinstance(action, ChangePin):
        await vm.mailboxes.set_pin(
            await vm.mailboxes.box_by_number(action.box, tenant_id=asker.tenant_id), action.pin
        )
    elif isinstance(action, SetGreeting):
        name = recordings[action.recording_id]
        box = await vm.mailboxes.box_by_number(action.box, tenant_id=asker.tenant_id)
        await vm.greetings.set_greeting_from_recording(box, action.kind, name)
    return StoreAnswered(request_id, True)


async def _check_call_back(request_id: str, action: CheckCallBack, asker: Asker) -> StoreAnswered:
    if action.context != PSTN_CONTEXT:
        return StoreAnswered(request_id, True)  # an agent phone: no toll, no limit
    if asker.settings is None:
        return StoreAnswered(request_id, False, error="no dial rules")  # fail closed
    refusal = await outbound_guard.authorize(
        dial_policy.CALLBACK,
        asker.caller,
        action.number,
        asker.settings,
        tenant_id=asker.tenant_id,
    )
    if refusal is None:
        return StoreAnswered(request_id, True)
    limited = refusal.reason in dial_policy.RATE_LIMITS
    return StoreAnswered(request_id, False, error=OVER_LIMIT if limited else refusal.reason)


async def mark_heard(message_id: str, tenant_id: int | None) -> None:
    try:
        await vm.messages.mark_heard(int(message_id), tenant_id=tenant_id)
    except _REFUSALS:
        log.warning("voicemail access: message %s not marked heard", message_id, exc_info=True)


def recording_duration_s(recording_name: str) -> float:
    """Length of a finished ARI recording (its WAV beside the store)."""
    data = vm.store.recording_file(recording_name).read_bytes()
    return vm.store.wav_duration_s(data)


async def salvage_greeting(
    recording_name: str, box_number: str, kind: str, min_duration_s: float, tenant_id: int | None
) -> None:
    """The caller hung up mid-greeting: keep it if long enough, else drop the file."""
    try:
        duration = await asyncio.to_thread(recording_duration_s, recording_name)
        if duration >= min_duration_s:
            box = await vm.mailboxes.box_by_number(box_number, tenant_id=tenant_id)
            await vm.greetings.set_greeting_from_recording(box, kind, recording_name)
            log.info("voicemail %s: %s greeting kept after hang-up", box_number, kind)
            return
    except _REFUSALS:
        log.warning("voicemail %s: greeting after hang-up lost", box_number, exc_info=True)
    await asyncio.to_thread(vm.store.discard_recording, recording_name)
