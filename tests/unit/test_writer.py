"""The background writer: how a batch is grouped, and the SQL it sends.

``plan_batch`` is pure and checked with hypothesis: whatever it groups, every
row sees its own statements in submission order, so applying the plan leaves
the same state as applying the batch one by one.  The statements themselves
run on a real SQLite database through the ORM's connection (the PostgreSQL
spelling is run in tests/integration/test_postgres.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline import calls
from hotline import writer as writer_module
from hotline.db import close_db, init_db
from hotline.models import Agent, CallRecord, ConnectedCall, Tenant, WaitingCaller
from hotline.writer import (
    WRITER,
    Statement,
    delete_statement,
    plan_batch,
    sql_for_dialect,
    update_statement,
    upsert_statement,
)

# -- plan_batch ----------------------------------------------------------------

# A toy store: each statement appends its value to its row's history, so the
# final state records the exact order every row saw.
SQLS = ("insert", "update", "delete")


def statement(sql: str, about: str, value: int) -> Statement:
    return Statement(sql, (value,), about)


def apply_in_order(items: list[Statement]) -> dict[str, list[tuple[str, object]]]:
    history: dict[str, list[tuple[str, object]]] = {}
    for item in items:
        history.setdefault(item.about, []).append((item.sql, item.params[0]))
    return history


def flatten(plan: list[list[Statement]]) -> list[Statement]:
    return [statement for step in plan for statement in step]


batches = st.lists(
    st.builds(
        statement,
        st.sampled_from(SQLS),
        st.sampled_from(["call:a", "call:b", "call:c", "agent:1"]),
        st.integers(0, 9),
    ),
    max_size=60,
)


@given(batches)
def test_plan_keeps_every_rows_statements_in_submission_order(
    batch: list[Statement],
) -> None:
    plan = plan_batch(batch)

    assert apply_in_order(flatten(plan)) == apply_in_order(batch)


@given(batches)
def test_plan_groups_only_one_sql_per_step_and_loses_nothing(
    batch: list[Statement],
) -> None:
    plan = plan_batch(batch)

    for step in plan:
        assert step and len({s.sql for s in step}) == 1
    assert sorted(map(id, flatten(plan))) == sorted(map(id, batch))


def test_interleaved_calls_share_one_step_per_kind_of_statement() -> None:
    # Two calls' timelines interleaved, as concurrent calls submit them.
    batch: list[Statement] = [
        statement("insert record", "call:a", 1),
        statement("insert record", "call:b", 1),
        statement("insert event", "call:a", 2),
        statement("insert event", "call:b", 2),
        statement("insert record", "call:c", 1),
        statement("insert event", "call:c", 2),
    ]

    plan = plan_batch(batch)

    assert [[s.about for s in step] for step in plan] == [
        ["call:a", "call:b", "call:c"],
        ["call:a", "call:b", "call:c"],
    ]


def test_a_row_touched_in_between_starts_a_new_step() -> None:
    # Waiting row inserted, deleted, inserted again (the caller overflowed
    # into another queue): the second insert must not join the first.
    first = statement("insert waiting", "call:a", 1)
    delete = statement("delete waiting", "call:a", 2)
    again = statement("insert waiting", "call:a", 3)

    plan = plan_batch([first, delete, again])

    assert plan == [[first], [delete], [again]]


def test_postgres_gets_numbered_placeholders_and_sqlite_keeps_question_marks() -> None:
    sql = 'UPDATE "t" SET "a" = ?, "b" = ? WHERE "k" = ?'

    assert sql_for_dialect(sql, "postgres") == 'UPDATE "t" SET "a" = $1, "b" = $2 WHERE "k" = $3'
    assert sql_for_dialect(sql, "sqlite") == sql


def test_column_names_that_are_not_plain_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="not a plain SQL name"):
        update_statement("agent", "extension", "1001", {'paused" = 1; --': True}, about="agent:1")


# -- the statements on a real SQLite database --------------------------------------


@pytest.fixture
async def database() -> AsyncIterator[None]:
    await init_db("sqlite://:memory:")
    try:
        yield
    finally:
        await close_db()


async def test_upsert_inserts_then_updates_and_delete_removes(database: None) -> None:
    values: dict[str, object] = {
        "queue": "support",
        "priority": 0,
        "caller_id": "555",
        "joined_at": 10.0,
        "bridge_id": "b1",
    }
    WRITER.submit(upsert_statement("waiting_caller", "call_id", "c1", values, about="call:c1"))
    WRITER.submit(
        upsert_statement(
            "waiting_caller", "call_id", "c1", {**values, "queue": "sales"}, about="call:c1"
        )
    )
    await WRITER.flush()
    assert [(w.call_id, w.queue) for w in await WaitingCaller.all()] == [("c1", "sales")]

    WRITER.submit(delete_statement("waiting_caller", "call_id", "c1", about="call:c1"))
    await WRITER.flush()
    assert await WaitingCaller.all().count() == 0


async def test_agent_update_statement_changes_only_named_columns(database: None) -> None:
    tenant = await Tenant.create(name="t")
    await Agent.create(tenant=tenant, extension="1001", sip_password="x", pause_reason="lunch")

    WRITER.submit(
        update_statement(
            "agent", "extension", "1001", {"logged_in": True, "paused": True}, about="agent:1001"
        )
    )
    await WRITER.flush()

    agent = await Agent.get(extension="1001")
    assert (agent.logged_in, agent.paused, agent.pause_reason) == (True, True, "lunch")


async def test_call_record_written_as_sql_reads_back_through_the_orm(database: None) -> None:
    tenant = await Tenant.create(name="t")
    await calls.open_record(
        "c1", did="8000", caller_id="555", tenant_id=tenant.id, flow_version_id=7
    )
    await calls.open_record("c1", did="9999", caller_id="x", tenant_id=tenant.id, flow_version_id=8)
    await calls.add_event("c1", "input", node="menu", value="1")
    answered = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    await calls.update_record("c1", queue="support", agent_extension="1001", answered_at=answered)
    await calls.close_record("c1", "answered")
    await calls.close_record("c1", "hangup")

    detail = await calls.call_detail("c1", tenant_id=tenant.id)

    # The second open leaves the record as the first wrote it (its entry is
    # still on the timeline); the first disposition stays.
    assert (detail["did"], detail["flow_version_id"]) == ("8000", 7)
    assert (detail["queue"], detail["agent"], detail["disposition"]) == (
        "support",
        "1001",
        "answered",
    )
    assert detail["answered_at"] == answered.isoformat()
    kinds = [event["kind"] for event in detail["timeline"]]
    assert kinds == ["entered", "entered", "input", "ended", "ended"]
    assert detail["timeline"][2]["data"] == {"node": "menu", "value": "1"}
    record = await CallRecord.get(call_id="c1")
    assert record.ended_at is not None and record.started_at.tzinfo is not None


async def test_update_record_refuses_an_unknown_column(database: None) -> None:
    with pytest.raises(ValueError, match="no column"):
        await calls.update_record("c1", answerd_at=datetime.now(UTC))


async def test_a_failing_statement_is_dropped_alone_and_the_rest_commit(database: None) -> None:
    # The bad row leaves NOT NULL columns empty: its batch fails, and the
    # writer retries the batch one write at a time.
    bad = Statement('INSERT INTO "connected_call" ("call_id") VALUES (?)', ("bad",), "call:bad")
    good = upsert_statement(
        "connected_call",
        "call_id",
        "good",
        {
            "queue": "support",
            "agent_extension": "1001",
            "agent_channel_id": "leg",
            "bridge_id": "b",
            "answered_at": 1.0,
        },
        about="call:good",
    )

    WRITER.submit(bad)
    WRITER.submit(good)
    await WRITER.flush()

    assert [row.call_id for row in await ConnectedCall.all()] == ["good"]


async def test_a_failed_batch_is_rolled_back_whole_before_the_retry(database: None) -> None:
    tenant = await Tenant.create(name="t")
    await calls.open_record(
        "c1", did="8000", caller_id="555", tenant_id=tenant.id, flow_version_id=1
    )
    await WRITER.flush()
    # One batch: a timeline entry (not idempotent), then a statement that fails.
    await calls.add_event("c1", "input", node="menu", value="1")
    WRITER.submit(Statement('INSERT INTO "connected_call" ("call_id") VALUES (?)', ("x",), "x"))
    await WRITER.flush()

    detail = await calls.call_detail("c1", tenant_id=tenant.id)
    # Written once, by the retry: the failed batch left nothing behind.
    assert [event["kind"] for event in detail["timeline"]] == ["entered", "input"]


# -- gathering writes into batches ----------------------------------------------

WAITING_ROW: dict[str, object] = {
    "queue": "support",
    "priority": 0,
    "caller_id": "555",
    "joined_at": 10.0,
    "bridge_id": "b1",
}


def waiting_upsert(call_id: str) -> Statement:
    return upsert_statement(
        "waiting_caller", "call_id", call_id, WAITING_ROW, about=f"call:{call_id}"
    )


@pytest.fixture
def long_gather(monkeypatch: pytest.MonkeyPatch) -> None:
    # Far longer than any test waits: only an urgent write or a flush may end it.
    monkeypatch.setattr(writer_module, "GATHER_S", 60.0)


async def test_an_ordinary_write_waits_to_be_gathered_until_a_flush(
    database: None, long_gather: None
) -> None:
    WRITER.submit(waiting_upsert("c1"))
    await asyncio.sleep(0.2)
    assert await WaitingCaller.all().count() == 0

    async with asyncio.timeout(5):
        await WRITER.flush()

    assert await WaitingCaller.all().count() == 1


async def test_an_urgent_write_is_committed_without_waiting_to_gather(
    database: None, long_gather: None
) -> None:
    WRITER.submit(waiting_upsert("c1"))
    WRITER.submit(waiting_upsert("c2"), urgent=True)

    for _ in range(250):  # up to 5 s, far below the 60 s gathering window
        if await WaitingCaller.all().count() == 2:
            break
        await asyncio.sleep(0.02)
    assert await WaitingCaller.all().count() == 2
