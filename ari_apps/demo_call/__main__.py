"""``make demo-call``: the demo call without a phone of your own.

It starts a demo agent phone (baresip, auto-answering, registered as the
first demo agent whose phone is not registered), makes that agent ready,
dials DID 8000 as a PSTN caller would (a Local channel into ``from-pstn``,
held by this command's own Stasis app), presses 1, and reports whether the
ACD connected an agent.  Everything it started or changed is put back:
the call is hung up, the phone unregisters, the agent's state is restored.

Exit status: 0 when an agent answered, 1 when not, 2 when it could not try.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError
from ari_apps.ari.events import STASIS_START, AriEvent
from ari_apps.demo_call.api import HotlineApi
from ari_apps.demo_call.phone import SipPhone
from hotline.settings import load_settings, read_env_file

DEMO_AGENTS = ("1001", "1002")
DEMO_APP = "hotline-demo-call"


class CannotTry(Exception):
    """The demo call could not be placed; the message says what to do."""


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.2)
    return False


class DemoCall:
    def __init__(self, env: dict[str, str], did: str, wait_s: float) -> None:
        self.env = env
        self.did = did
        self.wait_s = wait_s
        self.api = HotlineApi(env)
        self.answered = asyncio.Event()
        self.ari = AriClient(
            env["HOTLINE_ARI_URL"],
            env["HOTLINE_ARI_USER"],
            env["HOTLINE_ARI_PASSWORD"],
            DEMO_APP,
            on_channel_event=self._on_event,
        )

    async def _on_event(self, event: AriEvent) -> None:
        if event.type == STASIS_START:
            self.answered.set()

    async def _free_agent(self) -> str:
        try:
            agents = {a["extension"]: a for a in await self.api.get("/agents")}
        except (urllib.error.URLError, OSError) as error:
            raise CannotTry(
                f"Hotline's API does not answer ({error}); run `make up` first"
            ) from None
        for extension in DEMO_AGENTS:
            if extension in agents and not agents[extension]["registered"]:
                return extension
        raise CannotTry(
            "both demo agents' phones (1001, 1002) are registered already: "
            "dial 8000 from one of them and press 1 to reach the other"
        )

    async def run(self) -> bool:
        extension = await self._free_agent()
        with tempfile.TemporaryDirectory(prefix="hotline-demo-phone-") as workdir:
            phone = SipPhone(
                extension=extension,
                password=self.env["HOTLINE_DEMO_SIP_PASSWORD"],
                sip_host=self.env["HOTLINE_SIP_HOST"],
                sip_port=int(self.env["HOTLINE_SIP_PORT"]),
                workdir=Path(workdir),
                mwi=False,
            )
            phone.start()
            try:
                return await self._with_phone(extension, phone)
            finally:
                phone.stop()

    async def _with_phone(self, extension: str, phone: SipPhone) -> bool:
        async def registered() -> bool:
            return bool((await self.api.get(f"/agents/{extension}"))["registered"])

        if not await _until(registered, 20):
            raise CannotTry(f"the demo phone did not register as {extension}:\n{phone.log()}")
        print(f"demo-call: a demo phone registered as agent {extension}")
        before = await self.api.get(f"/agents/{extension}")
        if before["state"] == "logged_out":
            await self.api.post(f"/agents/{extension}/login")
        if (await self.api.get(f"/agents/{extension}"))["state"] == "not_ready":
            await self.api.post(f"/agents/{extension}/ready")
        try:
            return await self._call(extension)
        finally:
            await self._restore(extension, before)

    async def _restore(self, extension: str, before: dict[str, Any]) -> None:
        with contextlib.suppress(urllib.error.URLError, OSError):
            if before["state"] == "logged_out":
                await self.api.post(f"/agents/{extension}/logout")
            elif before["state"] == "not_ready":
                try:
                    await self.api.post(f"/agents/{extension}/pause", {"reason": before["reason"]})
                except urllib.error.HTTPError:
                    # A reason the ACD set itself ("missed", "logged_in") is
                    # not one an agent may choose: pause with the default.
                    await self.api.post(f"/agents/{extension}/pause", {})

    async def _call(self, extension: str) -> bool:
        runner = asyncio.create_task(self.ari.run())
        channel_id = f"hl-demo-call-{uuid.uuid4().hex[:8]}"
        try:

            async def ari_connected() -> bool:
                return self.ari.connected

            if not await _until(ari_connected, 10):
                raise CannotTry(f"cannot reach ARI: {self.ari.last_failure}")
            started = time.monotonic()
            await self.ari.originate(
                f"Local/{self.did}@from-pstn/n",
                channel_id=channel_id,
                app=DEMO_APP,
                caller_id='"Demo caller" <5550199>',
                timeout_s=30,
            )
            await asyncio.wait_for(self.answered.wait(), 15)
            print(f"demo-call: dialled {self.did}; the greeting plays; pressing 1")
            await asyncio.sleep(1.0)
            await self.ari.send_dtmf(channel_id, "1")
            # Hotline sees the ;2 half of the Local channel as the caller.
            call_id = f"{channel_id};2"

            async def connected() -> bool:
                agent = await self.api.get(f"/agents/{extension}")
                return bool(agent["state"] == "on_call" and agent["connected_call_id"] == call_id)

            if await _until(connected, self.wait_s):
                waited = time.monotonic() - started
                print(f"demo-call: agent {extension} answered after {waited:.1f} s. It works.")
                return True
            agent = await self.api.get(f"/agents/{extension}")
            print(
                f"demo-call: no agent answered within {self.wait_s:.0f} s "
                f"(agent {extension}: {agent['state']}, registered={agent['registered']}); "
                "see var/log/hotline.log",
                file=sys.stderr,
            )
            return False
        finally:
            with contextlib.suppress(AriError):
                await self.ari.hangup(channel_id)
            await self.ari.close()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="make demo-call", description=__doc__.split("\n")[0])
    parser.add_argument("--did", default="8000")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for an agent")
    args = parser.parse_args()
    env = read_env_file(load_settings().run_dir / "hotline.env")
    if not env.get("HOTLINE_WEB_URL"):
        sys.exit("demo-call: Hotline is not up (no var/run/hotline.env): run `make up` first")
    try:
        reached = asyncio.run(DemoCall(env, args.did, args.wait).run())
    except CannotTry as problem:
        print(f"demo-call: {problem}", file=sys.stderr)
        sys.exit(2)
    except TimeoutError:
        print("demo-call: the call to the demo DID was not answered", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if reached else 1)


if __name__ == "__main__":
    main()
