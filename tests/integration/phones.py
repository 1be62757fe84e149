"""Real SIP phones for tests (the phone itself lives in ari_apps/demo_call/phone.py,
shared with ``make demo-call``) and the polling helper the real-call tests use."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterable
from typing import Any

from ari_apps.demo_call.phone import (
    BARESIP_MODULES,
    MwiWatch,
    SipPhone,
    free_tcp_port,
    free_udp_port,
)

__all__ = [
    "MwiWatch",
    "SipPhone",
    "baresip_available",
    "free_tcp_port",
    "free_udp_port",
    "wait_until",
]


def baresip_available() -> bool:
    return shutil.which("baresip") is not None and BARESIP_MODULES.is_dir()


async def wait_until(predicate: object, timeout_s: float, what: str) -> None:
    """Poll an async or sync predicate; raise AssertionError naming what we waited for."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate() if callable(predicate) else predicate
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.2)


async def wait_for_prompts(api: Any, names: Iterable[str], timeout_s: float = 60) -> None:
    """The demo's text-to-speech prompts are drafted beside a starting
    Hotline (hotline/__main__.py): a test that runs first waits for them."""
    wanted = set(names)

    async def drafted() -> bool:
        listed = {str(p.get("name")) for p in await api.get("/prompts")}
        return wanted <= listed

    await wait_until(drafted, timeout_s, f"the demo prompts {sorted(wanted)}")
