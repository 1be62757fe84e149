"""Versioned migrations: empty databases, databases from before migrations, later migrations.

The database from before migrations is tests/unit/golden/migrations/
pre_migration.sql: what the last release without migrations (its init_db:
``generate_schemas(safe=True)`` and the append-only triggers) made, seeded,
with a few rows more.  PostgreSQL runs the same migrations in
tests/integration/test_postgres.py.
"""

from __future__ import annotations

import pkgutil
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from tortoise import Tortoise, connections, fields
from tortoise.exceptions import IntegrityError
from tortoise.migrations import operations as ops

import hotline.migrations
from ari_apps import demo_data
from ari_apps.ivr import services as flows
from hotline import migrations_cli, schema_migrations, seed
from hotline.db import close_db, init_db, model_modules, tortoise_config
from hotline.models import AuditEntry, Tenant
from hotline.schema_migrations import (
    INITIAL,
    MIGRATIONS_MODULE,
    apply_migrations,
    apps_config,
    describe,
    if_not_exists,
    indexes_left_unbuilt,
    not_null_without_db_default,
    pending,
    split_sqlite,
)
from hotline.settings import load_settings

# Tables the migrations after the last release without migrations create
# (0004_live_operations: the agent state log).
TABLES_ADDED_SINCE = frozenset(
    {
        "agent_state_log",
        "call_recording",
        "saved_report",
        "callback",
        "campaign",
        "campaign_attempt",
        "campaign_contact",
        "case_action",
        "case_assignment",
        "case_attachment",
        "case_code",
        "case_message",
        "case_notice",
        "case_workflow",
        "customer",
        "customer_mark",
        "customer_number",
        "department",
        "department_member",
        "dnc_number",
        "follow_up",
        "hotline_case",
        "knowledge_article",
        "knowledge_send",
        "knowledge_term",
        "knowledge_version",
        "qa_form",
        "qa_review",
        "message_template",
        "simulated_sms",
        "survey_response",
        "webhook_delivery",
        "webhook_subscription",
    }
)
PRE_MIGRATION_DUMP = Path(__file__).parent / "golden" / "migrations" / "pre_migration.sql"
MIGRATIONS_DIR = Path(hotline.migrations.__file__).parent


def migration_names() -> list[str]:
    return sorted(
        name for _, name, is_pkg in pkgutil.iter_modules([str(MIGRATIONS_DIR)]) if not is_pkg
    )


def load_pre_migration_database(path: Path) -> None:
    database = sqlite3.connect(path)
    try:
        database.executescript(PRE_MIGRATION_DUMP.read_text())
    finally:
        database.close()


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    database = sqlite3.connect(path)
    try:
        return database.execute(sql).fetchall()
    finally:
        database.close()


def tables(path: Path) -> list[str]:
    rows = query(
        path,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name",
    )
    return [name for (name,) in rows]


def every_row(path: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Each table's columns and its rows, in rowid order."""
    found = {}
    for table in tables(path):
        columns = [row[1] for row in query(path, f'PRAGMA table_info("{table}")')]
        selected = ", ".join(f'"{column}"' for column in columns)
        found[table] = (columns, query(path, f'SELECT {selected} FROM "{table}" ORDER BY rowid'))
    return found


def schema(path: Path) -> dict[str, Any]:
    """Columns, foreign keys, indexes and triggers of every table, by name."""
    shape: dict[str, Any] = {}
    for table in tables(path):
        indexes = {}
        for _, name, unique, origin, partial in query(path, f'PRAGMA index_list("{table}")'):
            columns = [row[2] for row in query(path, f'PRAGMA index_info("{name}")')]
            indexes[name] = (unique, origin, partial, columns)
        shape[table] = {
            "columns": {row[1]: row[2:] for row in query(path, f'PRAGMA table_info("{table}")')},
            "foreign keys": sorted(
                row[2:] for row in query(path, f'PRAGMA foreign_key_list("{table}")')
            ),
            "indexes": indexes,
        }
    shape["triggers"] = query(
        path, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    )
    return shape


def applied(path: Path) -> list[tuple[Any, ...]]:
    return query(path, "SELECT id, app, name, applied_at FROM tortoise_migrations ORDER BY id")


@pytest.fixture
def cheap_seed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """seed_demo without this machine's sound catalogue and with a cheap password hash."""
    monkeypatch.setattr(flows, "known_sounds", lambda: None)
    monkeypatch.setattr(
        seed, "PasswordHasher", lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    yield


@pytest.fixture
def migrations_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty databases really run the migrations, not the replay of an earlier run."""
    monkeypatch.setattr(schema_migrations, "_EMPTY_DATABASE_SQL", {})


async def fresh_database(path: Path) -> None:
    await init_db(f"sqlite://{path}")
    await close_db()


async def test_given_an_empty_sqlite_file_when_init_db_then_every_migration_runs_and_seed_works(
    tmp_path: Path, migrations_run: None, cheap_seed: None
) -> None:
    database = tmp_path / "new.sqlite3"
    await init_db(f"sqlite://{database}")
    try:
        assert await pending(apps_config(model_modules())) == []
        settings = load_settings(
            {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ASTERISK_ROOT": str(tmp_path / "ast")}
        )
        await demo_data.seed_demo(settings)
        assert await Tenant.all().count() == 1
        await AuditEntry.create(username="alice", action="login", object_type="user")
        with pytest.raises(IntegrityError, match="append-only"):
            await AuditEntry.all().delete()  # init_db still installs the guards
    finally:
        await close_db()
    assert [row[1:3] for row in applied(database)] == [
        ("models", name) for name in migration_names()
    ]
    # Every table generate_schemas made, M2M tables included, the recorder,
    # and the tables later migrations created.
    load_pre_migration_database(tmp_path / "old.sqlite3")
    expected = {*tables(tmp_path / "old.sqlite3"), "tortoise_migrations", *TABLES_ADDED_SINCE}
    assert set(tables(database)) == expected


async def test_given_empty_databases_when_the_second_replays_the_first_then_schemas_match(
    tmp_path: Path, migrations_run: None
) -> None:
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    await fresh_database(first)
    assert schema_migrations._EMPTY_DATABASE_SQL  # the second one replays
    await fresh_database(second)
    assert schema(second) == schema(first)
    assert [row[1:3] for row in applied(second)] == [row[1:3] for row in applied(first)]


async def test_given_a_database_from_before_migrations_when_init_db_then_every_row_stays(
    tmp_path: Path,
) -> None:
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    load_pre_migration_database(old)
    before = every_row(old)
    assert "tortoise_migrations" not in before
    assert len(before["user_group_member"][1]) == 2  # M2M rows too

    await fresh_database(old)

    after = every_row(old)
    for table, (columns, rows) in before.items():
        selected = ", ".join(f'"{column}"' for column in columns)
        kept = query(old, f'SELECT {selected} FROM "{table}" ORDER BY rowid')
        assert kept == rows, table
    # The initial migration recorded without running, the later ones run.
    assert [row[1:3] for row in applied(old)] == [("models", name) for name in migration_names()]
    # The same schema as a database that ran every migration.
    await fresh_database(new)
    assert schema(old) == schema(new)

    # The next start changes nothing.
    recorded = applied(old)
    await fresh_database(old)
    assert applied(old) == recorded
    assert every_row(old) == after
    assert schema(old) == schema(new)


async def test_given_a_database_from_before_migrations_missing_tables_then_they_are_created(
    tmp_path: Path,
) -> None:
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    load_pre_migration_database(old)
    database = sqlite3.connect(old)
    # As a database made by a release before these tables existed.
    for table in ("user_group_member", "shift_exception", "vm_pin_lockout"):
        database.execute(f'DROP TABLE "{table}"')
    database.commit()
    database.close()
    before = every_row(old)

    await fresh_database(old)

    await fresh_database(new)
    assert schema(old) == schema(new)
    for table, (columns, rows) in before.items():
        selected = ", ".join(f'"{column}"' for column in columns)
        assert query(old, f'SELECT {selected} FROM "{table}" ORDER BY rowid') == rows, table
    assert [row[1:3] for row in applied(old)] == [("models", name) for name in migration_names()]


NEXT_MIGRATION = """
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def fill(apps, schema_editor):
    await schema_editor.client.execute_query("UPDATE tenant SET note = 'was there before'")


class Migration(migrations.Migration):
    dependencies = [("models", "{previous}")]

    operations = [
        ops.AddField(
            model_name="Tenant",
            name="note",
            field=fields.CharField(max_length=32, default="", db_default=""),
        ),
        ops.RunPython(fill),
    ]
"""


@pytest.fixture
def next_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """A migrations package: Hotline's migrations and one more, as a next release ships."""
    # A name of its own: Python caches imported packages by name.
    package = tmp_path / f"next_release_{secrets.token_hex(4)}"
    package.mkdir()
    for source in MIGRATIONS_DIR.glob("*.py"):
        shutil.copy(source, package / source.name)
    number = int(migration_names()[-1].split("_", 1)[0]) + 1
    (package / f"{number:04d}_tenant_note.py").write_text(
        NEXT_MIGRATION.replace("{previous}", migration_names()[-1])
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = apps_config(model_modules())
    config["models"]["migrations"] = package.name
    return config


async def test_given_an_adopted_database_when_a_later_migration_ships_then_it_runs(
    tmp_path: Path, next_release: dict[str, dict[str, Any]]
) -> None:
    old = tmp_path / "old.sqlite3"
    load_pre_migration_database(old)
    await fresh_database(old)  # this release: adopted, the initial migration faked
    before = every_row(old)

    await Tortoise.init(
        config={"connections": {"default": f"sqlite://{old}"}, "apps": next_release}
    )
    try:
        names = await pending(next_release)
        assert len(names) == 1 and names[0].endswith("_tenant_note")
        await apply_migrations(next_release)
        assert await pending(next_release) == []
        _, rows = await connections.get("default").execute_query("SELECT name, note FROM tenant")
        assert [tuple(row) for row in rows] == [(before["tenant"][1][0][1], "was there before")]
    finally:
        await Tortoise.close_connections()
    del before["tortoise_migrations"]
    for table, (columns, rows) in before.items():
        selected = ", ".join(f'"{column}"' for column in columns)
        assert query(old, f'SELECT {selected} FROM "{table}" ORDER BY rowid') == rows, table


async def test_given_a_database_from_before_migrations_when_the_next_release_starts_then_both_run(
    tmp_path: Path, next_release: dict[str, dict[str, Any]]
) -> None:
    old = tmp_path / "old.sqlite3"
    load_pre_migration_database(old)
    await Tortoise.init(
        config={"connections": {"default": f"sqlite://{old}"}, "apps": next_release}
    )
    try:
        assert (await pending(next_release))[0] == INITIAL
        await apply_migrations(next_release)
        assert await pending(next_release) == []
        _, rows = await connections.get("default").execute_query("SELECT note FROM tenant")
        assert [row["note"] for row in rows] == ["was there before"]
    finally:
        await Tortoise.close_connections()
    names = [row[2] for row in applied(old)]
    assert names[0] == INITIAL and names[-1].endswith("_tenant_note")


async def test_models_and_migrations_agree() -> None:
    """Every model change ships a migration: ``make migration NAME=...`` writes it."""
    changes = describe(await migrations_cli.changes())
    assert changes == [], "models changed without a migration; run make migration NAME=..."


def test_no_migration_adds_a_not_null_column_without_a_database_default() -> None:
    for name in migration_names():
        migration = import_module(f"{MIGRATIONS_MODULE}.{name}").Migration
        assert not_null_without_db_default(migration.operations) == [], name


def test_make_migration_names_the_operations_that_leave_indexes_unbuilt() -> None:
    operations = [
        ops.AddField(model_name="Case", name="due", field=fields.DatetimeField(db_index=True)),
        ops.AddField(model_name="Case", name="note", field=fields.CharField(max_length=9)),
        ops.AlterField(model_name="Case", name="note", field=fields.CharField(max_length=20)),
    ]
    assert indexes_left_unbuilt(operations) == [
        "Add field due to Case: the index it declares is not built",
        "Alter field note on Case: on SQLite, the table loses its indexes",
    ]
    # 0025 built what 0014, 0016/0018, 0019 and 0023 left unbuilt.
    holes = {
        name
        for name in migration_names()
        if indexes_left_unbuilt(import_module(f"{MIGRATIONS_MODULE}.{name}").Migration.operations)
    }
    assert {
        "0014_queue_callbacks",
        "0018_knowledge",
        "0019_customers",
        "0023_case_progress",
    } <= holes


def test_the_config_names_the_migrations_package() -> None:
    config = tortoise_config("sqlite://:memory:")
    assert config["apps"]["models"]["migrations"] == MIGRATIONS_MODULE
    assert config["apps"]["models"]["models"] == model_modules()


def test_sqlite_statements_end_where_sqlite_says_they_end() -> None:
    script = (
        'CREATE TABLE "a" ("x" INT) /* one; two */;\n'
        "INSERT INTO a VALUES (';');\n"
        "CREATE TRIGGER t BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;\n"
        "SELECT 1"
    )
    assert split_sqlite(script) == [
        'CREATE TABLE "a" ("x" INT) /* one; two */;',
        "INSERT INTO a VALUES (';');",
        "CREATE TRIGGER t BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;",
        "SELECT 1",
    ]


def test_if_not_exists_makes_every_create_safe() -> None:
    sql = (
        'CREATE TABLE "a" (\n    "x" INT\n);\n'
        'CREATE INDEX "i" ON "a" ("x");\n'
        'CREATE UNIQUE INDEX "u" ON "a" ("x");\n'
        'CREATE TABLE IF NOT EXISTS "b" ("y" INT);'
    )
    assert if_not_exists(sql) == (
        'CREATE TABLE IF NOT EXISTS "a" (\n    "x" INT\n);\n'
        'CREATE INDEX IF NOT EXISTS "i" ON "a" ("x");\n'
        'CREATE UNIQUE INDEX IF NOT EXISTS "u" ON "a" ("x");\n'
        'CREATE TABLE IF NOT EXISTS "b" ("y" INT);'
    )


def copies_of(database: Path) -> list[Path]:
    return sorted(database.parent.glob(f"{database.name}.before-*"))


async def test_given_pending_migrations_then_the_sqlite_file_is_copied_aside_first(
    tmp_path: Path, next_release: dict[str, dict[str, Any]]
) -> None:
    old = tmp_path / "old.sqlite3"
    load_pre_migration_database(old)
    await fresh_database(old)  # this release: every migration applied
    before = every_row(old)
    assert copies_of(old)  # adopting it migrated too
    for earlier in copies_of(old):
        earlier.unlink()

    await fresh_database(old)  # nothing pending: no copy
    assert not copies_of(old)

    await Tortoise.init(
        config={"connections": {"default": f"sqlite://{old}"}, "apps": next_release}
    )
    try:
        first = (await pending(next_release))[0]
        await apply_migrations(next_release)
    finally:
        await Tortoise.close_connections()
    (copy,) = copies_of(old)
    assert copy.name.startswith(f"old.sqlite3.before-{first}-")
    assert copy.stat().st_mode & 0o777 == 0o600
    assert every_row(copy) == before  # exactly the database before the upgrade
    assert every_row(old) != before


async def test_given_an_empty_database_then_nothing_is_copied(tmp_path: Path) -> None:
    await fresh_database(tmp_path / "new.sqlite3")
    assert copies_of(tmp_path / "new.sqlite3") == []
