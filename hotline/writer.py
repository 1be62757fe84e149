"""An ordered background writer for the database writes calls make on the way.

Why: every call writes a dozen timeline rows and state rows (entered, nodes,
inputs, queued, offered, answered, ended, waiting/connected state).  Awaiting
each one inline put a SQLite commit (an fsync with WAL + synchronous=FULL)
and two thread hops on the path of every ARI event, and under the ACD lock
that serialised the whole contact center behind the disk (``make bench``).

Writes are submitted in order and applied by one task, many per
transaction.  A submitted write survives as long as the process does;
``flush()`` waits until everything submitted so far is committed, which
readers that must see their own writes (the API's call detail, reconcile
after a reconnect, tests) call first.

The writer gathers for up to ``GATHER_S`` after the first write of a batch:
calls submit their rows one at a time, spread over their lifetime, and
committing each on its own cost a transaction, an fsync and several thread
hops per row (3.9 ms of CPU per call's dozen rows, measured, against 0.35 ms
batched).  ``urgent`` writes, the rows a restart adopts callers from
(waiting and connected callers, agents' own choices), and ``flush()`` cut
the wait short.  So a kill -9 can lose the last ``GATHER_S`` of timeline
entries, the trade-off every buffered log makes, but not a caller's place.

All writes are plain parameterised SQL (``Statement``), not ORM calls:
profiling ``make bench`` showed Tortoise building each query (pypika, model
instances, a SELECT before every get_or_create) as the biggest single share
of Hotline's CPU per call.  A ``Statement`` names the row it touches, so a
batch sends each kind of statement as one ``executemany`` while every row
still sees its own statements in submission order (``plan_batch``).

On SQLite a whole batch (BEGIN, its steps, COMMIT) is one trip to the
database's thread (``_commit_on_sqlite_thread``).  Through the ORM's
transaction every step was its own trip, and BEGIN and COMMIT two more:
about 19 a call under ``make bench``, each a futex wake of that thread, a
wake of the event loop when it answered, and the two threads taking the GIL
from each other.  Those wake-ups and context switches were the largest share
of the kernel time ``perf`` found in Hotline, more than the commits' fsyncs.
A call's writes beside a busy event loop (a dozen loopback requests a call)
cost 1.5 ms of CPU through the ORM's transaction and 0.9 ms as one trip;
Hotline's CPU per call under ``make bench`` went from 6.9 to 5.2-5.7 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from dataclasses import dataclass
from typing import Final

import aiosqlite
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.connection import get_connections
from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)

MAX_BATCH: Final = 200
GATHER_S: Final = 0.05


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement with "?" placeholders, about one row.

    ``about`` names that row (e.g. "call:<id>", "agent:<extension>").
    Statements about one logical row, and about rows that depend on each
    other (a call's record and its timeline), share the name: only
    statements with different names may trade places.
    """

    sql: str
    params: tuple[object, ...]
    about: str


def plan_batch(batch: list[Statement]) -> list[list[Statement]]:
    """Group a batch into steps of same-SQL statements, each run as one.

    A statement joins the latest group with its SQL unless a later group
    touched its row; that keeps every row's statements in submission order.
    """
    steps: list[list[Statement]] = []
    group_for_sql: dict[str, int] = {}
    last_step_for_about: dict[str, int] = {}
    for write in batch:
        index = group_for_sql.get(write.sql)
        if index is not None and last_step_for_about.get(write.about, -1) <= index:
            steps[index].append(write)
        else:
            index = len(steps)
            steps.append([write])
            group_for_sql[write.sql] = index
        last_step_for_about[write.about] = index
    return steps


_PLACEHOLDER = re.compile(r"\?")


@functools.lru_cache(maxsize=256)
def sql_for_dialect(sql: str, dialect: str) -> str:
    """asyncpg numbers its placeholders ($1, $2, ...); SQLite takes "?"."""
    if dialect != "postgres":
        return sql
    numbers = iter(range(1, sql.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


def quoted_name(name: str) -> str:
    """A table or column name for SQL text, refused unless a plain identifier."""
    if not name.isidentifier():
        # Names go into the SQL text; only plain identifiers may.
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


@functools.lru_cache(maxsize=64)
def _update_sql(table: str, key_column: str, columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{quoted_name(column)} = ?" for column in columns)
    return f"UPDATE {quoted_name(table)} SET {assignments} WHERE {quoted_name(key_column)} = ?"


def update_statement(
    table: str, key_column: str, key: object, values: dict[str, object], *, about: str
) -> Statement:
    """UPDATE table SET <values> WHERE key_column = key, as a Statement."""
    columns = tuple(sorted(values))
    params = (*(values[column] for column in columns), key)
    return Statement(_update_sql(table, key_column, columns), params, about)


@functools.lru_cache(maxsize=64)
def _upsert_sql(table: str, key_column: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(quoted_name(column) for column in (key_column, *columns))
    placeholders = ", ".join("?" for _ in range(len(columns) + 1))
    assignments = ", ".join(
        f"{quoted_name(column)} = excluded.{quoted_name(column)}" for column in columns
    )
    return (
        f"INSERT INTO {quoted_name(table)} ({names}) VALUES ({placeholders})"
        f" ON CONFLICT ({quoted_name(key_column)}) DO UPDATE SET {assignments}"
    )


def upsert_statement(
    table: str, key_column: str, key: object, values: dict[str, object], *, about: str
) -> Statement:
    """Insert the row, or update it where key_column = key already exists
    (SQLite and PostgreSQL both spell it ON CONFLICT ... DO UPDATE)."""
    columns = tuple(sorted(values))
    params = (key, *(values[column] for column in columns))
    return Statement(_upsert_sql(table, key_column, columns), params, about)


def delete_statement(table: str, key_column: str, key: object, *, about: str) -> Statement:
    sql = f"DELETE FROM {quoted_name(table)} WHERE {quoted_name(key_column)} = ?"
    return Statement(sql, (key,), about)


class BackgroundWriter:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[Statement] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hurry: asyncio.Event | None = None

    @property
    def pending(self) -> int:
        """Writes submitted and not yet committed (``/metrics``)."""
        return self._queue.qsize() if self._queue is not None else 0

    def submit(self, write: Statement, *, urgent: bool = False) -> None:
        """Queue a write; ``urgent`` commits it without waiting to gather more."""
        queue = self._ensure_running()
        queue.put_nowait(write)
        if urgent and self._hurry is not None:
            self._hurry.set()

    async def flush(self) -> None:
        """Wait until every write submitted before this call is committed."""
        if self._queue is None or self._loop is not asyncio.get_running_loop():
            return
        if self._hurry is not None:
            self._hurry.set()
        await self._queue.join()

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        self._queue = None
        self._loop = None
        self._hurry = None

    def _ensure_running(self) -> asyncio.Queue[Statement]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None:
            # A new event loop (tests run one per test) gets a new writer; what
            # an old, closed loop had pending is gone with it.
            self._loop = loop
            self._queue = asyncio.Queue()
            self._hurry = asyncio.Event()
            self._task = loop.create_task(self._run(self._queue, self._hurry), name="db-writer")
        return self._queue

    async def _run(self, queue: asyncio.Queue[Statement], hurry: asyncio.Event) -> None:
        while True:
            batch = [await queue.get()]
            if queue.qsize() < MAX_BATCH and not hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(GATHER_S):
                        await hurry.wait()
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            if queue.empty():
                # Everything an urgent write or a flush was waiting for is in
                # this batch; later ones set it again.
                hurry.clear()
            try:
                await self._apply_batch(batch)
            except Exception:
                log.exception("batched write of %d failed; retrying one by one", len(batch))
                for write in batch:
                    try:
                        await self._apply_batch([write])
                    except Exception:
                        log.exception("write dropped: %r", write)
            finally:
                for _ in batch:
                    queue.task_done()

    @staticmethod
    async def _apply_batch(batch: list[Statement]) -> None:
        steps = plan_batch(batch)
        client = get_connections().get(CONNECTION)
        if isinstance(client, SqliteClient):
            # Tortoise's lock on its one SQLite connection: no ORM query or
            # transaction runs between our BEGIN and COMMIT.
            async with client.acquire_connection() as connection:
                # aiosqlite (pinned in requirements.txt) runs every call on
                # its own thread; ``_execute`` is how its public methods get
                # there, and the only way to send the batch as one trip.
                await connection._execute(_commit_on_sqlite_thread, connection, steps)
            return
        async with in_transaction(CONNECTION) as transaction:
            dialect = transaction.capabilities.dialect
            for step in steps:
                sql = sql_for_dialect(step[0].sql, dialect)
                if len(step) == 1:
                    await transaction.execute_query(sql, list(step[0].params))
                else:
                    await transaction.execute_many(sql, [list(s.params) for s in step])


# hotline.db's one database connection (``tortoise_config``).
CONNECTION: Final = "default"


def _commit_on_sqlite_thread(
    connection: aiosqlite.Connection, steps: list[list[Statement]]
) -> None:
    """One batch in one transaction, run on aiosqlite's thread (see above).

    Tortoise opens its SQLite connection in autocommit mode, so the
    transaction is spelt out; on any failure it is rolled back whole, and the
    writer retries the batch one statement at a time.
    """
    database = connection._conn
    database.execute("BEGIN")
    try:
        for step in steps:
            if len(step) == 1:
                database.execute(step[0].sql, step[0].params)
            else:
                database.executemany(step[0].sql, [s.params for s in step])
    except BaseException:
        database.execute("ROLLBACK")
        raise
    database.execute("COMMIT")


WRITER: Final = BackgroundWriter()
