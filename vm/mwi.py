"""Message-waiting indication: how box counts reach the phones' lamps.

The intended path is ARI mailboxes (``PUT /mailboxes/<box>@hotline``), which
needs Asterisk's res_mwi_external + res_ari_mailboxes.  Debian's Asterisk
(the sandbox) does not build them: menuselect marks res_mwi_external as
conflicting with app_voicemail, so Debian ships app_voicemail and ARI
answers 404 on /mailboxes.

The fallback uses what stock Debian has: app_voicemail polls the mailboxes
phones subscribe to (voicemail.conf ``pollmailboxes=yes``, rendered from
asterisk/config/voicemail.conf) and publishes MWI from the number of
``msgNNNN.txt`` files in ``voicemail/hotline/<box>/INBOX`` (new) and
``.../Old`` (old).  We keep that many marker files there; the audio itself
stays in our own store.  Either way, PJSIP endpoints with
``mailboxes=<box>@hotline`` get NOTIFYs when the counts change.

Why this fallback and not app_minivm's ``MinivmMWI(box@hotline,urgent,new,old)``,
which publishes MWI state directly: that needs a channel per update (a Local
channel originated into a dialplan context, or an AGI EXEC on a call), so an
update during an Asterisk restart or with no channel capacity is lost, and the
startup reconcile would originate one channel per box.  The marker files are
plain state: app_voicemail picks up whatever is there within ``pollfreq``
seconds, including after Asterisk restarts.  Proven end to end by
tests/integration/test_voicemail.py: a registered baresip phone (message-summary
subscription) is told "Messages-Waiting: yes" after a message is left and "no"
after it is deleted through the API.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Final

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriNotFound
from ari_apps.executor import ChannelOpsExecutor, DeleteMailbox, SetMailboxCounts

log = logging.getLogger(__name__)

VOICEMAIL_SPOOL: Final = "var/spool/asterisk/voicemail"
_MARKER: Final = (
    "; Hotline MWI marker: app_voicemail counts these files; the message is in Hotline.\n"
)


class SpoolMwi:
    """MWI through app_voicemail's mailbox polling (stock Debian Asterisk)."""

    def __init__(self, asterisk_root: str) -> None:
        self.spool = Path(asterisk_root or "/") / VOICEMAIL_SPOOL

    async def set_mwi(self, mailbox: str, new_messages: int, old_messages: int) -> None:
        await asyncio.to_thread(self._write, mailbox, new_messages, old_messages)

    async def clear_mwi(self, mailbox: str) -> None:
        await asyncio.to_thread(self._write, mailbox, 0, 0)

    def _write(self, mailbox: str, new_messages: int, old_messages: int) -> None:
        number, _, context = mailbox.partition("@")
        if not number.isdigit() or not context.isalnum():
            raise ValueError(f"bad mailbox {mailbox!r}")
        box_dir = self.spool / context / number
        for folder, count in (("INBOX", new_messages), ("Old", old_messages)):
            directory = box_dir / folder
            directory.mkdir(parents=True, exist_ok=True)
            wanted = {f"msg{index:04d}.txt" for index in range(count)}
            for existing in directory.glob("msg*.txt"):
                if existing.name not in wanted:
                    existing.unlink(missing_ok=True)
            for name in wanted:
                marker = directory / name
                if not marker.exists():
                    marker.write_text(_MARKER, encoding="utf-8")


class AriMwi:
    """ARI mailboxes when Asterisk has them, else the spool fallback."""

    def __init__(self, ari: AriClient, fallback: SpoolMwi) -> None:
        self.ari = ari
        self.ops = ChannelOpsExecutor(ari)
        self.fallback = fallback
        self.ari_mailboxes: bool | None = None  # unknown until the first try

    async def set_mwi(self, mailbox: str, new_messages: int, old_messages: int) -> None:
        if self.ari_mailboxes is not False:
            try:
                await self.ops.run(SetMailboxCounts(mailbox, new_messages, old_messages))
                self.ari_mailboxes = True
                return
            except AriNotFound:
                if self.ari_mailboxes is None:
                    log.info(
                        "ARI has no /mailboxes (no res_mwi_external); "
                        "MWI goes through app_voicemail's mailbox polling"
                    )
                self.ari_mailboxes = False
        await self.fallback.set_mwi(mailbox, new_messages, old_messages)

    async def clear_mwi(self, mailbox: str) -> None:
        if self.ari_mailboxes:
            await self.ops.run(DeleteMailbox(mailbox))
        else:
            await self.fallback.clear_mwi(mailbox)
