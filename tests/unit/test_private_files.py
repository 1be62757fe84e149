"""Hotline's files under var/ are private (the database holds SIP passwords)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hotline.db import close_db, init_db
from hotline.private_files import make_var_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.security
def test_given_world_readable_var_when_made_private_then_only_the_owner_reads_it(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    (var / "log").mkdir(parents=True)
    (var / "log" / "hotline.log").write_text("caller 5550100")
    (var / "fax" / "received").mkdir(parents=True)
    (var / "fax" / "received" / "fax-1.pdf").write_bytes(b"%PDF-")
    (var / "hotline.sqlite3").write_bytes(b"")
    (var / "sounds" / "en").mkdir(parents=True)
    (var / "sounds" / "en" / "hello.wav").write_bytes(b"")
    (var / "asterisk-etc").mkdir()
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not ours")
    (var / "link").symlink_to(outside)
    for path in var.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    outside.chmod(0o644)

    make_var_private(var)

    assert _mode(var) == 0o711
    for private in ("log", "log/hotline.log", "fax", "fax/received", "hotline.sqlite3"):
        assert _mode(var / private) & 0o077 == 0, private
    # What a system Asterisk (another user) reads stays readable, and a link
    # is never followed.
    assert _mode(var / "sounds" / "en" / "hello.wav") == 0o644
    assert _mode(var / "asterisk-etc") == 0o755
    assert _mode(outside) == 0o644


@pytest.mark.security
async def test_given_a_new_sqlite_database_then_it_is_private(tmp_path: Path) -> None:
    database = tmp_path / "hotline.sqlite3"
    await init_db(f"sqlite://{database}")
    try:
        assert database.exists()
        assert _mode(database) & 0o077 == 0
    finally:
        await close_db()
