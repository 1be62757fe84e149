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

The background passes (case messages and sweeps, webhooks, fax-back, virtual
hold, the dialer, retention, the wallboard's agent states) ask the same
growing tables every second to every few minutes, and the audit page
filters a log that gains a row per change: their reads are held to the
same rule.  And every index the models declare is in a migrated database:
Tortoise's ``AddField`` never built the index of a ``db_index=True`` field,
and a SQLite table rebuild dropped a
table's indexes (``CreateFieldIndexes`` in ``hotline/schema_migrations.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.connection import get_connections

from ari_apps.acd.store import last_agent_of
from ari_apps.ari.client import AriClient
from ari_apps.callbacks import store as callback_store
from ari_apps.campaigns import dialing
from ari_apps.campaigns import store as campaign_store
from fax import services as fax_services
from fax.scheduler import FaxBackScheduler
from hotline import audit_log, calls, desk
from hotline.cases import escalation, messages
from hotline.customers.reading import identity_on_call
from hotline.metrics.call_reports import disposition_report, entry_report
from hotline.metrics.store import agent_state_changes, queue_visits
from hotline.models_campaigns import Campaign
from hotline.recordings.services import purge_expired as purge_expired_recordings
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from hotline.webhooks import store as webhook_store
from vm.retention import purge_expired as purge_expired_voicemail

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


def _full_scans(plan: list[str], tables: Iterable[str] = CALL_TABLES) -> list[str]:
    """Steps of ``plan`` that read one of ``tables`` whole, row by row."""
    return [step for step in plan if step in {f"SCAN {table}" for table in tables}]


def _reads_of(statements: list[str], tables: Iterable[str]) -> list[str]:
    return [
        sql
        for sql in dict.fromkeys(statements)
        if sql.lstrip().upper().startswith("SELECT")
        and any(f'"{table}"' in sql for table in tables)
    ]


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
    reads = _reads_of(statements, CALL_TABLES)
    assert len(reads) >= 12, reads
    scans = {sql: _full_scans(await _plan(sql)) for sql in reads}
    assert {sql: steps for sql, steps in scans.items() if steps} == {}


async def test_every_foreign_key_leads_an_index(seeded: Settings) -> None:
    client = get_connections().get("default")
    assert isinstance(client, SqliteClient)

    def unindexed(database: sqlite3.Connection) -> dict[str, list[str]]:
        missing: dict[str, list[str]] = {}
        for table, indexes in _indexed_columns(database).items():
            if table in MANY_TO_MANY_TABLES:
                continue
            leading = {columns[0] for columns in indexes}
            keys = [key[3] for key in database.execute(f'PRAGMA foreign_key_list("{table}")')]
            if not_led := [key for key in keys if key not in leading]:
                missing[table] = not_led
        return missing

    async with client.acquire_connection() as connection:
        database: sqlite3.Connection = connection._conn
        missing = await connection._execute(unindexed, database)
    assert missing == {}


# Tables that gain rows with every call, case, message, attempt or change.
GROWING_TABLES = frozenset(
    {
        "agent_state_log",
        "audit_entry",
        "call_event",
        "call_record",
        "call_recording",
        "callback",
        "campaign_attempt",
        "campaign_contact",
        "case_message",
        "fax_job",
        "hotline_case",
        "vm_message",
        "webhook_delivery",
    }
)


async def test_every_background_pass_finds_its_rows_through_an_index(
    seeded: Settings, client: AriClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    running = await Campaign.create(tenant_id=await home_tenant_id(), name="c", state="running")
    fax_back = FaxBackScheduler(client, seeded, {})

    def passes() -> list[Awaitable[Any]]:
        return [
            messages.deliver_due(now, seeded),
            escalation.sweep(now),
            escalation.chase_progress(now),
            escalation.remind_follow_ups(now.date()),
            webhook_store.due(now, 20),
            webhook_store.next_due_at(),
            fax_services.due_fax_back_jobs(now),
            fax_back.fail_stuck_attempts(),
            callback_store.queue_requests_due(now),
            dialing.start_scheduled(now),
            campaign_store.due_contacts(running, now, 10),
            purge_expired_voicemail(now),
            purge_expired_recordings(tmp_path, now),
            # Every open wallboard, up to four times a second while calls move.
            agent_state_changes(["1001", "1002"], now - timedelta(hours=8), now),
        ]

    # What runs on nearly every pass: the first look (hotline/row_checks.py)...
    statements = await _run_traced(passes())

    # ... and the query behind it, as on a pass that finds rows.
    async def some_row(*_: object, **__: object) -> bool:
        return True

    for module in (fax_services, webhook_store, callback_store, campaign_store, dialing):
        monkeypatch.setattr(module, "any_row", some_row)
    monkeypatch.setattr("fax.scheduler.any_row", some_row)
    statements += await _run_traced(passes())

    reads = _reads_of(statements, GROWING_TABLES)
    read_tables = {table for table in GROWING_TABLES for sql in reads if f'"{table}"' in sql}
    assert read_tables == GROWING_TABLES - {
        "audit_entry",
        "call_event",
        "call_record",
        "campaign_attempt",
    }
    scans = {sql: _full_scans(await _plan(sql), GROWING_TABLES) for sql in reads}
    assert {sql: steps for sql, steps in scans.items() if steps} == {}
    # The dialer's pass, every second, reads only its campaign's due pending contacts.
    (contacts,) = [sql for sql in reads if '"campaign_contact"' in sql]
    assert "(campaign_id=? AND state=? AND next_attempt_at<?)" in " ".join(await _plan(contacts))


async def test_the_audit_page_reads_through_its_indexes(seeded: Settings) -> None:
    tenant = await home_tenant_id()
    day = datetime.now(UTC).date().isoformat()
    Filters = audit_log.AuditFilters
    filtered = [
        Filters(user="admin"),
        Filters(action="queue.update"),
        Filters(object_type="queue"),
        Filters(date_from=day, date_to=day),
    ]
    for filters in filtered:
        reads = _reads_of(await _run_traced([audit_log.search(filters, tenant)]), ["audit_entry"])
        assert len(reads) == 2, reads  # the count and the page
        for sql in reads:
            plan = await _plan(sql)
            assert any(step.startswith("SEARCH audit_entry USING") for step in plan), (sql, plan)

    # Unfiltered: the page is read newest first and stops at its last row,
    # and each drop-down's values come from its index alone.
    reads = _reads_of(
        await _run_traced([audit_log.search(Filters(), tenant), audit_log.filter_options(tenant)]),
        ["audit_entry"],
    )
    (page,) = [sql for sql in reads if "LIMIT" in sql]
    assert await _plan(page) == ["SCAN audit_entry"]
    for sql in [sql for sql in reads if "DISTINCT" in sql]:
        (step,) = await _plan(sql)
        assert step.startswith("SCAN audit_entry USING COVERING INDEX"), (sql, step)


async def test_every_index_the_models_declare_is_in_a_migrated_database(
    seeded: Settings,
) -> None:
    client = get_connections().get("default")
    assert isinstance(client, SqliteClient)
    async with client.acquire_connection() as connection:
        existing = await connection._execute(_indexed_columns, connection._conn)
    missing = [
        f"{table}{columns}"
        for table, columns in _declared_indexes()
        if columns not in existing.get(table, set())
    ]
    assert missing == []


def _indexed_columns(database: sqlite3.Connection) -> dict[str, set[tuple[str, ...]]]:
    """Each table's indexes (unique ones too), as their columns in order."""
    tables: dict[str, set[tuple[str, ...]]] = {}
    for (table,) in database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        tables[table] = {
            tuple(column[2] for column in database.execute(f'PRAGMA index_info("{index[1]}")'))
            for index in database.execute(f'PRAGMA index_list("{table}")').fetchall()
        }
    return tables


def _declared_indexes() -> list[tuple[str, tuple[str, ...]]]:
    """(table, columns) of every index the models ask for: ``db_index=True``
    fields and ``Meta.indexes``."""
    declared: list[tuple[str, tuple[str, ...]]] = []
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        columns = meta.fields_db_projection
        for name, field in meta.fields_map.items():
            if field.index and not field.unique and name in columns:
                declared.append((meta.db_table, (columns[name],)))
        for index in meta.indexes:
            names = index.fields if hasattr(index, "fields") else index
            declared.append((meta.db_table, tuple(columns.get(name, name) for name in names)))
    assert len(declared) > 60, declared  # the walk found the models' indexes
    return declared
