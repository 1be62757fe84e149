"""Message-waiting counts: each box's (new, old) and pushing them to Asterisk.

Every change that alters a box's counts pushes them at once to the runtime's
MWI sink (ARI mailbox ``<box>@hotline``; the sinks are in ``vm/mwi.py``) and
publishes a ("voicemail", ...) bus event.
"""

from __future__ import annotations

import logging
from typing import Final

from hotline.models_voicemail import Mailbox, VoicemailMessage
from vm.store import publish_event, runtime

log = logging.getLogger(__name__)

MWI_CONTEXT: Final = "hotline"


def mwi_mailbox_name(number: str) -> str:
    return f"{number}@{MWI_CONTEXT}"


async def mwi_counts(box: Mailbox) -> tuple[int, int]:
    """(new, old): unheard and heard messages."""
    new = await VoicemailMessage.filter(mailbox_id=box.id, heard=False).count()
    old = await VoicemailMessage.filter(mailbox_id=box.id, heard=True).count()
    return new, old


async def publish_mwi(box: Mailbox) -> tuple[int, int]:
    """Push the box's counts to Asterisk; a failure is logged, never raised.

    The counts stay right in the database; the next change or the startup
    reconcile pushes them again.
    """
    new, old = await mwi_counts(box)
    sink = runtime().mwi
    if sink is not None:
        try:
            await sink.set_mwi(mwi_mailbox_name(box.number), new, old)
        except Exception:  # any transport failure: MWI is advisory
            log.warning("MWI update for box %s failed", box.number, exc_info=True)
    return new, old


async def publish_all_mwi() -> int:
    """Every box's MWI, of every tenant (after Hotline or Asterisk restarts)."""
    boxes = list(await Mailbox.all())
    for box in boxes:
        await publish_mwi(box)
    return len(boxes)


async def counts_changed(box: Mailbox, kind: str, message_id: int) -> None:
    new, old = await publish_mwi(box)
    publish_event(kind, box=box.number, message_id=message_id, new=new, old=old)
