"""The bench's floor: the fewest moves a Python ARI app makes for the bench's call.

It serves DID 8000 in Hotline's place with the REST requests Hotline makes
for this call (tests/bench/hotline_call.py; an integration test checks
Hotline against that list, and test_floor_app.py checks this app),
in the same order (answer, greeting, the greeting stopped on "1", "one moment
please", a queue bridge with music, an agent originated into the app,
music off, the agent added, the agent's leg and the bridge gone at hang-up)
and the same transport: uvloop, aiohttp's websocket for events with
Hotline's event filter and its subscription to every PJSIP endpoint,
orjson, and Hotline's keep-alive HTTP/1.1 pool (``AriHttp``) for REST.

What it leaves out is everything Hotline does around those requests: no
database, call timeline, logging, flow engine, ACD beyond a first-free list
of agents, restart adoption or fallback when something fails. Its CPU per
call under ``make bench``'s ramp is a floor under Hotline's own figure on
the same box and the same calls, not an alternative to Hotline.

    python -m tests.bench.floor_app --agents 4001-4252 --wrap-up-s 3
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
import uvloop

from ari_apps.ari.events import HANDLED_EVENT_TYPES
from ari_apps.ari.rest_base import AriHttp, Query, segment
from hotline.settings import load_settings

GREETING = "sound:hello-world"
HOLD_PROMPT = "sound:one-moment-please"
MENU_DIGIT = "1"
RING_TIMEOUT_S = 15
GREETING_SUFFIX = "-pb-1"
HOLD_PROMPT_SUFFIX = "-pb-2"
READY = "floor app ready"  # its first line on stdout

Request = Callable[[str, str, Query | None], Awaitable[Any]]


@dataclass
class Caller:
    channel_id: str
    bridge_id: str | None = None
    agent_channel_id: str | None = None
    agent: str | None = None
    gone: bool = False


@dataclass
class FloorApp:
    """Events in, requests out; ``request`` is ``AriHttp.request`` in a run."""

    request: Request
    app: str
    agents: list[str]
    wrap_up_s: float
    free_agents: collections.deque[str] = field(init=False)
    waiting: collections.deque[Caller] = field(default_factory=collections.deque)
    callers: dict[str, Caller] = field(default_factory=dict)
    agent_legs: dict[str, Caller] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    originated: int = 0

    def __post_init__(self) -> None:
        self.free_agents = collections.deque(self.agents)

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "StasisStart":
            self._stasis_start(event["channel"]["id"], event.get("args") or [])
        elif kind == "ChannelDtmfReceived":
            caller = self.callers.get(event["channel"]["id"])
            if caller is not None and event.get("digit") == MENU_DIGIT and caller.bridge_id is None:
                caller.bridge_id = f"floor-q-{caller.channel_id}"
                self._spawn(self._hold(caller))
        elif kind == "PlaybackFinished":
            playback_id: str = event["playback"]["id"]
            if playback_id.endswith(HOLD_PROMPT_SUFFIX):
                caller = self.callers.get(playback_id.removesuffix(HOLD_PROMPT_SUFFIX))
                if caller is not None:
                    self._spawn(self._queue(caller))
        elif kind in ("StasisEnd", "ChannelDestroyed"):
            self._channel_gone(event["channel"]["id"])

    def _stasis_start(self, channel_id: str, args: list[str]) -> None:
        if args[:1] == ["inbound"]:
            caller = Caller(channel_id)
            self.callers[channel_id] = caller
            self._spawn(self._greet(caller))
        elif args[:1] == ["agent"]:
            ringing = self.agent_legs.get(channel_id)
            if ringing is not None:
                self._spawn(self._connect(ringing, channel_id))

    def _channel_gone(self, channel_id: str) -> None:
        caller = self.callers.pop(channel_id, None)
        if caller is not None:
            caller.gone = True
            self._spawn(self._caller_left(caller))
            return
        caller = self.agent_legs.pop(channel_id, None)
        if caller is not None and not caller.gone:
            # The agent's leg failed or hung up first: that agent rests and
            # the caller is offered to the next one.
            self._release(caller)
            self._spawn(self._offer(caller))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        # A failed request fails the bench's call, which the bench counts.
        if not task.cancelled():
            task.exception()

    async def _greet(self, caller: Caller) -> None:
        channel = segment(caller.channel_id)
        await self.request("POST", f"/channels/{channel}/answer", None)
        await self.request(
            "POST", f"/channels/{channel}/play", _play(caller, GREETING, GREETING_SUFFIX)
        )

    async def _hold(self, caller: Caller) -> None:
        with contextlib.suppress(Exception):  # the greeting may have ended by itself
            await self.request(
                "DELETE", f"/playbacks/{segment(caller.channel_id + GREETING_SUFFIX)}", None
            )
        await self.request(
            "POST",
            f"/channels/{segment(caller.channel_id)}/play",
            _play(caller, HOLD_PROMPT, HOLD_PROMPT_SUFFIX),
        )

    async def _queue(self, caller: Caller) -> None:
        assert caller.bridge_id is not None
        bridge = segment(caller.bridge_id)
        await self.request(
            "POST", "/bridges", {"type": "mixing", "bridgeId": caller.bridge_id, "name": "floor"}
        )
        await self.request("POST", f"/bridges/{bridge}/addChannel", {"channel": caller.channel_id})
        await self.request("POST", f"/bridges/{bridge}/moh", {"mohClass": "default"})
        await self._offer(caller)

    async def _offer(self, caller: Caller) -> None:
        if caller.gone:
            return
        if not self.free_agents:
            self.waiting.append(caller)
            return
        agent = self.free_agents.popleft()
        self.originated += 1
        leg = f"floor-agent-{agent}-{self.originated}"
        caller.agent, caller.agent_channel_id = agent, leg
        self.agent_legs[leg] = caller
        await self.request(
            "POST",
            "/channels",
            {
                "endpoint": f"PJSIP/{agent}",
                "channelId": leg,
                "app": self.app,
                "appArgs": f"agent,{caller.channel_id},{agent}",
                "callerId": "",
                "timeout": RING_TIMEOUT_S,
            },
        )

    async def _connect(self, caller: Caller, leg: str) -> None:
        assert caller.bridge_id is not None
        bridge = segment(caller.bridge_id)
        await self.request("DELETE", f"/bridges/{bridge}/moh", None)
        await self.request("POST", f"/bridges/{bridge}/addChannel", {"channel": leg})

    async def _caller_left(self, caller: Caller) -> None:
        if caller.agent_channel_id is not None:
            leg = caller.agent_channel_id
            self.agent_legs.pop(leg, None)
            self._release(caller)
            with contextlib.suppress(Exception):  # the agent may have hung up too
                await self.request("DELETE", f"/channels/{segment(leg)}", None)
        if caller.bridge_id is not None:
            with contextlib.suppress(Exception):
                await self.request("DELETE", f"/bridges/{segment(caller.bridge_id)}", None)

    def _release(self, caller: Caller) -> None:
        agent, caller.agent, caller.agent_channel_id = caller.agent, None, None
        if agent is not None:
            asyncio.get_running_loop().call_later(self.wrap_up_s, self.agent_free, agent)

    def agent_free(self, agent: str) -> None:
        self.free_agents.append(agent)
        while self.waiting:
            caller = self.waiting.popleft()
            if not caller.gone:
                self._spawn(self._offer(caller))
                return


def _play(caller: Caller, media: str, suffix: str) -> Query:
    return {"media": [media], "playbackId": caller.channel_id + suffix, "lang": "en"}


async def serve(app_name: str, agents: list[str], wrap_up_s: float) -> None:
    settings = load_settings()
    http = AriHttp(settings.ari_url, settings.ari_user, settings.ari_password)

    async def request(method: str, path: str, params: Query | None) -> Any:
        return await http.request(method, path, params=params)

    floor = FloorApp(request, app_name, agents, wrap_up_s)
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, main.cancel)
    auth = {"Authorization": aiohttp.encode_basic_auth(settings.ari_user, settings.ari_password)}
    url = http.api_root.replace("http", "ws", 1) + "/events"
    with contextlib.suppress(asyncio.CancelledError):
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                url, params={"app": app_name, "subscribeAll": "false"}, headers=auth, heartbeat=15.0
            ) as ws,
        ):
            allowed = [{"type": name} for name in sorted(HANDLED_EVENT_TYPES)]
            await http.request(
                "PUT", f"/applications/{segment(app_name)}/eventFilter", body={"allowed": allowed}
            )
            # As Hotline does to follow its agents' registrations; this also
            # brings an agent leg's ChannelDestroyed a second time, as it
            # does to Hotline (9 events a call).
            await http.request(
                "POST",
                f"/applications/{segment(app_name)}/subscription",
                params={"eventSource": "endpoint:PJSIP"},
            )
            # Asterisk lists an application after its websocket has gone,
            # so the bench waits for this line, not for /applications.
            print(READY, flush=True)
            async for message in ws:
                if message.type is aiohttp.WSMsgType.TEXT:
                    floor.on_event(orjson.loads(message.data))
    await http.close_http()


def parse_agents(spec: str) -> list[str]:
    """ "4001-4003" -> ["4001", "4002", "4003"]; "4001" -> ["4001"]."""
    first, _, last = spec.partition("-")
    try:
        numbers = range(int(first), int(last or first) + 1)
    except ValueError:
        raise ValueError(f"--agents takes FIRST-LAST extensions, not {spec!r}") from None
    if not numbers:
        raise ValueError(f"--agents {spec!r} names no extension")
    return [str(number) for number in numbers]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--agents", required=True, help="FIRST-LAST extensions, e.g. 4001-4252")
    parser.add_argument("--wrap-up-s", type=float, default=3.0)
    parser.add_argument("--app", default=None, help="ARI application (default: Hotline's)")
    args = parser.parse_args()
    try:
        agents = parse_agents(args.agents)
    except ValueError as error:
        parser.error(str(error))
    app_name = args.app or load_settings().ari_app
    uvloop.run(serve(app_name, agents, args.wrap_up_s))


if __name__ == "__main__":
    main()
