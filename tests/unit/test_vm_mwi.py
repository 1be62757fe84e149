"""vm.mwi's choice between ARI mailboxes and the app_voicemail spool fallback,
against the in-process ARI stand-in (the sandbox Asterisk has no
res_mwi_external, so the ARI path cannot be seen on a real call here)."""

from __future__ import annotations

from pathlib import Path

from ari_apps.ari import AriClient
from ari_apps.ari.fake_server import FakeAriServer
from vm.mwi import AriMwi, SpoolMwi

INBOX = Path("var/spool/asterisk/voicemail/hotline/5000/INBOX")


async def test_given_ari_mailboxes_then_counts_go_there_and_not_to_the_spool(
    ari: FakeAriServer, client: AriClient, tmp_path: Path
) -> None:
    ari.respond("PUT", "/mailboxes/5000@hotline", 204)
    mwi = AriMwi(client, SpoolMwi(str(tmp_path)))
    await mwi.set_mwi("5000@hotline", 2, 1)
    [request] = ari.requests
    assert (request.method, request.path) == ("PUT", "/mailboxes/5000@hotline")
    assert request.query == {"newMessages": "2", "oldMessages": "1"}
    assert not (tmp_path / INBOX).exists()
    await mwi.clear_mwi("5000@hotline")
    assert (ari.requests[-1].method, ari.requests[-1].path) == ("DELETE", "/mailboxes/5000@hotline")


async def test_given_no_ari_mailboxes_then_the_spool_gets_markers_and_ari_is_asked_once(
    ari: FakeAriServer, client: AriClient, tmp_path: Path
) -> None:
    ari.respond("PUT", "/mailboxes/5000@hotline", 404, {"message": "Resource not found"})
    mwi = AriMwi(client, SpoolMwi(str(tmp_path)))
    await mwi.set_mwi("5000@hotline", 2, 0)
    await mwi.set_mwi("5000@hotline", 1, 0)
    assert len(ari.requests) == 1, "a missing /mailboxes is remembered"
    assert sorted(p.name for p in (tmp_path / INBOX).iterdir()) == ["msg0000.txt"]
    await mwi.clear_mwi("5000@hotline")
    assert list((tmp_path / INBOX).iterdir()) == []
