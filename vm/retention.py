"""Voicemail's part of the running process: runtime wiring, MWI reconcile, purge.

``VoicemailBackground`` is started with the call center: it configures
vm.store's runtime (store, bus, MWI sink, settings), pushes every box's MWI
on each ARI (re)connect (Asterisk forgets after a restart; a box changed
while we were away gets its true count), and purges expired messages
(``purge_expired``: each box's retention) every PURGE_INTERVAL_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Final

from ari_apps.ari.client import AriClient
from hotline.bus import EventBus
from hotline.models_voicemail import Mailbox, VoicemailMessage
from hotline.settings import Settings
from vm.calls import drain_background
from vm.mwi import AriMwi, SpoolMwi
from vm.mwi_counts import publish_all_mwi, publish_mwi
from vm.store import Runtime, configure, default_store, publish_event, remove_audio

log = logging.getLogger(__name__)

PURGE_INTERVAL_S: Final = 300.0


async def purge_expired(now: datetime) -> int:
    """Delete messages older than their box's retention; returns how many."""
    purged = 0
    for box in await Mailbox.filter(retention_days__isnull=False):
        assert box.retention_days is not None
        cutoff = now - timedelta(days=box.retention_days)
        expired = await VoicemailMessage.filter(mailbox_id=box.id, received_at__lt=cutoff)
        if not expired:
            continue
        for message in expired:
            await message.delete()
            remove_audio(message.audio_path)
        purged += len(expired)
        new, old = await publish_mwi(box)
        publish_event("messages_purged", box=box.number, count=len(expired), new=new, old=old)
    return purged


class VoicemailBackground:
    def __init__(self, settings: Settings, bus: EventBus, ari: AriClient) -> None:
        configure(
            Runtime(
                store=default_store(settings),
                bus=bus,
                mwi=AriMwi(ari, SpoolMwi(settings.asterisk_root)),
                settings=settings,
            )
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._purge_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._purge_task = asyncio.create_task(self._purge_loop(), name="vm-purge")

    async def stop(self) -> None:
        for task in [self._purge_task, *self._tasks]:
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *[t for t in [self._purge_task, *self._tasks] if t is not None],
            return_exceptions=True,
        )
        # Messages being finished after a hang-up and their e-mails: let them land.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drain_background(), 15.0)

    def connected(self) -> None:
        task = asyncio.create_task(self._publish_all(), name="vm-mwi-reconcile")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_all(self) -> None:
        try:
            count = await publish_all_mwi()
            log.info("voicemail MWI published for %d boxes", count)
        except Exception:  # a DB hiccup must not break the (re)connect
            log.exception("voicemail MWI reconcile failed")

    async def _purge_loop(self) -> None:
        while True:
            try:
                purged = await purge_expired(datetime.now(UTC))
                if purged:
                    log.info("voicemail retention: %d expired messages deleted", purged)
            except Exception:  # keep purging on the next round
                log.exception("voicemail retention purge failed")
            await asyncio.sleep(PURGE_INTERVAL_S)
