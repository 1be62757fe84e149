"""The demo tenant, seeded once per test process and restored for each test.

Seeding the demo tenant (flows, queue, agents, roles, users, departments,
knowledge base, fax document, customers, token) costs about 0.4 s: some 800
statements, each a round trip to aiosqlite's thread.  About 1,100 unit tests
start from that database, and each used to seed it afresh.  Here it runs
once per process into a template directory; each test gets a copy of the
template's files (its generated secrets, the demo fax document) and the
template database restored into its own in-memory database with SQLite's
backup API, with the template's paths rewritten to the test's own."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
from tortoise import connections

from ari_apps import demo_data
from ari_apps.ivr import routes
from hotline.customers import vip
from hotline.db import close_db, init_db
from hotline.settings import Settings, load_settings

IN_MEMORY = "sqlite://:memory:"


def settings_for(var_dir: Path) -> Settings:
    """A unit test's settings: its own var dir, and Asterisk's files under it."""
    return load_settings(
        {"HOTLINE_VAR_DIR": str(var_dir), "HOTLINE_ASTERISK_ROOT": str(var_dir / "asterisk")}
    )


def _without_paths(settings: Settings) -> Settings:
    """``settings`` with what depends on its var dir blanked out."""
    blank = Path("/")
    return dataclasses.replace(
        settings, var_dir=blank, database_url="", asterisk_root="", asterisk_etc=blank
    )


def _live_aiosqlite() -> aiosqlite.Connection:
    """The aiosqlite connection under Tortoise's default connection; Tortoise's
    SQLite client offers no public handle."""
    client = connections.get("default")
    live = client._connection
    assert isinstance(live, aiosqlite.Connection), type(live)
    return live


async def _detached_copy() -> sqlite3.Connection:
    """A copy of Tortoise's database; aiosqlite runs the backup in its own
    thread, where the live connection may be used."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    await _live_aiosqlite().backup(copy)
    return copy


def _path_columns(database: sqlite3.Connection, root: str) -> tuple[tuple[str, str], ...]:
    """Every (table, text column) holding a value under ``root``: the rows
    that name files, which the copy must point at its own."""
    found: list[tuple[str, str]] = []
    tables = [
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        for _, column, kind, *_ in database.execute(f'PRAGMA table_info("{table}")'):
            if "CHAR" not in kind.upper() and "TEXT" not in kind.upper():
                continue
            hit = database.execute(
                f'SELECT 1 FROM "{table}" WHERE instr("{column}", ?) > 0 LIMIT 1', (root,)
            ).fetchone()
            if hit is not None:
                found.append((table, column))
    return tuple(found)


@dataclass(frozen=True)
class SeededImage:
    """The seeded template: its var dir, its database as bytes, and the
    columns that hold paths under that var dir."""

    root: Path
    settings: Settings
    database: bytes
    path_columns: tuple[tuple[str, str], ...]

    @classmethod
    async def build(cls, root: Path) -> SeededImage:
        settings = settings_for(root)
        await init_db(IN_MEMORY)
        try:
            await demo_data.seed_demo(settings)
            template = await _detached_copy()
        finally:
            await close_db()
        try:
            return cls(
                root=root,
                settings=settings,
                database=template.serialize(),
                path_columns=_path_columns(template, str(root)),
            )
        finally:
            template.close()

    async def restore(self, var_dir: Path) -> Settings:
        """The seeded demo tenant in a fresh in-memory database, and the
        template's files under ``var_dir``; returns the test's settings.
        The caller closes the database (``close_db``)."""
        shutil.copytree(self.root, var_dir, dirs_exist_ok=True)
        settings = settings_for(var_dir)
        # The copied secrets make every other setting the template's.
        assert _without_paths(settings) == _without_paths(self.settings)
        source = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            source.deserialize(self.database)
            with source:
                for table, column in self.path_columns:
                    source.execute(
                        f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?)',
                        (str(self.root), str(var_dir)),
                    )
            # Opened as Hotline opens it (its migrations on an empty database
            # cost ~0.08 s, which the backup then overwrites): Tortoise's set-up
            # stays init_db's alone.
            await init_db(IN_MEMORY)
            # Replaces the whole database (schema, rows, sequences, guards) at
            # once.  sqlite3 checks only the source's thread; Tortoise's
            # connection is idle between awaits, and SQLite serialises access.
            source.backup(_live_aiosqlite()._conn)
        finally:
            source.close()
        # The seed's saves used to drop these through Tortoise's signals; a
        # restore sends none, and an earlier test's entries must not stay.
        vip.invalidate()
        routes.invalidate()
        return settings
