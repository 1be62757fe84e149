"""Fax-back: dial due jobs through ``to-pstn`` and notice failed attempts.

Each attempt originates ``Local/<number>@to-pstn`` into ``[hotline-fax]``
``send-dialled``: when the far end answers, SendFAX runs and the FastAGI
``fax_result`` finishes the attempt (before the channel goes).  Hotline
subscribes its ARI app to the leg, so a leg destroyed while the job still
says "dialling" was never answered (busy, congestion, no answer) and its
hangup cause says why.  The pure ``fax.core`` decides retries.

Asterisk quirk: when the far end refuses (Busy(), a trunk's 486), the
originated Local;1 half is destroyed with cause 0: originate fails it
without setting a hangup cause.  The real cause (17 busy, 19 no answer...)
is on the Local;2 half, which ran ``to-pstn``.  So both halves get an id we
choose and are watched, and ``core.attempt_cause`` picks the telling one.

Toll fraud: the number was checked when the caller keyed it
(``fax.check_destination``, fax/guard.py, which also counts the daily
limits); it is checked against the dial rules again before every attempt,
since the rules may have changed, a job may predate them, or an operator
may "retry now".  A refused number fails its job (outcome ``refused``, no
retry) and is audited; every attempt that dials is audited too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Final

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound
from ari_apps.ari.events import CHANNEL_DESTROYED, AriEvent
from ari_apps.channels import ChannelObservers
from ari_apps.executor import ChannelOpsExecutor, Originate, WatchChannel
from fax import core, services
from fax import guard as _guard  # noqa: F401  (registers fax.check_destination)
from fax.calls import FAX_CONTEXT
from fax.paths import FaxPaths
from hotline import dial_policy, outbound_guard
from hotline.models_fax import FaxJob
from hotline.row_checks import any_row
from hotline.settings import Settings

log = logging.getLogger(__name__)

POLL_INTERVAL_S: Final = 2.0
DIAL_TIMEOUT_S: Final = 45
# How long to wait for the far (;2) half's cause once the near half is gone.
FAR_CAUSE_WAIT_S: Final = 3.0
# A fax of MAX_PAGES pages at 2400 bps takes well under this; an attempt
# without any report after it is counted as failed (lost AGI, restart).
STUCK_AFTER: Final = timedelta(minutes=20)
PSTN_CONTEXT: Final = "to-pstn"
# Waits for the dialled leg to be bridged, then SendFAX (see extensions.conf).
FAX_BACK_EXTENSION: Final = "send-dialled"


def leg_channel_id(job_id: int, attempt: int) -> str:
    return f"hl-fax-{job_id}-{attempt}"


def far_channel_id(channel_id: str) -> str:
    """The id of the Local;2 half (the one dialling through to-pstn)."""
    return f"{channel_id}-far"


class LegCauses:
    """Hangup causes of both Local halves of one attempt, as their events arrive."""

    def __init__(self) -> None:
        self.near: int | None = None
        self.far: int | None = None
        self.far_gone = asyncio.Event()


class FaxBackScheduler:
    def __init__(self, ari: AriClient, settings: Settings, watchers: ChannelObservers) -> None:
        self._ari = ari
        self._settings = settings
        self._watchers = watchers
        self._ops = ChannelOpsExecutor(ari)
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
        paths = FaxPaths.from_settings(self._settings)
        for job in await services.due_fax_back_jobs(services.now()):
            channel_id = leg_channel_id(job.id, job.attempts + 1)
            await services.start_fax_back_attempt(job, channel_id)
            document = job.document
            if document is None:
                await services.fax_back_attempt_failed(job.id, "no_document", "document deleted")
                continue
            if not await self._may_dial(job):
                continue
            log.info("fax job %d: attempt %d to %s", job.id, job.attempts, job.remote_number)
            far_id = far_channel_id(channel_id)
            causes = LegCauses()
            self._watchers[channel_id] = self._near_watcher(job.id, channel_id, causes)
            self._watchers[far_id] = self._far_watcher(far_id, causes)
            try:
                # Straight into the dialplan, not through Stasis: a channel
                # originated into an app has no PBX to continue into, so
                # /continue would hang it up instead of running SendFAX.
                await self._ops.run(
                    Originate(
                        f"Local/{job.remote_number}@{PSTN_CONTEXT}/n",
                        channel_id,
                        other_channel_id=far_id,
                        context=FAX_CONTEXT,
                        extension=FAX_BACK_EXTENSION,
                        priority=1,
                        variables=(
                            ("HOTLINE_FAX_JOB", str(job.id)),
                            ("HOTLINE_FAX_FILE", str(paths.for_asterisk(Path(document.tiff_path)))),
                        ),
                        caller_id='"Hotline fax"',
                        timeout_s=DIAL_TIMEOUT_S,
                    )
                )
                # Events of a channel outside Stasis only come when asked for.
                await self._subscribe(channel_id)
                try:
                    await self._subscribe(far_id)
                except AriError:
                    # Already gone (a refusal faster than this request): the near
                    # half's event still ends the attempt, only the cause is vaguer.
                    self._watchers.pop(far_id, None)
                    causes.far_gone.set()
            except AriNotFound:
                # Gone before we could watch it: refused at once (no route, congestion).
                self._forget(channel_id)
                await self._leg_gone(job.id, None, "congestion")
            except AriError as exc:
                self._forget(channel_id)
                await services.fax_back_attempt_failed(job.id, "congestion", f"originate: {exc}")

    async def _may_dial(self, job: FaxJob) -> bool:
        """The dial rules allow the job's number now (audited either way)."""
        caller = await outbound_guard.requester(
            dial_policy.FAX_BACK, job.remote_number, job.created_at
        )
        refusal = dial_policy.check_number(job.remote_number, outbound_guard.rules(self._settings))
        if refusal is not None:
            log.warning("fax job %d: %s refused (%s)", job.id, job.remote_number, refusal.reason)
            await services.fax_back_attempt_failed(
                job.id, core.REFUSED, f"destination refused: {refusal.reason}"
            )
            await outbound_guard.audit_pstn(
                "fax_back_refused",
                "pstn_number",
                job.remote_number,
                caller,
                {
                    "number": job.remote_number,
                    "reason": refusal.reason,
                    "detail": refusal.detail,
                    "job": job.id,
                },
                tenant_id=job.tenant_id,
            )
            return False
        await outbound_guard.audit_placed(
            dial_policy.FAX_BACK,
            caller,
            job.remote_number,
            tenant_id=job.tenant_id,
            job=job.id,
            attempt=job.attempts,
        )
        return True

    async def _subscribe(self, channel_id: str) -> None:
        await self._ops.run(WatchChannel(self._settings.ari_app, channel_id))

    def _forget(self, channel_id: str) -> None:
        self._watchers.pop(channel_id, None)
        self._watchers.pop(far_channel_id(channel_id), None)

    def _near_watcher(
        self, job_id: int, channel_id: str, causes: LegCauses
    ) -> Callable[[AriEvent], None]:
        def on_event(event: AriEvent) -> None:
            if event.type != CHANNEL_DESTROYED:
                return
            self._watchers.pop(channel_id, None)
            causes.near = event.cause
            task = asyncio.create_task(self._near_gone(job_id, channel_id, causes))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

        return on_event

    def _far_watcher(self, far_id: str, causes: LegCauses) -> Callable[[AriEvent], None]:
        def on_event(event: AriEvent) -> None:
            if event.type != CHANNEL_DESTROYED:
                return
            self._watchers.pop(far_id, None)
            causes.far = event.cause
            causes.far_gone.set()

        return on_event

    async def _near_gone(self, job_id: int, channel_id: str, causes: LegCauses) -> None:
        if not causes.far_gone.is_set():
            # The far half usually goes right after the near one; its cause is the real one.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(causes.far_gone.wait(), FAR_CAUSE_WAIT_S)
        self._watchers.pop(far_channel_id(channel_id), None)
        await self._leg_gone(job_id, core.attempt_cause(causes.near, causes.far))

    async def _leg_gone(self, job_id: int, cause: int | None, outcome: str = "") -> None:
        job = await FaxJob.get_or_none(id=job_id)
        # Still dialling when the leg is destroyed: no fax result was reported
        # (the dialplan reports it before the channel goes), so it never got through.
        if job is not None and job.status == core.DIALLING:
            outcome = outcome or core.outcome_of_cause(cause)
            await services.fax_back_attempt_failed(job_id, outcome, f"{outcome} (cause {cause})")

    async def fail_stuck_attempts(self) -> None:
        if not await any_row(FaxJob, kind="fax_back", status=(core.DIALLING, core.SENDING)):
            return  # nothing in flight (hotline/row_checks.py)
        cutoff = services.now() - STUCK_AFTER
        stuck = await FaxJob.filter(
            kind="fax_back", status__in=[core.DIALLING, core.SENDING], updated_at__lt=cutoff
        )
        for job in stuck:
            self._forget(leg_channel_id(job.id, job.attempts))
            await services.fax_back_attempt_failed(job.id, "fax_failed", "no result reported")
