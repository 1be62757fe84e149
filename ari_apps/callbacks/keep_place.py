"""The "callbacks.keep_place" call service: a queued caller pressed "*".

Their queue node (``callback: true``) took them out of the queue keeping
their place, and lends the channel here to settle the number to call back:
the caller ID, confirmed with 1, or another number keyed and ended with #.
The request is stored as a queue callback (``services.request_queue_callback``)
with the place, and the caller is thanked; the node then hangs up.  Without
a number that may be dialled after a few tries the outcome is "no_number"
and the node puts the caller back in the queue at their place.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from ari_apps.ari.events import PLAYBACK_FINISHED, AriEvent
from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from ari_apps.callbacks import prompting, services
from ari_apps.executor import PlayMedia
from hotline import dial_policy, outbound_guard
from hotline.center import Actor
from hotline.errors import HotlineError
from hotline.tenancy import home_tenant_id

log = logging.getLogger(__name__)

# The queue node names it (ari_apps.acd.nodes.KEEP_PLACE_SERVICE; a unit test
# keeps them equal): features do not import each other.
SERVICE_NAME: Final = "callbacks.keep_place"
OUTCOME_REQUESTED: Final = "requested"
OUTCOME_NO_NUMBER: Final = "no_number"
OUTCOME_HUNG_UP: Final = "hung_up"
TRIES: Final = 3
MAX_NUMBER_DIGITS: Final = 20

CONFIRM_MEDIA: Final = ("sound:if-correct-press", "sound:digits/1")
ENTER_MEDIA: Final = ("sound:vm-enter-num-to-call", "sound:digits/pound")
RETRY_MEDIA: Final = ("sound:check-number-dial-again",)
THANKS_MEDIA: Final = ("sound:auth-thankyou", "sound:queue-thankyou")


def dialable(number: str, rules: dial_policy.DialRules) -> bool:
    return bool(number) and dial_policy.check_number(number, rules) is None


async def settle_number(
    call: CallServiceContext, rules: dial_policy.DialRules, caller_id: str
) -> str | None:
    """The number the caller agrees to be called back on; None if none."""
    offered = caller_id if dialable(caller_id, rules) else ""
    for attempt in range(TRIES):
        media: tuple[str, ...]
        if offered:
            media = (
                "sound:telephone-number",
                f"digits:{offered}",
                *CONFIRM_MEDIA,
                *ENTER_MEDIA,
            )
        else:
            media = ENTER_MEDIA
        answer = await prompting.ask(
            call.ops,
            call.channel_id,
            media,
            f"hl-keep-{call.channel_id}-{attempt}",
            call.next_event,
            max_digits=MAX_NUMBER_DIGITS,
        )
        if answer.how == prompting.HUNG_UP:
            return None
        if offered and answer.digits == "1":
            return offered
        keyed = answer.digits.rstrip("#")
        if keyed and keyed != "1" and dialable(keyed, rules):
            return keyed
        if answer.how == prompting.KEYED:
            await _say(call, RETRY_MEDIA, f"hl-keep-retry-{call.channel_id}-{attempt}")
    return None


async def _say(call: CallServiceContext, media: tuple[str, ...], playback_id: str) -> None:
    await call.ops.run(PlayMedia(call.channel_id, media, playback_id))
    while True:
        event: AriEvent | None = await call.next_event(30)
        if event is None or event.is_channel_final:
            return
        if event.type == PLAYBACK_FINISHED and event.playback_id == playback_id:
            return


class KeepPlace:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        tenant_id = call.tenant_id if call.tenant_id is not None else await home_tenant_id()
        rules = outbound_guard.rules(call.settings)
        number = await settle_number(call, rules, call.caller_id)
        if number is None:
            return ServiceResult(OUTCOME_HUNG_UP if call.hung_up else OUTCOME_NO_NUMBER)
        since = params.get("place_since")
        place_since = (
            datetime.fromtimestamp(float(since), UTC)
            if isinstance(since, int | float)
            else datetime.now(UTC)
        )
        actor = Actor(f"caller:{number}"[:64], "", tenant_id, source="ivr")
        try:
            row = await services.request_queue_callback(
                tenant_id,
                actor,
                rules,
                number=number,
                queue=str(params.get("queue", "")),
                priority=int(params.get("priority") or 0),
                place_since=place_since,
                call_id=call.call_id,
            )
        except HotlineError as refused:
            log.warning("call %s: callback request refused: %s", call.call_id, refused)
            return ServiceResult(OUTCOME_NO_NUMBER)
        call.bus.publish("callback", "requested", callback_id=row["id"], queue=row["queue"])
        log.info(
            "call %s: callback %s keeps its place in %s", call.call_id, row["id"], row["queue"]
        )
        await _say(call, THANKS_MEDIA, f"hl-keep-thanks-{call.channel_id}")
        return ServiceResult(OUTCOME_REQUESTED, {"callback_id": str(row["id"])})


register_call_service(KeepPlace())
