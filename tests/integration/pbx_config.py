"""Test-only Asterisk config that lives in Hotline's include files while a test runs.

A test that needs a fax machine at a ``to-pstn`` number, or a trunk, appends
it to ``hotline-custom.conf`` (dialplan) or ``hotline-trunks.conf`` (PJSIP),
reloads that part of Asterisk, and puts the file back afterwards, exactly as
it was (including "absent").
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

from hotline.dialplan_apply import KINDS, DialplanApplier, touch, write_atomically
from hotline.settings import load_settings


async def _apply(applier: DialplanApplier, texts: Mapping[str, str | None]) -> None:
    for kind, text in texts.items():
        write_atomically(applier.path_of(kind), text, applier.asterisk_root)
        # The parent file's mtime makes Asterisk re-read its #tryinclude.
        touch(applier.etc_dir / KINDS[kind].parent_filename)
        await applier.cli.run(KINDS[kind].reload_command)


@contextlib.asynccontextmanager
async def extra_config(**additions: str) -> AsyncIterator[DialplanApplier]:
    """``dialplan=...`` and/or ``trunks=...`` appended while the block runs."""
    applier = DialplanApplier.from_settings(load_settings())
    before = {kind: applier.live_text(kind) for kind in additions}
    await _apply(applier, {kind: (before[kind] or "") + text for kind, text in additions.items()})
    try:
        yield applier
    finally:
        await _apply(applier, before)
