"""An SQLite URL may carry pragmas (``?synchronous=NORMAL``): they reach
SQLite, and the database file is the URL without them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise import connections

from hotline.db import close_db, init_db, sqlite_file
from hotline.models import AuditEntry

# PRAGMA synchronous answers with a number.
SYNCHRONOUS_NORMAL = 1
SYNCHRONOUS_FULL = 2


def test_the_database_file_is_the_url_without_its_pragmas() -> None:
    assert sqlite_file("sqlite:///var/h.sqlite3?synchronous=NORMAL") == Path("/var/h.sqlite3")
    assert sqlite_file("sqlite:///var/h.sqlite3") == Path("/var/h.sqlite3")
    assert sqlite_file("sqlite://:memory:") is None
    assert sqlite_file("postgres://localhost/hotline") is None


async def _synchronous() -> int:
    rows = await connections.get("default").execute_query_dict("PRAGMA synchronous")
    return int(rows[0]["synchronous"])


@pytest.mark.parametrize(
    ("suffix", "expected"),
    # SQLite's own default is FULL: every commit synced.
    [("", SYNCHRONOUS_FULL), ("?synchronous=NORMAL", SYNCHRONOUS_NORMAL)],
)
async def test_an_opened_database_runs_with_the_urls_pragmas_and_its_file_is_private(
    tmp_path: Path, suffix: str, expected: int
) -> None:
    database = tmp_path / "sub" / "h.sqlite3"
    await init_db(f"sqlite://{database}{suffix}")
    try:
        assert await _synchronous() == expected
        await AuditEntry.create(username="alice", action="login", object_type="user")
        assert await AuditEntry.filter(username="alice").count() == 1
    finally:
        await close_db()
    # The file is where the URL says, not a name with "?synchronous=..." in it.
    assert database.is_file()
    assert not [path.name for path in database.parent.iterdir() if "?" in path.name]
    assert database.stat().st_mode & 0o777 == 0o600
