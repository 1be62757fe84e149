"""The search index's queries, in SQL, so a common word's thousands of rows
are counted and summed by the database rather than carried into Python
(``make bench-knowledge``: 10,000 articles; this took a three-word query from
about 440 ms to tens of ms).  The ranking is ``index.rank``'s, which stays the
reference; tests/unit/test_knowledge.py checks that both agree."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise import connections


def _placeholders(dialect: str, start: int, count: int) -> list[str]:
    if dialect == "postgres":
        return [f"${number}" for number in range(start, start + count)]
    return ["?"] * count


async def document_frequency(tenant_id: int, words: Sequence[str]) -> dict[str, int]:
    """How many articles hold each word (the index's rows are one per article and word)."""
    if not words:
        return {}
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    marks = _placeholders(dialect, 2, len(words))
    first = _placeholders(dialect, 1, 1)[0]
    query = (
        "SELECT term, COUNT(*) AS articles FROM knowledge_term"
        f" WHERE tenant_id = {first} AND term IN ({', '.join(marks)}) GROUP BY term"
    )
    _, rows = await connection.execute_query(query, [tenant_id, *words])
    return {str(row["term"]): int(row["articles"]) for row in rows}


async def ranked(
    tenant_id: int, rarities: dict[str, float], limit: int
) -> list[tuple[int, int, float]]:
    """``(article_id, words matched, score)`` for the indexed words, best
    first: the most words matched, then weight × rarity summed."""
    if not rarities:
        return []
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    words = list(rarities)
    marks = _placeholders(dialect, 1, 2 * len(words) + 1 + len(words) + 1)
    # CAST: PostgreSQL would otherwise not know the bound rarities' type.
    cases = " ".join(
        f"WHEN {marks[2 * i]} THEN CAST({marks[2 * i + 1]} AS REAL)" for i in range(len(words))
    )
    tenant_mark = marks[2 * len(words)]
    in_marks = marks[2 * len(words) + 1 : 3 * len(words) + 1]
    limit_mark = marks[-1]
    query = (
        "SELECT article_id, COUNT(*) AS matched,"
        f" SUM(weight * CASE term {cases} END) AS score"
        f" FROM knowledge_term WHERE tenant_id = {tenant_mark}"
        f" AND term IN ({', '.join(in_marks)})"
        " GROUP BY article_id ORDER BY matched DESC, score DESC, article_id"
        f" LIMIT {limit_mark}"
    )
    parameters: list[object] = []
    for word in words:
        parameters += [word, rarities[word]]
    parameters += [tenant_id, *words, limit]
    _, rows = await connection.execute_query(query, parameters)
    return [
        (int(row["article_id"]), int(row["matched"]), round(float(row["score"]), 4)) for row in rows
    ]
