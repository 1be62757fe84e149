"""Voicemail's part of the running process: runtime wiring, MWI reconcile, purge.

``VoicemailBackground`` is started with the call center: it configures
vm.services (store, bus, MWI sink, settings), pushes every box's MWI on
each ARI (re)connect (Asterisk forgets after a restart; a box changed while
we were away gets its true count), and purges expired messages every
PURGE_INTERVAL_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Final

from ari_apps.ari.client import AriClient
from hotline.bus import EventBus
from hotline.settings import Settings
from vm import services
from vm.calls import drain_background
from vm.mwi import AriMwi, SpoolMwi

log = logging.getLogger(__name__)

PURGE_INTERVAL_S: Final = 300.0


class VoicemailBackground:
    def __init__(self, settings: Settings, bus: EventBus, ari: AriClient) -> None:
        services.configure(
            services.Runtime(
                store=services.default_store(settings),
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
            count = await services.publish_all_mwi()
            log.info("voicemail MWI published for %d boxes", count)
        except Exception:  # a DB hiccup must not break the (re)connect
            log.exception("voicemail MWI reconcile failed")

    async def _purge_loop(self) -> None:
        while True:
            try:
                purged = await services.purge_expired(datetime.now(UTC))
                if purged:
                    log.info("voicemail retention: %d expired messages deleted", purged)
            except Exception:  # keep purging on the next round
                log.exception("voicemail retention purge failed")
            await asyncio.sleep(PURGE_INTERVAL_S)
