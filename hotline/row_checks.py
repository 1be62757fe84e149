"""A cheap first look for pollers: is there any row they could act on?

Why: an idle centre's pollers (fax-back, virtual hold, campaigns, webhooks)
each ask the database every second or two, and nearly always find nothing.
Building a Tortoise query costs about 0.35 ms of CPU (pypika copying its
query objects), a plain statement 0.03 ms, measured against the demo
database; idle, the pollers were most of Hotline's 0.65 % of a core, and
under ``make bench`` about 0.5 ms of each call's CPU.

A poller asks ``any_row`` with a superset of its real query's conditions
(the equality and IN parts, without the times), and runs the real query
only on a yes.  A wrong "no" would skip work, so every guarded query keeps
its own tests of the rows it must find.
"""

from __future__ import annotations

from typing import Final

from tortoise.connection import connections
from tortoise.models import Model

from hotline.writer import CONNECTION, quoted_name, sql_for_dialect


class _NotNull:
    def __repr__(self) -> str:
        return "NOT_NULL"


NOT_NULL: Final = _NotNull()


async def any_row(model: type[Model], **where: object) -> bool:
    """Whether some row of ``model`` matches every condition: a field equal to
    a value, in a list or tuple of values, None (IS NULL) or ``NOT_NULL``."""
    meta = model._meta
    clauses: list[str] = []
    params: list[object] = []
    for field, wanted in where.items():
        column = meta.fields_db_projection.get(field)
        if column is None:
            raise ValueError(f"{model.__name__} has no column field {field!r}")
        name = quoted_name(column)
        if wanted is None:
            clauses.append(f"{name} IS NULL")
        elif wanted is NOT_NULL:
            clauses.append(f"{name} IS NOT NULL")
        elif isinstance(wanted, list | tuple | set | frozenset):
            if not wanted:
                return False  # IN () matches nothing (and PostgreSQL refuses it)
            clauses.append(f"{name} IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        else:
            clauses.append(f"{name} = ?")
            params.append(wanted)
    condition = " AND ".join(clauses) if clauses else "1 = 1"
    client = connections.get(CONNECTION)
    sql = f"SELECT 1 FROM {quoted_name(meta.db_table)} WHERE {condition} LIMIT 1"
    _, rows = await client.execute_query(sql_for_dialect(sql, client.capabilities.dialect), params)
    return bool(rows)
