"""The audit log is append-only in the database too: bulk and raw SQL changes are refused.

``AuditEntry.save``/``delete`` guard one instance (test_ui_audit.py); these
go around them, and the SQLite triggers installed by ``init_db`` refuse them.
PostgreSQL has the same tests in tests/integration/test_postgres.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from hotline.db import close_db, init_db
from hotline.models import AuditEntry
from hotline.settings import Settings


async def _two_entries() -> list[dict[str, Any]]:
    await AuditEntry.create(username="alice", action="queue_updated", object_type="queue")
    await AuditEntry.create(username="bob", action="flow_published", object_type="flow")
    return await _stored()


async def _stored() -> list[dict[str, Any]]:
    return await AuditEntry.all().order_by("id").values()


async def _audit_triggers() -> list[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entry'"
        " ORDER BY name"
    )
    return [row["name"] for row in rows]


async def test_given_audit_entries_when_bulk_updated_then_refused_and_rows_unchanged(
    seeded: Settings,
) -> None:
    before = await _two_entries()
    with pytest.raises(IntegrityError, match="audit_entry is append-only: UPDATE refused"):
        await AuditEntry.filter(username="alice").update(action="nothing_happened")
    with pytest.raises(IntegrityError, match="append-only: UPDATE refused"):
        await AuditEntry.all().update(username="mallory")
    assert await _stored() == before


async def test_given_audit_entries_when_bulk_deleted_then_refused_and_rows_unchanged(
    seeded: Settings,
) -> None:
    before = await _two_entries()
    with pytest.raises(IntegrityError, match="audit_entry is append-only: DELETE refused"):
        await AuditEntry.filter(username="bob").delete()
    with pytest.raises(IntegrityError, match="append-only: DELETE refused"):
        await AuditEntry.all().delete()
    assert await _stored() == before


async def test_given_audit_entries_when_raw_sql_updates_or_deletes_then_refused(
    seeded: Settings,
) -> None:
    before = await _two_entries()
    db = connections.get("default")
    with pytest.raises(IntegrityError, match="audit_entry is append-only: UPDATE refused"):
        await db.execute_query("UPDATE audit_entry SET action = ? WHERE id = ?", ["x", 1])
    with pytest.raises(IntegrityError, match="audit_entry is append-only: DELETE refused"):
        await db.execute_query("DELETE FROM audit_entry")
    assert await _stored() == before
    # Appending is what the log is for, and stays allowed.
    await AuditEntry.create(username="carol", action="login", object_type="user")
    assert len(await _stored()) == 3


async def test_given_database_made_before_the_guard_when_opened_again_then_guarded_once(
    seeded: Settings, tmp_path: Path
) -> None:
    await close_db()
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    await init_db(url)
    await AuditEntry.create(username="alice", action="login", object_type="user")
    # As a database from before the triggers existed.
    for name in await _audit_triggers():
        await connections.get("default").execute_query(f'DROP TRIGGER "{name}"')
    await AuditEntry.all().update(action="edited_while_unguarded")
    await close_db()

    for _ in range(2):  # every start installs them; the second changes nothing
        await init_db(url)
        assert await _audit_triggers() == [
            "audit_entry_append_only_delete",
            "audit_entry_append_only_update",
        ]
        with pytest.raises(IntegrityError, match="append-only"):
            await AuditEntry.all().delete()
        await close_db()
    await init_db("sqlite://:memory:")  # the seeded fixture closes what is open
