"""FastAGI scripts we ship, keyed by script path (``agi://host:4573/<name>``)."""

from __future__ import annotations

from typing import Final

from agi_scripts.fax_handlers import fax_result
from agi_scripts.server import AST_STATE_UP, AgiHandler, AgiSession


async def hello(session: AgiSession) -> None:
    """Smoke-test script: proves the dialplan reached us and we can talk back.

    Sets ``HOTLINE_AGI=ok`` and ``HOTLINE_AGI_CALLER`` (the ``agi_callerid``
    header) on the channel, answering first only if it is not up yet so it can
    also run on already-bridged or early-media channels.
    """
    if await session.channel_status() != AST_STATE_UP:
        await session.answer()
    await session.set_variable("HOTLINE_AGI", "ok")
    await session.set_variable("HOTLINE_AGI_CALLER", session.request.caller_id)


HANDLERS: Final[dict[str, AgiHandler]] = {"hello": hello, "fax_result": fax_result}
