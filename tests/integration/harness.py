"""Test-side ARI harness: callers that dial DIDs, press keys and record what they hear.

The callers live in their own Stasis app (``hotline-test``) so the test, not
Hotline, controls them.  A caller is the ``;1`` half of a Local channel whose
``;2`` half enters ``from-pstn`` like a PSTN call; recording the ``;1`` half
captures exactly the audio Hotline sends to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound
from ari_apps.ari.events import AriEvent
from tests.integration.audio import Audio, read_wav

TEST_APP = "hotline-test"
_counter = itertools.count(1)


@dataclass
class SimCaller:
    harness: AriHarness
    channel_id: str
    did: str
    caller_id: str
    recordings: list[str] = field(default_factory=list)

    async def wait_answered(self, timeout_s: float = 10) -> None:
        await self.harness.wait_event(self.channel_id, "StasisStart", timeout_s)

    async def press(self, digits: str) -> None:
        await self.harness.ari.send_dtmf(self.channel_id, digits, between_ms=150)

    async def start_recording(self) -> str:
        name = f"hl-test-{self.channel_id}-{len(self.recordings)}"
        await self.harness.ari.record(self.channel_id, name, format="wav", if_exists="overwrite")
        self.recordings.append(name)
        await self.harness.wait_event(self.channel_id, "RecordingStarted", 5)
        return name

    async def stop_recording(self, name: str) -> Audio:
        with contextlib.suppress(AriNotFound):
            await self.harness.ari.stop_live_recording(name)
        # The WAV header is only complete once Asterisk reports the recording finished.
        await self.harness.wait_event(self.channel_id, "RecordingFinished", 5, name=name)
        data = await self.harness.ari.get_stored_recording_file(name)
        with contextlib.suppress(AriError):
            await self.harness.ari.delete_stored_recording(name)
        if not data.startswith(b"RIFF"):
            raise AssertionError(f"recording {name} is not a WAV file: {data[:80]!r}")
        return read_wav(data)

    async def listen(self, seconds: float) -> Audio:
        name = await self.start_recording()
        await asyncio.sleep(seconds)
        return await self.stop_recording(name)

    async def play(self, media: str) -> None:
        await self.harness.ari.play(self.channel_id, media)

    async def hangup(self) -> None:
        with contextlib.suppress(AriNotFound):
            await self.harness.ari.hangup(self.channel_id)

    async def is_up(self) -> bool:
        try:
            await self.harness.ari.get_channel(self.channel_id)
        except AriNotFound:
            return False
        return True


class AriHarness:
    def __init__(self, url: str, user: str, password: str, app: str = TEST_APP) -> None:
        self.events: dict[str, list[AriEvent]] = defaultdict(list)
        self._changed = asyncio.Condition()
        self.ari = AriClient(
            url,
            user,
            password,
            app,
            on_channel_event=self._record,
            on_global_event=self._record,
        )
        self._task: asyncio.Task[None] | None = None

    async def _record(self, event: AriEvent) -> None:
        async with self._changed:
            self.events[event.channel_id or ""].append(event)
            self._changed.notify_all()

    async def start(self) -> None:
        self._task = asyncio.create_task(self.ari.run())
        deadline = time.monotonic() + 10
        while not self.ari.connected:
            if time.monotonic() > deadline:
                raise AssertionError("test ARI app did not connect")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        await self.ari.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def wait_event(
        self, channel_id: str, event_type: str, timeout_s: float, name: str | None = None
    ) -> AriEvent:
        async def found() -> AriEvent:
            async with self._changed:
                while True:
                    for event in self.events.get(channel_id, []):
                        if event.type == event_type and (
                            name is None or event.recording_name == name
                        ):
                            return event
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(found(), timeout_s)
        except TimeoutError:
            seen = [e.type for e in self.events.get(channel_id, [])]
            raise AssertionError(
                f"no {event_type} on {channel_id} within {timeout_s} s; saw {seen}"
            ) from None

    async def call(
        self,
        did: str,
        caller_id: str = "5550100",
        answer_timeout_s: float = 10,
        context: str = "from-pstn",
    ) -> SimCaller:
        """Dial ``did`` in ``context``: ``from-pstn`` as a caller from outside,
        ``hotline-agents`` as an agent's phone does (feature codes)."""
        channel_id = f"hl-test-caller-{next(_counter)}-{uuid.uuid4().hex[:6]}"
        await self.ari.originate(
            f"Local/{did}@{context}/n",
            channel_id=channel_id,
            app=TEST_APP,
            caller_id=f'"Test caller" <{caller_id}>',
            timeout_s=30,
        )
        caller = SimCaller(self, channel_id, did, caller_id)
        await caller.wait_answered(answer_timeout_s)
        return caller

    async def channels(self) -> list[dict[str, Any]]:
        return list(await self.ari.list_channels())

    async def bridges(self) -> list[dict[str, Any]]:
        return list(await self.ari.list_bridges())

    async def snoop(self, channel_id: str, spy: str) -> str:
        """Snoop a channel into the test app; returns the snoop channel id."""
        snoop_id = f"hl-test-snoop-{next(_counter)}"
        await self.ari.request(
            "POST",
            f"/channels/{channel_id}/snoop",
            params={"spy": spy, "app": TEST_APP, "snoopId": snoop_id},
        )
        await self.wait_event(snoop_id, "StasisStart", 5)
        return snoop_id

    async def hangup_all_test_channels(self) -> None:
        for channel in await self.channels():
            if str(channel["id"]).startswith("hl-test-"):
                with contextlib.suppress(AriError):
                    await self.ari.hangup(str(channel["id"]))
