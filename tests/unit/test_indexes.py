"""Reads find their rows through indexes, not by reading whole tables.

A hotline writes a call record and about a dozen timeline rows per call, so
``call_record`` and ``call_event`` grow by millions of rows a year.  Every
query the call pages, the desk, the reports, the figures and the ACD's
familiar-agent routing make on them is captured here as SQLite runs it, and
SQLite's own query plan must find its rows through an index: a plain
``SCAN call_event`` or ``SCAN call_record`` is a full table read.  And
every foreign key leads an index, so a case's history, a mailbox's messages
or a campaign's attempts (and the cascades that delete them) are found
without reading every row of the child table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.sqlite.client import SqliteClient
from tortoise.connection import get_connections

from ari_apps.acd.store import last_agent_of
from hotline import calls, desk
from hotline.customers.reading import identity_on_call
from hotline.metrics.call_reports import disposition_report, entry_report
from hotline.metrics.store import queue_visits
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id

CALL_TABLES = ("call_event", "call_record")
# Tortoise's own many-to-many tables: one row per membership, keyed by both.
MANY_TO_MANY_TABLES = frozenset({"user_group_member", "user_group_role"})


async def _run_traced(reads: list[Awaitable[Any]]) -> list[str]:
    """The SQL SQLite ran for ``reads``, with its parameters filled in."""
    client = get_connections().get("default")
    assert isinstance(client, SqliteClient)
    statements: list[str] = []
    async with client.acquire_connection() as connection:
        await connection._execute(connection._conn.set_trace_callback, statements.append)
    try:
        for read in reads:
            await read
    finally:
        async with client.acquire_connection() as connection:
            await connection._execute(connection._conn.set_trace_callback, None)
    return statements


async def _plan(sql: str) -> list[str]:
    client = get_connections().get("default")
    assert isinstance(client, SqliteClient)
    async with client.acquire_connection() as connection:
        database: sqlite3.Connection = connection._conn
        rows = await connection._execute(
            lambda: database.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        )
    return [str(row[3]) for row in rows]


def _full_scans(plan: list[str]) -> list[str]:
    return [step for step in plan if step in {f"SCAN {table}" for table in CALL_TABLES}]


async def test_every_read_of_the_call_tables_goes_through_an_index(seeded: Settings) -> None:
    tenant = await home_tenant_id()
    now = datetime.now(UTC)
    for number in range(3):
        call_id = f"call-{number}"
        await calls.open_record(
            call_id, did="8000", caller_id="5550101", tenant_id=tenant, flow_version_id=None
        )
        await calls.add_event(call_id, "queue_joined", queue="support")
        await calls.update_record(call_id, queue="support", agent_extension="1001", answered_at=now)
        await calls.add_event(call_id, "queue_left", queue="support", outcome="answered")
        await calls.close_record(call_id, "answered")
    await calls.flush()
    since, until = now - timedelta(days=1), now + timedelta(days=1)

    statements = await _run_traced(
        [
            calls.call_detail("call-1", tenant_id=tenant),
            calls.recent_calls(20, tenant_id=tenant),
            calls.recent_calls(20, tenant_id=tenant, caller_id="5550101"),
            calls.previous_calls("5550101", tenant_id=tenant, before_call="call-2"),
            calls.joined_queue_at("call-1"),
            calls.answered_at("call-1"),
            identity_on_call(tenant, "call-1"),
            desk.outcome_call("1001", tenant, now, None),
            last_agent_of("5550101", "support"),
            queue_visits(tenant, since, until),
            entry_report(tenant, since, until),
            disposition_report(tenant, since, until),
        ]
    )
    reads = [
        sql
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
        and any(f'"{table}"' in sql for table in CALL_TABLES)
    ]
    assert len(reads) >= 12, reads
    scans = {sql: _full_scans(await _plan(sql)) for sql in reads}
    assert {sql: steps for sql, steps in scans.items() if steps} == {}


async def test_every_foreign_key_leads_an_index(seeded: Settings) -> None:
    client = get_connections().get("default")
    assert isinstance(client, SqliteClient)

    def unindexed(database: sqlite3.Connection) -> dict[str, list[str]]:
        tables = database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        missing: dict[str, list[str]] = {}
        for (table,) in tables:
            if table in MANY_TO_MANY_TABLES:
                continue
            leading = {
                database.execute(f'PRAGMA index_info("{index[1]}")').fetchone()[2]
                for index in database.execute(f'PRAGMA index_list("{table}")').fetchall()
            }
            keys = [key[3] for key in database.execute(f'PRAGMA foreign_key_list("{table}")')]
            if not_led := [key for key in keys if key not in leading]:
                missing[table] = not_led
        return missing

    async with client.acquire_connection() as connection:
        database: sqlite3.Connection = connection._conn
        missing = await connection._execute(unindexed, database)
    assert missing == {}
