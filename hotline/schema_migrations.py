"""Versioned schema migrations: Tortoise's built-in migration framework.

Every model change ships a migration in ``hotline/migrations/`` (made with
``make migration NAME=...``).  ``init_db`` calls :func:`apply_migrations` on
every start, forward only, and it handles three kinds of database:

* empty: every migration runs;
* made before migrations existed (by ``Tortoise.generate_schemas``: Hotline's
  tables, no migration ever recorded): the tables the initial migration
  creates that are missing are created as ``generate_schemas(safe=True)``
  did (``IF NOT EXISTS``), the initial migration is recorded as applied
  without running it, and the later ones run.  No row is touched;
* up to date: one query finds nothing to do.

Tortoise marks the framework experimental; two of its rough edges are
worked around here:

* its SQLite schema editor cuts DDL at every ``;``, also inside a table's
  comment (Hotline's model docstrings have some), so Hotline's cuts where
  SQLite itself says a statement ends;
* applying migrations clones the whole model state for every operation,
  ~0.35 s for the initial one.  A process that creates many empty SQLite
  databases (the unit tests use one per test) runs them once and replays the
  SQL they executed on the next ones, when the migrations only change the
  schema (no ``RunPython``/``RunSQL``) and are atomic, so the replay is the
  same statements on the same empty database.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from tortoise import connections
from tortoise.apps import Apps
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.base import Field
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget, PlanStep
from tortoise.migrations.graph import MigrationKey
from tortoise.migrations.migration import Migration
from tortoise.migrations.schema_editor import BaseSchemaEditor, SqliteSchemaEditor
from tortoise.migrations.schema_generator.state import State
from tortoise.migrations.schema_generator.state_apps import StateApps
from tortoise.migrations.writer import MigrationWriter
from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)

APP_LABEL: Final = "models"
MIGRATIONS_MODULE: Final = "hotline.migrations"
INITIAL: Final = "0001_initial"


class AddIndexes(ops.TortoiseOperation):
    """Many ``AddIndex`` as one operation, for a hand-written migration.

    Tortoise clones the whole model state before every operation and reloads
    the models it touched after (``TortoiseOperation.run``): about 0.14 s
    each here, so the 40 ``AddIndex`` that ``0024_indexes`` was written
    with added 5.7 s to every new database's start (7.1 s -> 12.8 s for all
    migrations) and pushed a cold ``make up`` past its health timeout.  One
    operation pays the clone once and reloads each model once.  The state it
    leaves is the one those ``AddIndex`` leave, so the models-and-migrations
    check still compares like with like.
    """

    def __init__(self, indexes: Iterable[tuple[str, Index]]) -> None:
        self.indexes = list(indexes)

    def describe(self) -> str:
        return f"Add {len(self.indexes)} indexes"

    def state_forward(self, app_label: str, state: State) -> None:
        for model_name, index in self.indexes:
            model_state = self.get_model_state(state, app_label, model_name)
            known = model_state.options.get("indexes") or ()
            model_state.options["indexes"] = (*known, index)
        state.reload_models((app_label, name) for name in dict.fromkeys(m for m, _ in self.indexes))

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if state_editor is None:
            return
        for model_name, index in self.indexes:
            model = new_state.apps.get_model(f"{app_label}.{model_name}")
            await state_editor.add_index(model, index)

    async def database_backward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if state_editor is None:
            return
        for model_name, index in reversed(self.indexes):
            model = old_state.apps.get_model(f"{app_label}.{model_name}")
            await state_editor.remove_index(model, index)


class CreateFieldIndexes(ops.TortoiseOperation):
    """The indexes of fields declared ``db_index=True`` that Tortoise's
    migrations never built, made where they are missing.

    Two holes in Tortoise 1.1's migrations leave such a field unindexed while
    its model state says it is indexed (so the models-and-migrations check
    sees nothing wrong):

    * ``AddField`` adds the column and not the index its field declares;
    * on SQLite, an ``AlterField`` rebuilds the table (new table, copy, drop,
      rename) and builds none of the old table's indexes again.

    ``tests/unit/test_indexes.py`` finds both on a migrated database.  The
    state already has these indexes, so this operation changes only the
    database: Tortoise's own ``CREATE INDEX`` for the field, made
    :func:`if_not_exists`, so a database that has one (made by ``generate_schemas``,
    or on PostgreSQL, where ``AlterField`` keeps indexes) keeps it as it is.
    """

    def __init__(self, fields: Iterable[tuple[str, str]]) -> None:
        self.fields = list(fields)

    def describe(self) -> str:
        return f"Create the missing indexes of {len(self.fields)} indexed fields"

    def state_forward(self, app_label: str, state: State) -> None:
        return  # the fields already declare their indexes

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if state_editor is None:
            return
        for model_name, field_name in self.fields:
            model = new_state.apps.get_model(f"{app_label}.{model_name}")
            column = model._meta.fields_db_projection[field_name]
            await state_editor._run_sql(if_not_exists(state_editor._get_index_sql(model, [column])))

    async def database_backward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        return  # the indexes belong to the fields, which stay


# Operations whose every write goes through the schema editor's _run_sql.
_SCHEMA_OPERATIONS: Final[frozenset[type[ops.Operation]]] = frozenset(
    {
        ops.CreateModel,
        ops.DeleteModel,
        ops.RenameModel,
        ops.AlterModelOptions,
        ops.AddField,
        ops.RemoveField,
        ops.AlterField,
        ops.RenameField,
        ops.AddIndex,
        AddIndexes,
        CreateFieldIndexes,
        ops.RemoveIndex,
        ops.RenameIndex,
        ops.AddConstraint,
        ops.RemoveConstraint,
        ops.RenameConstraint,
    }
)

# What the migrations executed on an empty SQLite database, by plan.
_EMPTY_DATABASE_SQL: dict[tuple[str, ...], list[str]] = {}

_CREATE = re.compile(r"^(\s*)CREATE (UNIQUE )?(TABLE|INDEX) (?!IF NOT EXISTS )", re.MULTILINE)


def apps_config(model_modules: list[str]) -> dict[str, dict[str, Any]]:
    """Tortoise's ``apps`` config: one app, "models", with its migrations package."""
    return {
        APP_LABEL: {
            "models": model_modules,
            "default_connection": "default",
            "migrations": MIGRATIONS_MODULE,
        }
    }


def split_sqlite(script: str) -> list[str]:
    """``script`` cut into statements where SQLite says one ends.

    ``sqlite3.complete_statement`` knows comments, quoted text and trigger
    bodies, where a ``;`` ends nothing.
    """
    statements: list[str] = []
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            statement = script[start : end + 1].strip()
            if statement != ";":
                statements.append(statement)
            start = end + 1
    rest = script[start:].strip()
    if rest:
        statements.append(rest)
    return statements


def if_not_exists(sql: str) -> str:
    """Every CREATE TABLE / [UNIQUE] INDEX in ``sql`` made IF NOT EXISTS."""
    return _CREATE.sub(r"\1CREATE \2\3 IF NOT EXISTS ", sql)


class _SqliteSchemaEditor(SqliteSchemaEditor):
    """Tortoise's SQLite editor, cutting statements with :func:`split_sqlite`."""

    def __init__(
        self,
        connection: BaseDBAsyncClient,
        atomic: bool = True,
        collect_sql: bool = False,
        executed: list[str] | None = None,
    ) -> None:
        super().__init__(connection, atomic=atomic, collect_sql=collect_sql)
        self.executed = executed

    async def _run_sql(self, sql: str) -> None:
        if self.collect_sql:
            await super()._run_sql(sql)
            return
        # One statement per call (executescript would COMMIT the transaction
        # an atomic migration runs in); non-atomic ones too, for `executed`.
        for statement in split_sqlite(sql):
            if self.executed is not None:
                self.executed.append(statement)
            await self.client.execute_query(statement)


class _Executor(MigrationExecutor):
    def __init__(self, connection: BaseDBAsyncClient, config: dict[str, dict[str, Any]]) -> None:
        super().__init__(connection, config)
        self.executed: list[str] | None = None

    def _schema_editor(self, atomic: bool = True, collect_sql: bool = False) -> BaseSchemaEditor:
        editor: BaseSchemaEditor = super()._schema_editor(atomic=atomic, collect_sql=collect_sql)
        if type(editor) is SqliteSchemaEditor:
            editor = _SqliteSchemaEditor(
                self.connection, atomic=atomic, collect_sql=collect_sql, executed=self.executed
            )
        return editor


async def pending(config: dict[str, dict[str, Any]]) -> list[str]:
    """Names of the migrations ``apply_migrations`` would run, in order."""
    executor = _Executor(connections.get("default"), config)
    return [step.migration.name for step in await executor.plan()]


async def apply_migrations(config: dict[str, dict[str, Any]]) -> None:
    """Bring the default connection's database up to the newest migration."""
    connection = connections.get("default")
    executor = _Executor(connection, config)
    plan: list[PlanStep] = await executor.plan()
    applied: set[MigrationKey] = executor.loader.applied_migrations
    unknown = sorted(key.name for key in applied - set(executor.loader.graph.nodes))
    if unknown:
        # A newer Hotline migrated this database; nothing is rolled back.
        log.warning("database has migrations this version does not know: %s", unknown)
    if not plan:
        return
    existing = await existing_columns(connection)
    if existing.keys() - {"tortoise_migrations", "sqlite_sequence"}:
        await asyncio.to_thread(keep_a_copy, connection, plan[0].migration.name)
    if not any(key.app_label == APP_LABEL for key in applied):
        initial = executor.loader.graph.nodes.get(MigrationKey(APP_LABEL, INITIAL))
        if initial is not None and _created_tables(initial) & existing.keys():
            await _adopt(executor, initial, existing)
        elif not existing.keys() - {"tortoise_migrations", "sqlite_sequence"}:
            await _migrate_empty(executor, plan)
            return
    await executor.migrate(direction="forward")


def keep_a_copy(connection: BaseDBAsyncClient, first_pending: str) -> Path | None:
    """Copy a SQLite database file aside before migrations change it.

    The copy is ``<file>.before-<first pending migration>-<UTC time>``, private
    like the database, made with SQLite's online backup (consistent even if
    something else has the file open).  A failed upgrade is then undone by
    putting the copy back.  PostgreSQL is the operator's to back up (pg_dump);
    an in-memory database has nothing to keep.  None when nothing was copied.
    """
    filename = str(getattr(connection, "filename", "") or "")
    if not filename or filename == ":memory:" or not Path(filename).is_file():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    copy = Path(f"{filename}.before-{first_pending}-{stamp}")
    source, target = sqlite3.connect(filename), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    copy.chmod(0o600)
    log.warning("database copied to %s before migrating from %s", copy, first_pending)
    return copy


async def _migrate_empty(executor: _Executor, plan: list[PlanStep]) -> None:
    replayable = executor.connection.capabilities.dialect == "sqlite" and all(
        step.migration.atomic and not step.backward and _schema_only(step.migration)
        for step in plan
    )
    if not replayable:
        await executor.migrate(direction="forward")
        return
    key = tuple(f"{type(step.migration).__module__}" for step in plan)
    statements = _EMPTY_DATABASE_SQL.get(key)
    if statements is None:
        executor.executed = []
        await executor.migrate(direction="forward")
        _EMPTY_DATABASE_SQL[key] = executor.executed
        return
    async with in_transaction(executor.connection.connection_name) as transaction:
        for statement in statements:
            await transaction.execute_query(statement)
    await executor.recorder.ensure_schema(_SqliteSchemaEditor(executor.connection, atomic=False))
    for step in plan:
        await executor.recorder.record_applied(step.migration.app_label, step.migration.name)


def _schema_only(migration: Migration) -> bool:
    return all(type(operation) in _SCHEMA_OPERATIONS for operation in migration.operations)


def _created_tables(migration: Migration) -> set[str]:
    """Tables a migration's CreateModel operations name (M2M through tables too)."""
    tables: set[str] = set()
    for operation in migration.operations:
        if isinstance(operation, ops.CreateModel):
            tables.add((operation.options or {}).get("table") or operation.model._meta.db_table)
            for _, field in operation.fields:
                if isinstance(field, ManyToManyFieldInstance) and field.through:
                    tables.add(field.through)
    return tables


async def existing_columns(connection: BaseDBAsyncClient) -> dict[str, set[str]]:
    """Every table in the database (PostgreSQL: in the current schema) and its columns."""
    dialect = connection.capabilities.dialect
    if dialect == "sqlite":
        query = (
            "SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master AS m"
            " JOIN pragma_table_info(m.name) AS c WHERE m.type = 'table'"
        )
    elif dialect == "postgres":
        query = (
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
    else:
        raise RuntimeError(f"Hotline's migrations support SQLite and PostgreSQL, not {dialect}")
    _, rows = await connection.execute_query(query)
    tables: dict[str, set[str]] = {}
    for row in rows:
        tables.setdefault(row["table_name"], set()).add(row["column_name"])
    return tables


async def _adopt(executor: _Executor, initial: Migration, existing: dict[str, set[str]]) -> None:
    """Take over a database ``generate_schemas`` made: record the initial migration."""
    expected = await _initial_columns(initial)
    missing = sorted(expected.keys() - existing.keys())
    log.info("database made before migrations: recording %s as applied", INITIAL)
    if missing:
        # What generate_schemas(safe=True) would have done at the initial
        # migration's schema: create what is missing, leave the rest.
        log.info("creating the missing tables first: %s", ", ".join(missing))
        for sql in await executor.collect_sql(APP_LABEL, INITIAL):
            if not sql.startswith("--"):
                await executor.connection.execute_script(if_not_exists(sql))
    for table in sorted(expected.keys() & existing.keys()):
        lacking = expected[table] - existing[table]
        if lacking:
            # generate_schemas never added columns; a migration can't guess them.
            log.warning("table %s lacks columns %s", table, sorted(lacking))
    await executor.migrate(
        [MigrationTarget(app_label=APP_LABEL, name=INITIAL)], fake=True, direction="forward"
    )


async def _initial_columns(initial: Migration) -> dict[str, set[str]]:
    """The tables the initial migration creates and their columns, M2M tables included."""
    state = State(models={}, apps=StateApps())
    await initial.apply(state, dry_run=True, schema_editor=None)
    tables: dict[str, set[str]] = {}
    for model in state.apps.apps.get(APP_LABEL, {}).values():
        meta = model._meta
        tables[meta.db_table] = set(meta.fields_db_projection.values())
        for name in meta.m2m_fields:
            field = meta.fields_map[name]
            if isinstance(field, ManyToManyFieldInstance):
                columns = {field.backward_key, field.forward_key}
                tables.setdefault(field.through, set()).update(columns)
    return tables


async def model_changes(apps: Apps, config: dict[str, dict[str, Any]]) -> list[MigrationWriter]:
    """What the models changed since the newest migration, as migrations to write.

    Empty when models and migrations agree.  ``apps`` are the initialised
    models (``Tortoise.apps``).
    """
    writers: list[MigrationWriter] = await MigrationAutodetector(apps, config).changes()
    return writers


def not_null_without_db_default(operations: Iterable[ops.Operation]) -> list[str]:
    """The AddField operations that add a NOT NULL column with no database default.

    Such a column can't be added to a table that has rows (SQLite refuses it
    even on an empty one): ``default=`` is filled in by Tortoise when it
    creates a row, only ``db_default=`` by the database for the rows it has.
    """
    return [
        operation.describe()
        for operation in operations
        if isinstance(operation, ops.AddField)
        and isinstance(operation.field, Field)
        and not isinstance(operation.field, ManyToManyFieldInstance)
        and not operation.field.null
        and not operation.field.has_db_default()
    ]


def indexes_left_unbuilt(operations: Iterable[ops.Operation]) -> list[str]:
    """The operations after which Tortoise leaves declared indexes unbuilt.

    ``AddField`` of a ``db_index=True`` field adds no index; ``AlterField``
    on SQLite rebuilds the table without any of its indexes (see
    :class:`CreateFieldIndexes`).  ``make migration`` names them, so the
    migration gets its indexes back before the test finds them missing.
    """
    lines: list[str] = []
    for operation in operations:
        if isinstance(operation, ops.AddField):
            field = operation.field
            if isinstance(field, Field) and field.index and not field.unique:
                lines.append(f"{operation.describe()}: the index it declares is not built")
        elif isinstance(operation, ops.AlterField):
            lines.append(f"{operation.describe()}: on SQLite, the table loses its indexes")
    return lines


def describe(writers: Iterable[MigrationWriter]) -> list[str]:
    """One line per operation, e.g. "models: Add field token_hint to ApiToken"."""
    return [
        f"{writer.app_label}: {operation.describe()}"
        for writer in writers
        for operation in writer.operations
    ]
