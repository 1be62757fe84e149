"""Fax-back: dial due jobs through ``to-pstn`` and notice failed attempts.

Each attempt originates ``Local/<number>@to-pstn`` into Hotline's own Stasis
app as ``service,fax.send_out,<job>``: when the far end answers, that call
service continues the channel into ``[hotline-fax]`` for SendFAX and the
FastAGI result finishes the attempt.  When it is never answered (busy,
congestion, no answer) the channel is destroyed without a StasisStart: ARI
still tells us, because an app that originates a channel is subscribed to
it, and the hangup cause says why.  The pure ``fax.core`` decides retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError
from ari_apps.ari.events import CHANNEL_DESTROYED, AriEvent
from fax import core, services
from hotline.models_fax import FaxJob
from hotline.settings import Settings

log = logging.getLogger(__name__)

POLL_INTERVAL_S: Final = 2.0
DIAL_TIMEOUT_S: Final = 45
# A fax of MAX_PAGES pages at 2400 bps takes well under this; an attempt
# without any report after it is counted as failed (lost AGI, restart).
STUCK_AFTER: Final = timedelta(minutes=20)
PSTN_CONTEXT: Final = "to-pstn"

ChannelWatchers = dict[str, Callable[[AriEvent], None]]


def leg_channel_id(job_id: int, attempt: int) -> str:
    return f"hl-fax-{job_id}-{attempt}"


class FaxBackScheduler:
    def __init__(self, ari: AriClient, settings: Settings, watchers: ChannelWatchers) -> None:
        self._ari = ari
        self._settings = settings
        self._watchers = watchers
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="fax-back")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._pending) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                if self._ari.connected:
                    await self.dial_due_jobs()
                    await self.fail_stuck_attempts()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("fax-back scheduler pass failed; trying again")
            await asyncio.sleep(POLL_INTERVAL_S)

    async def dial_due_jobs(self) -> None:
        for job in await services.due_fax_back_jobs(services.now()):
            channel_id = leg_channel_id(job.id, job.attempts + 1)
            await services.start_fax_back_attempt(job, channel_id)
            self._watchers[channel_id] = self._watcher(job.id, channel_id)
            log.info("fax job %d: attempt %d to %s", job.id, job.attempts, job.remote_number)
            try:
                await self._ari.originate(
                    f"Local/{job.remote_number}@{PSTN_CONTEXT}/n",
                    channel_id=channel_id,
                    app=self._settings.ari_app,
                    app_args=["service", "fax.send_out", str(job.id)],
                    caller_id='"Hotline fax"',
                    timeout_s=DIAL_TIMEOUT_S,
                )
            except AriError as exc:
                self._watchers.pop(channel_id, None)
                await services.fax_back_attempt_failed(job.id, "congestion", f"originate: {exc}")

    def _watcher(self, job_id: int, channel_id: str) -> Callable[[AriEvent], None]:
        def on_event(event: AriEvent) -> None:
            if event.type != CHANNEL_DESTROYED:
                return
            self._watchers.pop(channel_id, None)
            task = asyncio.create_task(self._leg_gone(job_id, event.cause))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

        return on_event

    async def _leg_gone(self, job_id: int, cause: int | None) -> None:
        job = await FaxJob.get_or_none(id=job_id)
        # Still dialling: the far end never answered, so no fax result will come.
        if job is not None and job.status == core.DIALLING:
            outcome = core.outcome_of_cause(cause)
            await services.fax_back_attempt_failed(job_id, outcome, f"{outcome} (cause {cause})")

    async def fail_stuck_attempts(self) -> None:
        cutoff = services.now() - STUCK_AFTER
        stuck = await FaxJob.filter(
            kind="fax_back", status__in=[core.DIALLING, core.SENDING], updated_at__lt=cutoff
        )
        for job in stuck:
            with contextlib.suppress(KeyError):
                del self._watchers[leg_channel_id(job.id, job.attempts)]
            await services.fax_back_attempt_failed(job.id, "fax_failed", "no result reported")
