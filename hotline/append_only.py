"""Append-only tables, enforced by the database itself.

Why: ``AuditEntry.save()`` and ``.delete()`` refuse to change a stored
entry, but only for one model instance.  A bulk
``AuditEntry.filter(...).update(...)`` or ``.delete()``, a statement for the
background writer, or SQL typed into a database shell never passes through
them.  Triggers that abort every UPDATE and DELETE (and on PostgreSQL also
TRUNCATE, which fires no row triggers) refuse all of those alike, with
``<table> is append-only: <operation> refused``; Tortoise raises it as an
``IntegrityError`` on both backends.

``init_db`` installs them on every start, after the schema is created.  Each
start drops and recreates them in one transaction, so a database made before
they existed gets them on its next start, a table rebuilt by a future
migration gets them back, and a changed definition replaces the old one,
without a moment in which the table is unguarded.

Nothing in Hotline deletes or edits audit entries, and the log has no
retention: it grows with the changes people make, a few rows per edit.  A
purge, should one ever be wanted, is a deliberate maintenance step that drops
the triggers, deletes and recreates them in one transaction, never a code
path that can run by accident.

Not covered: DROP TABLE and DROP TRIGGER.  The triggers guard against the
program's own mistakes, not against whoever owns the database file or the
PostgreSQL role.
"""

from __future__ import annotations

from typing import Final

from tortoise.transactions import in_transaction

from hotline.models import AuditEntry

APPEND_ONLY_TABLES: Final = (AuditEntry._meta.db_table,)

_PG_FUNCTION: Final = """
CREATE OR REPLACE FUNCTION hotline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _checked(table: str) -> str:
    if not table.isidentifier():
        # The name goes into DDL text; only plain identifiers may.
        raise ValueError(f"not a plain SQL name: {table!r}")
    return table


def refusal(table: str, operation: str) -> str:
    """The error text both backends give, e.g. "audit_entry is append-only: DELETE refused"."""
    return f"{table} is append-only: {operation} refused"


def sqlite_statements(table: str) -> list[str]:
    table = _checked(table)
    statements = []
    for operation in ("UPDATE", "DELETE"):
        trigger = f'"{table}_append_only_{operation.lower()}"'
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger}",
            # SQLite's RAISE takes a literal, hence the text built here.
            f'CREATE TRIGGER {trigger} BEFORE {operation} ON "{table}" FOR EACH ROW'
            f" BEGIN SELECT RAISE(ABORT, '{refusal(table, operation)}'); END",
        ]
    return statements


def postgres_statements(table: str) -> list[str]:
    table = _checked(table)
    rows, truncate = f'"{table}_append_only"', f'"{table}_append_only_truncate"'
    return [
        _PG_FUNCTION,
        f'DROP TRIGGER IF EXISTS {rows} ON "{table}"',
        f'CREATE TRIGGER {rows} BEFORE UPDATE OR DELETE ON "{table}"'
        " FOR EACH ROW EXECUTE FUNCTION hotline_append_only()",
        f'DROP TRIGGER IF EXISTS {truncate} ON "{table}"',
        f'CREATE TRIGGER {truncate} BEFORE TRUNCATE ON "{table}"'
        " FOR EACH STATEMENT EXECUTE FUNCTION hotline_append_only()",
    ]


async def install_guards() -> None:
    """(Re)create the triggers on every append-only table; safe on every start."""
    async with in_transaction() as connection:
        dialect = connection.capabilities.dialect
        build = postgres_statements if dialect == "postgres" else sqlite_statements
        for table in APPEND_ONLY_TABLES:
            for statement in build(table):
                # One statement per call: SQLite's executescript would commit
                # the transaction that keeps the table guarded throughout.
                await connection.execute_query(statement)
